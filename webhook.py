"""Prakat's one entry point: `create_app()` for WSGI servers, `python webhook.py` for one machine."""

from __future__ import annotations

import logging
import sys
from http import HTTPStatus

from dotenv import load_dotenv
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.admin.blueprint import admin_blueprint
from bot.app.cli import register_cli
from bot.app.runtime import Runtime
from bot.app.sandbox_page import register_sandbox_page
from bot.digest.web import reports_blueprint
from bot.portal.blueprint import portal_blueprint
from bot.spine.config import Config, ConfigError
from bot.spine.db import ping
from bot.spine.ids import IdConverter
from bot.spine.intake import handle_callback

log = logging.getLogger("prakat.webhook")
MAX_BODY = 1024 * 1024
PLAIN = [("Content-Type", "text/plain; charset=utf-8")]


CALLBACK = "/callback"


class CallbackFirst:
    """`POST /callback` and `POST /callback/<office>` answered in front of Flask: LINE's webhook
    is the one hot path (a request per event at peak), and Flask's request context, routing and
    response objects cost more CPU than recording the body does. Find the office's channel (in
    memory, docs/OFFICES.md), record and acknowledge; the handler stage decides
    (docs/ARCHITECTURE.md). Every other request goes on to the Flask app."""

    def __init__(self, app, runtime: Runtime):
        self.app = app
        self.recorder, self.channels = runtime.recorder, runtime.channels

    def _resolve(self, destination: str | None):
        """The channel whose bot the body was sent to; else the settings' channel, if any office
        (or none yet) lacks its own — never another office's."""
        found = self.channels.by_destination(destination) if destination else None
        return found or self.channels.fallback()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO") or ""
        if path != CALLBACK and not path.startswith(CALLBACK + "/"):
            return self.app(environ, start_response)
        key = path[len(CALLBACK) + 1:]
        if path != CALLBACK and (not key or "/" in key):
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, 405, "method not allowed", [("Allow", "POST")])
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            return _answer(start_response, 400, "bad content length")
        if length > MAX_BODY:
            return _answer(start_response, 413, "body too large")
        body = environ["wsgi.input"].read(length if length >= 0 else MAX_BODY + 1)
        if len(body) > MAX_BODY:  # chunked, with no length given
            return _answer(start_response, 413, "body too large")
        signature = environ.get("HTTP_X_LINE_SIGNATURE")
        try:
            if key:
                channel = self.channels.by_key(key)
                if channel is None:
                    return _answer(start_response, 400, "unknown office")
                result = handle_callback(body, signature, recorder=self.recorder, channel=channel)
            else:
                result = handle_callback(body, signature, recorder=self.recorder, resolve=self._resolve)
        except SQLAlchemyError as exc:
            # The channels could not be read (a first lookup, or a miss, during an outage): not
            # acknowledged, so LINE redelivers and nothing is lost.
            log.error("webhook could not look up its channel: %s", type(exc).__name__)
            return _answer(start_response, 503, "database unavailable")
        return _answer(start_response, result.status, result.message)


def _answer(start_response, status: int, message: str, headers: list | None = None) -> list[bytes]:
    data = message.encode()
    start_response(f"{status} {HTTPStatus(status).phrase}",
                   [*PLAIN, ("Content-Length", str(len(data))), *(headers or [])])
    return [data]


def create_app(config: Config | dict | None = None) -> Flask:
    """Build the app. `config` may be a Config, or a dict of overrides on top of the environment."""
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["id"] = IdConverter  # every <id:…> in a route: an id in range, else 404
    if not isinstance(config, Config):
        load_dotenv()
        config = Config.from_env(instance_path=app.instance_path, **(config or {}))
    app.config.update(SECRET_KEY=config.secret_key, MAX_CONTENT_LENGTH=MAX_BODY,
                      TESTING=config.testing)
    if config.trust_proxy_hops:  # real client addresses (view counter) and https links behind a proxy
        n = config.trust_proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    runtime = Runtime.build(config)
    app.extensions["prakat"] = runtime
    app.wsgi_app = CallbackFirst(app.wsgi_app, runtime)

    @app.get("/healthz")
    def healthz():
        if ping(runtime.engine):
            return {"status": "ok", "sandbox": runtime.config.sandbox}, 200
        return {"status": "database unreachable"}, 503


    app.register_blueprint(portal_blueprint(runtime))
    app.register_blueprint(reports_blueprint(runtime))
    app.register_blueprint(admin_blueprint(runtime))
    register_sandbox_page(app, runtime)
    register_cli(app)
    return app


def runtime_of(app: Flask) -> Runtime:
    return app.extensions["prakat"]


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        app = create_app()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    runtime = runtime_of(app)
    runtime.start_background()  # in sandbox mode this starts the fake LINE and says so
    # Sandbox mode only, and only here: the demo's history draws PDFs, which no web worker or
    # CLI command should pay for at import.
    from bot.app import demo

    demo.start(runtime)  # sandbox mode: the demo office and the /sandbox address
    try:
        app.run(host="0.0.0.0", port=runtime.config.port, use_reloader=False, threaded=True)
    finally:
        runtime.stop()


if __name__ == "__main__":
    main()
