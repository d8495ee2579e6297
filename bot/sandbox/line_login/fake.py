"""LINE Login v2.1 as a web app sees it, faithful where the console depends on it.

Faithful (developers.line.biz/en/reference/line-login/): `GET /oauth2/v2.1/authorize` with
response_type=code, client_id, redirect_uri, state, scope (must hold openid), nonce and PKCE
(code_challenge, S256) → back to redirect_uri with `code` and `state`; `POST /oauth2/v2.1/token`
(form: grant_type, code, redirect_uri, client_id, client_secret, code_verifier) → access_token
and an ID token signed HS256 with the channel secret, iss https://access.line.me, aud the
channel id, sub the LINE user id; `POST /oauth2/v2.1/verify` (id_token, client_id, nonce) → the
claims or 400. A code is good once, for ten minutes, for the redirect_uri it was issued to.
Invented: the authorize page itself (LINE shows its own consent screen; here a persona is picked).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from werkzeug.wrappers import Request, Response

from bot.spine.config import SANDBOX_LOGIN_CHANNEL_ID, SANDBOX_LOGIN_SECRET

ISSUER = "https://access.line.me"
CODE_SECONDS = 600
TOKEN_SECONDS = 3600


@dataclass(frozen=True)
class LoginPersona:
    """Someone who may be picked on the authorize page."""

    line_user_id: str
    name: str
    detail: str = ""


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    user_id: str
    name: str
    nonce: str | None
    challenge: str | None
    method: str | None
    expires: float


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json",
                    headers={"Cache-Control": "no-store"})


def _error(status: int, error: str, description: str) -> Response:
    return _json(status, {"error": error, "error_description": description})


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class LoginFake:
    """LINE Login's three endpoints. `personas` says who the authorize page offers."""

    def __init__(self, personas: Callable[[], list[LoginPersona]] | None = None) -> None:
        self.personas = personas or (lambda: [])
        self._channels = {SANDBOX_LOGIN_CHANNEL_ID: SANDBOX_LOGIN_SECRET}
        self._codes: dict[str, _Code] = {}
        self._lock = threading.Lock()
        # Tests: the next token answer carries this ID token instead of a fresh one.
        self.next_id_token: str | None = None
        self.issued: list[str] = []  # every ID token handed out, oldest first

    def add_channel(self, channel_id: str, secret: str) -> None:
        with self._lock:
            self._channels[channel_id] = secret

    def sign(self, claims: dict, secret: str) -> str:
        return jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, OctKey.import_key(secret))

    # ------------------------------------------------------------------ WSGI

    def wsgi_app(self, environ: dict, start_response: Callable):
        request = Request(environ)
        path = request.path.rstrip("/")
        if path == "/oauth2/v2.1/authorize":
            response = self._authorize(request)
        elif path == "/oauth2/v2.1/token" and request.method == "POST":
            response = self._token(request)
        elif path == "/oauth2/v2.1/verify" and request.method == "POST":
            response = self._verify(request)
        else:
            response = _error(404, "not_found", "no such LINE Login endpoint")
        return response(environ, start_response)

    def _authorize(self, request: Request) -> Response:
        args = request.values
        client_id, redirect_uri = args.get("client_id", ""), args.get("redirect_uri", "")
        if client_id not in self._channels:
            return _page(400, "ไม่พบช่อง LINE Login นี้ (client_id)")
        if urlsplit(redirect_uri).scheme not in ("http", "https"):
            return _page(400, "redirect_uri ไม่ถูกต้อง")
        if args.get("response_type") != "code" or "openid" not in args.get("scope", "").split():
            return _page(400, "ต้องขอ response_type=code และ scope openid")
        if not args.get("state"):
            return _page(400, "ไม่มี state")
        method = args.get("code_challenge_method")
        if args.get("code_challenge") and method != "S256":
            return _page(400, "code_challenge_method ต้องเป็น S256")
        if request.method == "GET":
            return _chooser(args, self.personas())
        user_id = (args.get("user") or args.get("typed_user") or "").strip()
        if not user_id:
            return _page(400, "กรุณาเลือกบัญชี LINE")
        names = {p.line_user_id: p.name for p in self.personas()}
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(client_id, redirect_uri, user_id, names.get(user_id, "LINE user"),
                                      args.get("nonce"), args.get("code_challenge"), method,
                                      time.time() + CODE_SECONDS)
        query = urlencode({"code": code, "state": args["state"]})
        joiner = "&" if "?" in redirect_uri else "?"
        return Response(status=302, headers={"Location": f"{redirect_uri}{joiner}{query}"})

    def _token(self, request: Request) -> Response:
        form = request.form
        if form.get("grant_type") != "authorization_code":
            return _error(400, "unsupported_grant_type", "grant_type must be authorization_code")
        client_id = form.get("client_id", "")
        secret = self._channels.get(client_id)
        if secret is None or not secrets.compare_digest(form.get("client_secret", ""), secret):
            return _error(401, "invalid_client", "invalid client_id or client_secret")
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # good once, even when refused
        if grant is None or grant.expires < time.time() or grant.client_id != client_id:
            return _error(400, "invalid_grant", "invalid authorization code")
        if form.get("redirect_uri") != grant.redirect_uri:
            return _error(400, "invalid_grant", "redirect_uri does not match")
        if grant.challenge and s256(form.get("code_verifier", "")) != grant.challenge:
            return _error(400, "invalid_grant", "code_verifier does not match")
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": grant.user_id, "aud": client_id, "exp": now + TOKEN_SECONDS,
                  "iat": now, "auth_time": now, "amr": ["linesso"], "name": grant.name}
        if grant.nonce:
            claims["nonce"] = grant.nonce
        id_token, self.next_id_token = self.next_id_token or self.sign(claims, secret), None
        self.issued.append(id_token)
        return _json(200, {"access_token": secrets.token_urlsafe(32), "token_type": "Bearer",
                           "expires_in": TOKEN_SECONDS, "refresh_token": secrets.token_urlsafe(16),
                           "scope": "openid profile", "id_token": id_token})

    def _verify(self, request: Request) -> Response:
        form = request.form
        secret = self._channels.get(form.get("client_id", ""))
        if secret is None:
            return _error(400, "invalid_request", "invalid client_id")
        try:
            token = jwt.decode(form.get("id_token", ""), OctKey.import_key(secret), algorithms=["HS256"])
        except (JoseError, ValueError):
            return _error(400, "invalid_request", "Invalid IdToken.")
        claims = token.claims
        if claims.get("aud") != form["client_id"]:
            return _error(400, "invalid_request", "Invalid IdToken Audience.")
        if claims.get("exp", 0) < time.time():
            return _error(400, "invalid_request", "IdToken expired.")
        if form.get("nonce") and claims.get("nonce") != form["nonce"]:
            return _error(400, "invalid_request", "Invalid IdToken Nonce.")
        return _json(200, claims)


_STYLE = ("body{font-family:sans-serif;max-width:32rem;margin:1rem auto;padding:0 1rem;color:#1a1a1a}"
          "button{display:block;width:100%;text-align:left;margin:.4rem 0;padding:.7rem;font-size:1rem;"
          "border:1px solid #06c755;border-radius:.5rem;background:#fff;color:#1a1a1a}"
          "small{color:#444}h1{font-size:1.3rem}.line{color:#fff;background:#06773a;padding:.2rem .5rem}")


def _page(status: int, message: str) -> Response:
    body = (f'<!doctype html><html lang="th"><head><meta charset="utf-8"><title>LINE Login (จำลอง)'
            f'</title><meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<style>{_STYLE}</style></head><body><main><h1>LINE Login (จำลอง)</h1>"
            f"<p>{html.escape(message)}</p></main></body></html>")
    return Response(body, status=status, mimetype="text/html")


def _chooser(args, personas: list[LoginPersona]) -> Response:
    hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in args.items(multi=True) if k not in ("user", "typed_user"))
    buttons = "".join(
        f'<button type="submit" name="user" value="{html.escape(p.line_user_id)}">'
        f"{html.escape(p.name)}<br><small>{html.escape(p.detail)}</small></button>"
        for p in personas)
    body = (f'<!doctype html><html lang="th"><head><meta charset="utf-8">'
            f'<title>เข้าสู่ระบบด้วย LINE (จำลอง)</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<style>{_STYLE}</style></head><body><main>"
            f'<h1><span class="line">LINE</span> เข้าสู่ระบบ (จำลอง)</h1>'
            f"<p>นี่คือ LINE Login จำลองของโหมดทดลอง เลือกบัญชี LINE ที่จะใช้เข้าสู่ระบบ</p>"
            f'<form method="post">{hidden}{buttons}'
            f'<p><label for="typed_user">หรือพิมพ์ LINE user ID</label><br>'
            f'<input id="typed_user" name="typed_user" autocomplete="off"></p>'
            f'<button type="submit">เข้าสู่ระบบด้วย ID ที่พิมพ์</button></form></main></body></html>')
    return Response(body, status=200, mimetype="text/html")
