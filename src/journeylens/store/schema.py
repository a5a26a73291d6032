"""Tables of a workspace and the migrations that create and upgrade them.

Schema changes run only at start-up (``init``, ``serve``, or ``journeylens.open``
with write access), never while requests are being served. Each migration is a
list of statements applied in one transaction and recorded in
``schema_migrations``; a database newer than this code is refused.

Timestamps are stored as ``TIMESTAMP`` holding UTC wall-clock time (no zone
attached) so that DuckDB, Spark and ClickHouse read them identically; the
workspace time zone is applied when days/weeks/months are cut.
"""

from __future__ import annotations

import duckdb

# Column order of ``events``; the writer builds Arrow batches in exactly this order.
EVENT_COLUMNS: tuple[str, ...] = (
    "message_id",
    "type",
    "event",
    "timestamp",
    "original_timestamp",
    "sent_at",
    "received_at",
    "anonymous_id",
    "user_id",
    "person_id",
    "session_id",
    "channel",
    "source",
    "properties",
    "traits",
    "context",
    "group_id",
    "previous_id",
    "url",
    "path",
    "referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "product_id",
    "revenue",
    "currency",
)

PERSON_TRAIT_COLUMNS: tuple[str, ...] = (
    "email",
    "phone",
    "name",
    "first_name",
    "last_name",
    "gender",
    "birth_year",
    "country",
    "city",
    "signup_date",
)

MIGRATIONS: list[list[str]] = [
    # 1 — the foundation tables (docs/architecture.md "Data model").
    [
        """
        CREATE TABLE events (
            message_id         VARCHAR PRIMARY KEY,
            type               VARCHAR NOT NULL,
            event              VARCHAR,
            timestamp          TIMESTAMP NOT NULL,
            original_timestamp TIMESTAMP,
            sent_at            TIMESTAMP,
            received_at        TIMESTAMP NOT NULL,
            anonymous_id       VARCHAR,
            user_id            VARCHAR,
            person_id          BIGINT NOT NULL,
            session_id         VARCHAR,
            channel            VARCHAR NOT NULL,
            source             VARCHAR NOT NULL,
            properties         JSON,
            traits             JSON,
            context            JSON,
            group_id           VARCHAR,
            previous_id        VARCHAR,
            url                VARCHAR,
            path               VARCHAR,
            referrer           VARCHAR,
            utm_source         VARCHAR,
            utm_medium         VARCHAR,
            utm_campaign       VARCHAR,
            product_id         VARCHAR,
            revenue            DOUBLE,
            currency           VARCHAR
        )
        """,
        """
        CREATE TABLE persons (
            person_id     BIGINT PRIMARY KEY,
            is_identified BOOLEAN NOT NULL DEFAULT false,
            first_seen_at TIMESTAMP,
            last_seen_at  TIMESTAMP,
            traits        JSON,
            email         VARCHAR,
            phone         VARCHAR,
            name          VARCHAR,
            first_name    VARCHAR,
            last_name     VARCHAR,
            gender        VARCHAR,
            birth_year    INTEGER,
            country       VARCHAR,
            city          VARCHAR,
            signup_date   DATE,
            created_at    TIMESTAMP NOT NULL,
            updated_at    TIMESTAMP NOT NULL
        )
        """,
        """
        CREATE TABLE identities (
            distinct_id VARCHAR PRIMARY KEY,
            person_id   BIGINT NOT NULL,
            kind        VARCHAR NOT NULL,   -- anonymous | user | email | phone | crm
            created_at  TIMESTAMP NOT NULL
        )
        """,
        """
        CREATE TABLE person_merges (
            merged_at        TIMESTAMP NOT NULL,
            status           VARCHAR NOT NULL,  -- merged | refused
            source_person_id BIGINT,
            target_person_id BIGINT,
            distinct_id      VARCHAR,
            other_id         VARCHAR,
            message_id       VARCHAR,
            reason           VARCHAR
        )
        """,
        """
        CREATE TABLE failed_events (
            received_at TIMESTAMP NOT NULL,
            source      VARCHAR NOT NULL,
            route       VARCHAR,
            batch_index INTEGER,
            code        VARCHAR NOT NULL,
            message     VARCHAR NOT NULL,
            message_id  VARCHAR,
            raw         VARCHAR
        )
        """,
    ],
    # 2 — data in: what the business knows (orders) and what customers say (feedback),
    #     import history and tracking-plan violations.
    [
        """
        CREATE TABLE orders (
            order_id     VARCHAR PRIMARY KEY,
            person_id    BIGINT NOT NULL,
            user_id      VARCHAR,
            ordered_at   TIMESTAMP NOT NULL,
            revenue      DOUBLE,
            currency     VARCHAR,
            channel      VARCHAR NOT NULL,
            status       VARCHAR NOT NULL,   -- completed | refunded | cancelled
            source       VARCHAR NOT NULL,
            message_id   VARCHAR,
            properties   JSON
        )
        """,
        """
        CREATE TABLE order_items (
            order_id   VARCHAR NOT NULL,
            line       INTEGER NOT NULL,
            product_id VARCHAR,
            name       VARCHAR,
            category   VARCHAR,
            price      DOUBLE,
            quantity   DOUBLE,
            PRIMARY KEY (order_id, line)
        )
        """,
        """
        CREATE TABLE feedback (
            feedback_id VARCHAR PRIMARY KEY,
            person_id   BIGINT NOT NULL,
            user_id     VARCHAR,
            created_at  TIMESTAMP NOT NULL,
            channel     VARCHAR NOT NULL,
            kind        VARCHAR NOT NULL,   -- review | survey | nps | chat | ticket
            text        VARCHAR,
            rating      DOUBLE,
            nps         INTEGER,
            language    VARCHAR,
            product_id  VARCHAR,
            order_id    VARCHAR,
            source      VARCHAR NOT NULL,
            properties  JSON
        )
        """,
        """
        CREATE TABLE imports (
            import_id   VARCHAR PRIMARY KEY,
            kind        VARCHAR NOT NULL,
            path        VARCHAR NOT NULL,
            format      VARCHAR NOT NULL,
            started_at  TIMESTAMP NOT NULL,
            finished_at TIMESTAMP,
            rows_read   BIGINT,
            imported    BIGINT,
            duplicates  BIGINT,
            rejected    BIGINT,
            status      VARCHAR NOT NULL    -- running | done | failed
        )
        """,
        """
        CREATE TABLE plan_violations (
            detected_at TIMESTAMP NOT NULL,
            message_id  VARCHAR NOT NULL,
            event       VARCHAR,
            property    VARCHAR,
            code        VARCHAR NOT NULL,
            message     VARCHAR NOT NULL,
            mode        VARCHAR NOT NULL    -- flag | block
        )
        """,
    ],
    # 3 — how far the loader has moved the collector's journal into the tables (ADR 0004).
    [
        "CREATE TABLE journal_position (journal_segment BIGINT NOT NULL, journal_offset BIGINT NOT NULL)",
        "INSERT INTO journal_position VALUES (1, 0)",
    ],
    # 4 — the web UI: sign-in sessions, static segments, saved insights (ADR 0006).
    [
        """
        CREATE TABLE ui_sessions (
            token_sha256 VARCHAR PRIMARY KEY,   -- the cookie holds the token, we keep its hash
            user_name    VARCHAR NOT NULL,
            csrf_token   VARCHAR NOT NULL,
            created_at   TIMESTAMP NOT NULL,
            expires_at   TIMESTAMP NOT NULL
        )
        """,
        """
        CREATE TABLE segments (
            segment_id  VARCHAR PRIMARY KEY,
            name        VARCHAR NOT NULL UNIQUE,
            kind        VARCHAR NOT NULL,       -- static (a list of persons)
            source      VARCHAR,                -- where it came from, e.g. a funnel's query
            created_by  VARCHAR,
            created_at  TIMESTAMP NOT NULL
        )
        """,
        """
        CREATE TABLE segment_members (
            segment_id VARCHAR NOT NULL,
            person_id  BIGINT NOT NULL,
            PRIMARY KEY (segment_id, person_id)
        )
        """,
        """
        CREATE TABLE insights (
            insight_id VARCHAR PRIMARY KEY,
            name       VARCHAR NOT NULL,
            analysis   VARCHAR NOT NULL,        -- the page: funnel, trends, paths...
            query      VARCHAR NOT NULL,        -- the page's query string (the builder's state)
            pinned     BOOLEAN NOT NULL DEFAULT false,
            created_by VARCHAR,
            created_at TIMESTAMP NOT NULL
        )
        """,
    ],
    # — per-person results of RFM and personas (helper "rfm"; docs/architecture.md "Data
    # model", ADR 0012): rewritten whole by `journeylens rfm --save` / `personas --save`.
    [
        """
        CREATE TABLE person_rfm (
            person_id    BIGINT PRIMARY KEY,
            recency_days BIGINT NOT NULL,   -- whole days from the last order to window_end
            frequency    BIGINT NOT NULL,   -- orders counted (not refunded, workspace currency)
            monetary     DOUBLE NOT NULL,   -- their revenue (net of refunds)
            r_score      BIGINT NOT NULL,   -- 1-5
            f_score      BIGINT NOT NULL,
            m_score      BIGINT NOT NULL,
            rfm_score    VARCHAR NOT NULL,  -- "545"
            tier         VARCHAR NOT NULL,  -- champions, loyal, ... lost (analyses/rfm.py)
            window_start TIMESTAMP NOT NULL,
            window_end   TIMESTAMP NOT NULL,
            computed_at  TIMESTAMP NOT NULL
        )
        """,
        """
        CREATE TABLE person_personas (
            person_id   BIGINT PRIMARY KEY,
            persona     VARCHAR NOT NULL,   -- the cluster's readable name
            cluster     BIGINT NOT NULL,    -- the k-means cluster, from 0
            computed_at TIMESTAMP NOT NULL
        )
        """,
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNewError(RuntimeError):
    pass


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the schema up to :data:`SCHEMA_VERSION`; returns the number of migrations run."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations"
        " (version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL)"
    )
    version = current_version(con)
    if version > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"This workspace has schema version {version}, but this journeylens only knows "
            f"up to {SCHEMA_VERSION}. Upgrade journeylens to open it."
        )
    applied = 0
    for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
        con.execute("BEGIN TRANSACTION")
        try:
            for statement in statements:
                con.execute(statement)
            con.execute("INSERT INTO schema_migrations VALUES (?, now()::TIMESTAMP)", [number])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied += 1
    return applied


def check_version(con: duckdb.DuckDBPyConnection) -> None:
    """For read-only opens: refuse a schema this code cannot read."""
    version = current_version(con)
    if version > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"This workspace has schema version {version}; this journeylens knows {SCHEMA_VERSION}."
        )
    if version < SCHEMA_VERSION:
        raise RuntimeError(
            f"This workspace has schema version {version} and needs upgrading to "
            f"{SCHEMA_VERSION}; open it once with write access (journeylens init)."
        )
