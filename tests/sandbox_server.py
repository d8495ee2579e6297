"""The app in sandbox mode on a real port, as `python webhook.py` runs it: the handler stage,
the sender and the demo start, and the in-process fake LINE stands in for LINE."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager

from werkzeug.serving import WSGIRequestHandler, make_server

from bot.app import demo
from bot.spine.config import Config
from webhook import create_app


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # the page polls: keep test output readable
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def sandbox_app(database_url: str, tmp_path, *, history: bool = False, demo_on: bool = True):
    """Yield (base_url, runtime) for a sandbox-mode app serving on 127.0.0.1."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = Config(database_url=database_url, public_base_url=base, port=port,
                    data_dir=str(tmp_path / "data"), secret_key="sandbox-test-key",
                    instance_path=str(tmp_path / "instance"), sandbox_demo=demo_on).validated()
    assert config.sandbox
    app = create_app(config)
    runtime = app.extensions["prakat"]
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    runtime.start_background(scheduler=False)
    demo.start(runtime, history=history)
    try:
        yield base, runtime
    finally:
        server.shutdown()
        runtime.stop()
