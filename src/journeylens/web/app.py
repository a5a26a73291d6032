"""The ASGI application: ``create_app(workspace_dir)``.

One process owns the workspace (ADR 0001): the lifespan opens the DuckDB file,
runs migrations, starts the writer, the journal and the loader that moves the journal into
DuckDB (ADR 0004); shutdown closes the journal, loads what it still holds, drains the writer
and closes the file.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

import journeylens
from journeylens.plan.enforce import PlanStore
from journeylens.store.journal import Journal
from journeylens.store.keys import KeyStore
from journeylens.store.loader import Loader
from journeylens.store.users import UserStore
from journeylens.store.writer import Writer
from journeylens.web import api, collector, ui
from journeylens.web.deps import AdminKey
from journeylens.web.state import ServerState
from journeylens.workspace import Workspace

log = logging.getLogger("journeylens.server")


def create_app(
    workspace: str | Path,
    *,
    local_token: str | None = None,
    max_journal_lag_mb: float = 256.0,
    today: date | None = None,
) -> FastAPI:
    """The app serving ``workspace``; ``today`` fixes the day relative dates count from."""
    workspace = Path(workspace)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ws = Workspace.init(workspace)
        writer = Writer(ws.con).start()
        journal = Journal(workspace / "journal")
        loader = Loader(journal, writer, ws.con).start()
        keys = KeyStore(workspace)
        if local_token:
            keys.add_token(local_token, "admin")
        app.state.journeylens = ServerState(
            workspace=ws,
            writer=writer,
            keys=keys,
            users=UserStore(workspace),
            plans=PlanStore(workspace),
            journal=journal,
            loader=loader,
            max_lag_bytes=int(max_journal_lag_mb * 1024 * 1024),
            today=today,
        )
        try:
            yield
        finally:
            # Requests are finished: close the journal, load what it holds, close the file.
            journal.stop()
            loader.stop()
            writer.stop()
            ws.con.execute("CHECKPOINT")
            ws.close()

    app = FastAPI(
        title="journeylens",
        version=journeylens.__version__,
        summary="Customer behavior analytics: Segment- and PostHog-compatible collector and JSON API.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.include_router(collector.router)
    app.include_router(api.router)
    ui.install(app)

    @app.get("/healthz", tags=["server"], summary="Liveness (no key needed)")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/openapi.json",
        tags=["server"],
        summary="This API's OpenAPI spec (admin key)",
        include_in_schema=False,
    )
    def openapi_spec(_: AdminKey) -> dict[str, Any]:
        return app.openapi()

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        page = ui.html_error(request, error)
        if page is not None:
            return page
        detail = error.detail
        body = (
            detail
            if isinstance(detail, dict)
            else {"code": _code_for(error.status_code), "message": str(detail)}
        )
        return JSONResponse(body, status_code=error.status_code, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in error.errors()
        )
        return JSONResponse({"code": "invalid_request", "message": problems}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        # A bug of ours: say so in JSON, and log it (the tests fail on any traceback).
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"code": "internal_error", "message": f"journeylens failed: {type(error).__name__}."},
            status_code=500,
        )

    return app


def _code_for(status: int) -> str:
    return {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(status, "error")
