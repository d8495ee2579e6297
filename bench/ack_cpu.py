"""CPU per acknowledgement inside the app: the WSGI callable itself, no server, no test client.

Signed single-event bodies go straight into `create_app()`'s WSGI callable as a server would hand
them over (`POST /callback`), and the process's own CPU time (`time.process_time`) is divided by
the number of bodies. Run it from two checkouts in turn to compare two versions of the intake on
the same machine in the same minute; unlike the outside-in benches it says nothing about sockets,
gunicorn or the database server's share.

    .venv/bin/python -m bench.ack_cpu [--bodies 2000] [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import io
import json
import shlex
import sys
import tempfile
import time
import uuid

from bench.stacks import empty_postgres
from bot.spine.config import Config
from tests.line_driver import sign
from webhook import create_app

SECRET = "bench-secret"
WARM_UP = 200


def _body() -> bytes:
    event = {"type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
             "source": {"type": "user", "userId": "U" + uuid.uuid4().hex},
             "webhookEventId": uuid.uuid4().hex.upper()[:26], "deliveryContext": {"isRedelivery": False},
             "replyToken": uuid.uuid4().hex,
             "message": {"id": "1", "type": "text", "text": "สวัสดีค่ะ", "quoteToken": "q"}}
    return json.dumps({"destination": "U" + "0" * 32, "events": [event]}).encode()


def _post(app, body: bytes) -> None:
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/callback", "SCRIPT_NAME": "", "QUERY_STRING": "",
               "SERVER_NAME": "bench", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
               "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
               "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json",
               "HTTP_X_LINE_SIGNATURE": sign(SECRET, body)}
    status = []
    answer = app(environ, lambda s, _headers, _exc=None: status.append(s))
    b"".join(answer)
    getattr(answer, "close", lambda: None)()
    if not status[0].startswith("200"):
        raise SystemExit(f"the webhook answered {status[0]}")


def run(bodies: int, database_url: str | None) -> float:
    if database_url:
        empty_postgres(database_url)
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(line_channel_secret=SECRET, line_channel_access_token="bench-token",
                        database_url=database_url or f"sqlite:///{tmp}/bench.db", data_dir=f"{tmp}/data",
                        public_base_url="https://bench.example", instance_path=tmp).validated()
        app = create_app(config)
        batch = [_body() for _ in range(bodies + WARM_UP)]
        for body in batch[:WARM_UP]:
            _post(app, body)
        started = time.process_time()
        for body in batch[WARM_UP:]:
            _post(app, body)
        cpu = time.process_time() - started
        app.extensions["prakat"].stop()
    return cpu * 1000 / bodies


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bodies", type=int, default=2000)
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL database the bench owns: its public schema is emptied first")
    parser.add_argument("--smoke", action="store_true", help="20 bodies: the bench works")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    per_ack = run(20 if args.smoke else args.bodies, args.database_url)
    print(f"$ {shlex.join(['python', '-m', 'bench.ack_cpu', *(sys.argv[1:] if argv is None else argv)])}")
    print(f"database={'postgresql' if args.database_url else 'sqlite'} cpu_ms_per_ack={per_ack:.3f}")


if __name__ == "__main__":
    main()
