"""config.toml's ``[engine] memory_limit``: DuckDB's memory for one process, bounded by default."""

from __future__ import annotations

import json

import duckdb
import pytest

from journeylens.workspace import Workspace, WorkspaceConfigError


def memory_limit(ws: Workspace) -> str:
    return ws.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


def set_limit(path, value: str) -> None:
    config = path / "config.toml"
    config.write_text(config.read_text().replace('memory_limit = "3GB"', f"memory_limit = {value}"))


def test_a_new_workspace_holds_duckdb_to_3_gb(tmp_path):
    with Workspace.init(tmp_path / "ws") as ws:
        assert 'memory_limit = "3GB"' in (tmp_path / "ws" / "config.toml").read_text()
        assert memory_limit(ws) == "2.7 GiB"  # DuckDB counts 3 GB = 3 × 10**9 bytes in GiB
    with Workspace.open(tmp_path / "ws", read_only=True) as ws:
        assert memory_limit(ws) == "2.7 GiB"


def test_a_workspace_from_before_the_setting_gets_the_default(tmp_path):
    Workspace.init(tmp_path / "ws").close()
    config = tmp_path / "ws" / "config.toml"
    config.write_text(config.read_text().split("[engine]")[0])
    with Workspace.open(tmp_path / "ws") as ws:
        assert memory_limit(ws) == "2.7 GiB"


def test_work_beyond_the_limit_spills_to_disk_and_gives_the_right_answer(tmp_path):
    Workspace.init(tmp_path / "ws").close()
    set_limit(tmp_path / "ws", '"64MB"')
    profile = tmp_path / "profile.json"
    with Workspace.open(tmp_path / "ws") as ws:
        assert memory_limit(ws) == "61.0 MiB"
        ws.con.execute("PRAGMA enable_profiling = 'json'")
        ws.con.execute(f"PRAGMA profiling_output = '{profile}'")
        # 4M distinct keys, grouped then sorted: ~100 MB of hash table, more than 64 MB.
        rows = ws.con.execute(
            "SELECT count(*), sum(k), max(n) FROM ("
            "  SELECT i AS k, count(*) AS n FROM range(4000000) t(i) GROUP BY i ORDER BY i DESC"
            ")"
        ).fetchall()
        ws.con.execute("PRAGMA disable_profiling")
    assert rows == [(4_000_000, 4_000_000 * 3_999_999 // 2, 1)]
    # DuckDB wrote temporary files beside the database to stay inside the limit.
    assert json.loads(profile.read_text())["system"]["peak_temp_dir_size"] > 0


def test_the_limit_binds_work_that_cannot_spill(tmp_path):
    Workspace.init(tmp_path / "ws").close()
    set_limit(tmp_path / "ws", '"64MB"')
    # One list of 30M integers (240 MB) must be held whole: refused, not swapped.
    with Workspace.open(tmp_path / "ws") as ws, pytest.raises(duckdb.OutOfMemoryException):
        ws.con.execute("SELECT len(list(i)) FROM range(30000000) t(i)").fetchall()


@pytest.mark.parametrize("value", ['"lots"', '"3 parsecs"', '""', "3"])
def test_a_limit_that_is_not_a_size_is_refused_with_a_hint(tmp_path, value):
    Workspace.init(tmp_path / "ws").close()
    set_limit(tmp_path / "ws", value)
    with pytest.raises(
        WorkspaceConfigError, match=r'memory_limit .* is not a size; use one such as "3GB"'
    ):
        Workspace.open(tmp_path / "ws")


def test_a_share_of_the_machine_is_accepted(tmp_path):
    Workspace.init(tmp_path / "ws").close()
    set_limit(tmp_path / "ws", '"50%"')
    with Workspace.open(tmp_path / "ws", read_only=True) as ws:
        assert memory_limit(ws).endswith("GiB")
