"""Signing in to the admin console through the fake LINE Login, as a browser does: the console
sends the browser to LINE's authorize page, a persona is picked there, LINE sends it back with a
code, and the console trades the code for an ID token."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import requests

from bot.office.org import person_by_key

LOGIN_CHANNEL_ID = "1650000001"
LOGIN_SECRET = "test-login-channel-secret-0123456789"


def login_settings(fake) -> dict:
    """Config overrides that point the console's LINE Login at the fake (tests' own channel)."""
    fake.login.add_channel(LOGIN_CHANNEL_ID, LOGIN_SECRET)
    return {"line_login_channel_id": LOGIN_CHANNEL_ID, "line_login_channel_secret": LOGIN_SECRET,
            "line_login_authorize_base": fake.url, "line_login_api_base": fake.url}


def line_user_of(runtime, person_key: str, office_id: int | None = None) -> str:
    with runtime.factory() as session:
        user = person_by_key(session, person_key, office_id).line_user_id
    assert user, f"{person_key} is not linked to LINE"
    return user


def start(client) -> str:
    """The console's redirect to LINE's authorize page (Flask test client)."""
    answer = client.get("/admin/login/line")
    assert answer.status_code == 302, answer.status_code
    return answer.headers["Location"]


def authorize(authorize_url: str, line_user_id: str) -> str:
    """Pick `line_user_id` on the fake's authorize page; returns the console's callback path."""
    parts = urlsplit(authorize_url)
    answer = requests.post(f"{parts.scheme}://{parts.netloc}{parts.path}",
                           data={**dict(parse_qsl(parts.query)), "user": line_user_id},
                           allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def sign_in(page_or_client, person_key: str | None = None, *, runtime=None, base: str = "",
            line_user_id: str | None = None, office_id: int | None = None):
    """Sign in as `person_key` (or a raw LINE user id). A Flask test client: returns the
    callback's answer. A Playwright page: goes through the pages, and returns the page."""
    user = line_user_id or line_user_of(runtime, person_key, office_id)
    if hasattr(page_or_client, "goto"):
        page = page_or_client
        page.goto(f"{base}/admin/login")
        page.get_by_role("link", name="เข้าสู่ระบบด้วย LINE").click()
        page.locator(f'button[name="user"][value="{user}"]').click()
        page.wait_for_load_state()
        return page
    return page_or_client.get(authorize(start(page_or_client), user))
