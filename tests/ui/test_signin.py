"""Sign-in, sessions and the security headers, against a real server (issue 5 item 1)."""

from __future__ import annotations

import json

import httpx

from tests.ui.conftest import ADMIN, MEMBER, create_user, form_token, signed_in


def test_anonymous_visitors_are_sent_to_sign_in_and_the_api_refuses_them(shop):
    with httpx.Client(base_url=shop.url, headers={"Accept": "text/html"}) as client:
        home = client.get("/?from=2026-06-01&to=2026-06-30")
        assert home.status_code == 303
        assert home.headers["location"] == "/signin?next=%2F%3Ffrom%3D2026-06-01%26to%3D2026-06-30"
        assert client.get("/api/kpis").status_code == 401
        assert client.get("/api/status").status_code == 401


def test_sign_in_sets_a_safe_cookie_and_opens_the_dashboard(shop):
    client = httpx.Client(base_url=shop.url, headers={"Accept": "text/html"})
    form = client.get("/signin")
    answer = client.post(
        "/signin",
        data={
            "name": ADMIN[0],
            "password": ADMIN[1],
            "csrf_token": form_token(form.text),
            "next": "/customers",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/customers"
    cookie = next(
        v for k, v in answer.headers.multi_items() if k == "set-cookie" and "jl_session=" in v
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    home = client.get("/")
    assert home.status_code == 200
    assert 'data-kpi="revenue"' in home.text and ADMIN[0] in home.text


def test_wrong_passwords_and_forged_forms_do_not_sign_in(shop):
    client = httpx.Client(base_url=shop.url, headers={"Accept": "text/html"})
    form = client.get("/signin")
    wrong = client.post(
        "/signin",
        data={"name": ADMIN[0], "password": "not it at all", "csrf_token": form_token(form.text)},
    )
    assert wrong.status_code == 401 and "Wrong user name or password." in wrong.text
    unknown = client.post(
        "/signin",
        data={"name": "nobody", "password": ADMIN[1], "csrf_token": form_token(wrong.text)},
    )
    assert unknown.status_code == 401
    # A form posted from elsewhere has no sign-in token of ours.
    forged = httpx.post(shop.url + "/signin", data={"name": ADMIN[0], "password": ADMIN[1]})
    assert forged.status_code == 403 and "jl_session" not in forged.headers.get("set-cookie", "")
    assert client.get("/").status_code == 303


def test_sign_in_only_redirects_within_this_server(shop):
    client = httpx.Client(base_url=shop.url, headers={"Accept": "text/html"})
    form = client.get("/signin")
    answer = client.post(
        "/signin",
        data={
            "name": ADMIN[0],
            "password": ADMIN[1],
            "csrf_token": form_token(form.text),
            "next": "//evil.example/x",
        },
    )
    assert answer.headers["location"] == "/"


def test_sign_out_needs_the_form_token_and_ends_the_session_for_good(shop):
    client = signed_in(shop, MEMBER)
    cookie = client.cookies["jl_session"]
    assert client.post("/signout", data={}).status_code == 403
    page = client.get("/")
    assert client.post("/signout", data={"csrf_token": form_token(page.text)}).status_code == 303
    # The old cookie, replayed, no longer signs anyone in.
    replay = httpx.get(
        shop.url + "/", cookies={"jl_session": cookie}, headers={"Accept": "text/html"}
    )
    assert replay.status_code == 303


def test_every_response_has_a_content_security_policy(shop):
    client = signed_in(shop)
    for path in ("/", "/signin", "/static/app.js", "/api/status"):
        csp = client.get(path).headers["content-security-policy"]
        assert "script-src 'self'" in csp and "object-src 'none'" in csp, path
        assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp


def test_the_api_takes_a_session_cookie_but_writes_need_the_csrf_header(shop):
    client = signed_in(shop, MEMBER)
    assert client.get("/api/status").status_code == 200
    body = {"steps": ["Product Viewed", "Order Completed"]}
    refused = client.post("/api/funnels", json=body)
    assert refused.status_code == 403 and refused.json()["code"] == "csrf"
    token = form_token(client.get("/").text)
    answer = client.post("/api/funnels", json=body, headers={"X-CSRF-Token": token})
    assert answer.status_code == 200 and answer.json()["steps"][0]["name"] == "Product Viewed"


def test_users_are_created_from_standard_input_and_stored_as_argon2_hashes(tmp_path):
    workspace = tmp_path / "ws"
    done = create_user(workspace, "zoe", "a long enough secret")
    assert done.returncode == 0, done.stderr
    stored = json.loads((workspace / "users.json").read_text())["users"]
    assert [u["name"] for u in stored] == ["zoe"]
    assert stored[0]["password_hash"].startswith("$argon2id$")
    assert "a long enough secret" not in (workspace / "users.json").read_text()
    again = create_user(workspace, "zoe", "another secret here")
    assert again.returncode == 1 and "exists" in again.stderr
    short = create_user(workspace, "yan", "short")
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
    bad_name = create_user(workspace, "<script>", "a long enough secret")
    assert bad_name.returncode == 1 and "user name" in bad_name.stderr


def test_the_first_serve_creates_an_admin_and_prints_its_password_once(tmp_path):
    import re

    from tests.conftest import Server

    server = Server(tmp_path / "fresh").start()
    try:
        log = server.log.read_text()
        found = re.search(r"sign in as admin with the password (\S+)", log)
        assert found, log
        client = signed_in(server, ("admin", found.group(1)))
        assert client.get("/").status_code == 200
    finally:
        server.stop()
    # A second start creates no one and prints no password.
    again = Server(tmp_path / "fresh").start()
    again.stop()
    assert "with the password" not in again.log.read_text()


def test_no_page_or_api_route_answers_an_anonymous_visitor(shop):
    from journeylens.web.app import create_app

    open_routes = {"/healthz", "/signin", "/static/plotly.min.js"}
    collector = ("/v1/", "/batch", "/capture", "/e/", "/i/", "/track", "/engage", "/s/", "/decide")
    checked = 0
    with httpx.Client(base_url=shop.url, headers={"Accept": "text/html"}) as client:
        for full_path, route in _api_routes(create_app(shop.workspace).routes):
            if full_path in open_routes or full_path.startswith(collector):
                continue  # the collector takes write keys; its own tests check them
            path = full_path.replace("{", "").replace("}", "")  # /customers/person_id
            for method in route.methods - {"HEAD"}:
                answer = client.request(method, path)
                assert answer.status_code in (303, 401, 403), (
                    f"{method} {full_path}: {answer.status_code}"
                )
                if answer.status_code == 303:
                    assert answer.headers["location"].startswith("/signin"), full_path
                checked += 1
    assert checked >= 30


def _api_routes(routes, prefix=""):
    """Every APIRoute with its full path, through included routers (kept nested by FastAPI)."""
    from fastapi.routing import APIRoute

    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            yield from _api_routes(
                route.original_router.routes, prefix + route.include_context.prefix
            )


def test_the_sign_in_hint_shows_the_command_as_code_not_in_backticks(shop):
    for language, command in (
        ("en", "journeylens users create NAME"),
        ("zh", "journeylens users create 用户名"),
    ):
        page = httpx.get(shop.url + "/signin", headers={"Accept-Language": language}, timeout=30)
        assert page.status_code == 200
        assert f"<code>{command}</code>" in page.text, language
        assert "`" not in page.text, language
