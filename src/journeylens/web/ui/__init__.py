"""The web UI: server-rendered pages over the analyses, for people who don't write code.

``install(app)`` adds the pages, the static files (plotly.js from the plotly package, served
from here: no CDN), the security headers and the error pages. Each page lives in its own
module in ``pages/`` with its own router and template; see ADR 0006.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from journeylens.web.ui import auth, pages
from journeylens.web.ui.render import SignInRequired, page
from journeylens.web.ui.security import SecurityHeaders

STATIC = Path(__file__).parent / "static"


def plotly_bundle() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not the JSON API, the collector or a script)."""
    path = request.url.path
    if path.startswith(("/api/", "/v1/", "/batch", "/capture", "/e/", "/i/", "/static/")):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_page(request: Request, status: int, message: str) -> Response:
    from journeylens.web.deps import signed_in
    from journeylens.web.ui.render import Viewer

    found = signed_in(request, request.app.state.journeylens)
    viewer = Viewer(*found) if found else None
    return page(
        request,
        "error.html",
        {"code": status, "message": message},
        viewer=viewer,
        status_code=status,
        title=str(status),
        message=message,
    )


def install(app: FastAPI) -> None:
    for router in [auth.router, *pages.routers()]:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(
            plotly_bundle(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    # The route above must win over the mount: put it first.
    app.router.routes.insert(0, app.router.routes.pop())

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, error: SignInRequired) -> Response:
        if not wants_html(request) or request.url.path.startswith("/api"):
            return Response(status_code=401)
        from urllib.parse import urlencode

        return RedirectResponse("/signin?" + urlencode({"next": error.next_url}), status_code=303)

    app.add_middleware(SecurityHeaders)


def html_error(request: Request, error: HTTPException) -> Response | None:
    """The error as a page for a browser; ``None`` when the caller should answer JSON."""
    if not wants_html(request):
        return None
    detail = error.detail
    message = detail.get("message") if isinstance(detail, dict) else str(detail)
    if error.status_code == 404 and message == "Not Found":
        message = "There is no such page."
    return error_page(request, error.status_code, message or "Error")
