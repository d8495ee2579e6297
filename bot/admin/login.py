"""Signing in with LINE Login: OpenID Connect's authorization-code flow with PKCE, state and
nonce, through Authlib. LINE signs a web app's ID token HS256 with the channel secret, so the
secret is the key Authlib checks it with; issuer, audience (the channel id), expiry and the
nonce are checked too. The verified `sub` is the LINE user id the console knows people by."""

from __future__ import annotations

import base64
import logging
import secrets
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from joserfc.errors import JoseError

from bot.admin import auth, changes
from models import Office

log = logging.getLogger(__name__)
ISSUER = "https://access.line.me"
NEXT = "admin_next"


def _client(runtime, made: dict):
    """The Authlib client for this app's LINE Login channel, made on first use (in sandbox
    mode the fake LINE's address is known only once it runs)."""
    oauth = made.get("oauth")
    if oauth is None:
        config = runtime.config
        authorize, api = runtime.line_login_bases()
        secret = config.line_login_channel_secret
        oct_key = base64.urlsafe_b64encode(secret.encode()).rstrip(b"=").decode()
        oauth = OAuth(current_app._get_current_object())
        oauth.register(
            "line", client_id=config.line_login_channel_id, client_secret=secret,
            authorize_url=f"{authorize}/oauth2/v2.1/authorize",
            access_token_url=f"{api}/oauth2/v2.1/token",
            client_kwargs={"scope": "openid profile", "code_challenge_method": "S256",
                           "token_endpoint_auth_method": "client_secret_post",
                           "timeout": config.line_timeout_seconds},
            # server metadata: who issues, how it signs, with which key (the channel secret)
            issuer=ISSUER, id_token_signing_alg_values_supported=["HS256"],
            jwks={"keys": [{"kty": "oct", "k": oct_key, "alg": "HS256"}]},
        )
        made["oauth"] = oauth
    return oauth.line


def _safe_next(target: str | None) -> str | None:
    """Only a path inside the console: never an address elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin/"):
        return None
    return target


def register(bp: Blueprint, runtime) -> None:
    configured = bool(runtime.config.line_login_channel_id)
    made: dict = {}

    @bp.get("/login")
    def login():
        if target := _safe_next(request.args.get("next")):
            session[NEXT] = target
        return render_template("admin/login.html", configured=configured,
                               expired=request.args.get("expired") == "1",
                               sandbox=runtime.config.sandbox)

    @bp.get("/login/line")
    def login_line():
        if not configured:
            return render_template("admin/login.html", configured=False, expired=False,
                                   sandbox=False), 503
        redirect_uri = f"{runtime.config.public_base_url}{url_for('admin.callback')}"
        return _client(runtime, made).authorize_redirect(redirect_uri, nonce=secrets.token_urlsafe(24))

    @bp.get("/callback")
    def callback():
        target = session.get(NEXT)
        try:
            token = _client(runtime, made).authorize_access_token()
            claims = token.get("userinfo")
            if not claims or not claims.get("sub"):
                raise ValueError("no ID token")
        except (AuthlibBaseError, JoseError, ValueError, KeyError, requests.RequestException) as exc:
            reason = type(exc).__name__
            log.warning("admin sign-in refused: %s", reason)
            changes.refused(g.db, "sign-in", error=reason, detail=str(exc)[:200])
            g.db.commit()
            auth.sign_out()
            return render_template("admin/refused.html"), 400
        sub = claims["sub"]
        auth.sign_in(sub)
        admins = auth.admin_roles(g.db, sub)
        if not admins:
            changes.refused(g.db, "not an admin", line_user_id=sub)
            g.db.commit()
            return auth.forbidden()
        for admin in admins:
            changes.record(g.db, admin, "admin.signed_in")
        g.db.commit()
        if len(admins) > 1:
            return redirect(url_for("admin.choose_office"))
        session[auth.OFFICE] = admins[0].office_id
        return redirect(_safe_next(target) or url_for("admin.office"))

    @bp.route("/offices", methods=["GET", "POST"])
    def choose_office():
        sub = session.get(auth.SUB)
        if not sub:
            return redirect(url_for("admin.login"))
        if auth.idle_expired():
            auth.sign_out()
            return redirect(url_for("admin.login", expired=1))
        admins = auth.admin_roles(g.db, sub)
        if not admins:
            return auth.forbidden()
        if request.method == "POST":
            chosen = next((a for a in admins if str(a.office_id) == request.form.get("office")), None)
            if chosen is None:
                return auth.forbidden()
            session[auth.OFFICE] = chosen.office_id
            return redirect(url_for("admin.office"))
        offices = [g.db.get(Office, a.office_id) for a in admins]
        return render_template("admin/choose_office.html", offices=offices)

    @bp.post("/logout")
    def logout():
        auth.sign_out()
        return redirect(url_for("admin.login"))

