"""Prakat's one entry point: `create_app()` for WSGI servers, `python webhook.py` for one machine."""

from __future__ import annotations

import logging
import sys

from dotenv import load_dotenv
from flask import Flask, abort, request
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.app.cli import register_cli
from bot.app.runtime import Runtime
from bot.app.sandbox_page import register_sandbox_page
from bot.digest.web import reports_blueprint
from bot.portal.blueprint import portal_blueprint
from bot.spine.config import Config, ConfigError
from bot.spine.db import ping
from bot.spine.ids import IdConverter
from bot.spine.intake import handle_callback

MAX_BODY = 1024 * 1024


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


    recorder, secret = runtime.recorder, runtime.config.line_channel_secret

    @app.post("/callback")
    def callback():
        """Record and acknowledge; the handler stage decides (docs/ARCHITECTURE.md)."""
        if request.content_length and request.content_length > MAX_BODY:
            abort(413)
        body = request.get_data(cache=False)
        result = handle_callback(body, request.headers.get("X-Line-Signature"), secret=secret,
                                 recorder=recorder)
        return result.message, result.status, {"Content-Type": "text/plain; charset=utf-8"}

    @app.get("/healthz")
    def healthz():
        if ping(runtime.engine):
            return {"status": "ok", "sandbox": runtime.config.sandbox}, 200
        return {"status": "database unreachable"}, 503


    app.register_blueprint(portal_blueprint(runtime))
    app.register_blueprint(reports_blueprint(runtime))
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
