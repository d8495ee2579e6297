"""A small client of the WordPress REST API (wp/v2), authenticated by an application password.

Routes go through `?rest_route=`, which every WordPress answers, pretty permalinks or not. Only
the sender's executors (bot.publishing.website_send) use it: never a handler or a target.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote, urlencode

import urllib3

_POOL = urllib3.PoolManager(retries=False, maxsize=4)
LIVE_STATES = "publish,future,draft,pending,private"


class SiteError(Exception):
    """The site answered with a refusal (4xx other than the two below); retrying will not help."""

    def __init__(self, status: int | None, code: str, message: str):
        super().__init__(f"{status} {code}: {message}"[:500])
        self.status, self.code = status, code


class SiteAuthError(SiteError):
    """401/403: the user or application password is wrong, or lacks the right to post."""


class SiteUnavailable(Exception):
    """Down, a timeout, a cut connection, 5xx or 429: try again later (the site may have acted)."""

    def __init__(self, status: int | None, message: str):
        super().__init__(f"{status or 'network'}: {message}"[:500])
        self.status = status


class WordPress:
    def __init__(self, url: str, user: str, password: str, *, timeout: float,
                 pool: urllib3.PoolManager | None = None):
        self.url = url.rstrip("/")
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        self._auth = {"Authorization": f"Basic {token}", "Accept": "application/json"}
        self.timeout = timeout
        self.pool = pool or _POOL

    def __repr__(self) -> str:  # never the password
        return f"WordPress({self.url!r})"

    def call(self, method: str, route: str, *, query: dict | None = None, payload: dict | None = None,
             body: bytes | None = None, headers: dict | None = None) -> Any:
        address = f"{self.url}/?rest_route={quote(route)}"
        if query:
            address += "&" + urlencode(query)
        sent = {**self._auth, **(headers or {})}
        if payload is not None:
            body = json.dumps(payload).encode()
            sent["Content-Type"] = "application/json"
        try:
            response = self.pool.request(method, address, body=body, headers=sent,
                                         timeout=urllib3.Timeout(connect=min(10, self.timeout),
                                                                 read=self.timeout),
                                         redirect=False)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise SiteUnavailable(None, type(exc).__name__) from None
        status = response.status
        try:
            answer = json.loads(response.data or b"null")
        except ValueError:
            answer = None
        if 200 <= status < 300:
            if answer is None and response.data:
                raise SiteUnavailable(status, "the answer is not JSON (is this a WordPress site?)")
            return answer
        code = answer.get("code", "") if isinstance(answer, dict) else ""
        message = answer.get("message", "") if isinstance(answer, dict) else response.data[:200].decode(
            "utf-8", "replace")
        if status in (401, 403):
            raise SiteAuthError(status, code, message)
        if status >= 500 or status == 429:
            raise SiteUnavailable(status, f"{code} {message}")
        raise SiteError(status, code, message)

    # --- the few calls Prakat needs -------------------------------------------------------

    def find_media(self, slug: str) -> dict | None:
        found = self.call("GET", "/wp/v2/media", query={"slug": slug, "context": "edit"})
        return found[0] if found else None

    def upload_media(self, data: bytes, *, filename: str, mime: str, fields: dict) -> dict:
        """The file into the media library; `fields` (slug, title, caption, alt_text) ride along."""
        ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
        media = self.call("POST", "/wp/v2/media", query=fields, body=data, headers={
            "Content-Type": mime,
            "Content-Disposition": f'attachment; filename="{ascii_name}"'})
        return media

    def find_category(self, slug: str) -> dict | None:
        found = self.call("GET", "/wp/v2/categories", query={"slug": slug})
        return found[0] if found else None

    def create_category(self, name: str, slug: str) -> dict:
        return self.call("POST", "/wp/v2/categories", payload={"name": name, "slug": slug})

    def find_post(self, slug: str) -> dict | None:
        """The post with this slug in any state; a trashed one, whose slug WordPress suffixes."""
        found = self.call("GET", "/wp/v2/posts", query={"slug": slug, "status": LIVE_STATES,
                                                       "context": "edit"})
        if not found:
            found = self.call("GET", "/wp/v2/posts", query={"slug": f"{slug}__trashed",
                                                           "status": "trash", "context": "edit"})
        return found[0] if found else None

    def create_post(self, fields: dict) -> dict:
        return self.call("POST", "/wp/v2/posts", payload=fields)

    def update_post(self, post_id: int, fields: dict) -> dict:
        return self.call("POST", f"/wp/v2/posts/{post_id}", payload=fields)

    def trash_post(self, post_id: int) -> dict:
        return self.call("DELETE", f"/wp/v2/posts/{post_id}")
