"""The fake LINE as its own process for the load bench, with a small control API beside LINE's.

Why a process of its own: the load generator's CPU share is measured on the bench process, and
the fake's request handling must not be counted in it (nor slow it down under the GIL). Why a
control API: reply tokens and message contents live in the fake, and the generator must get real
ones before it sends (a reply with a made-up token is refused, which would turn the baseline's
every answer into a 500).

    .venv/bin/python -m bench.fake_line --port 9000 --latency 0.05 --token bench-token [--token other …]

Several offices, one fake: every `--token` is a channel it accepts, and each accepted send says
which token it came with, so a bench can check that an office's replies went out on its own
channel.

Control calls (never slowed by `latency`): POST /_bench/prepare, POST /_bench/latency,
POST /_bench/group, GET /_bench/stats, GET /_bench/deliveries (each accepted send, timed),
GET /_bench/received (what each chat received, for counting).
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import signal
import threading
import urllib.parse
import urllib.request
from collections import Counter

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from bot.sandbox.line_fake import FakeLine

CONTROL = "/_bench/"
_ID = re.compile(r"/(?:\d+|[UCR][0-9a-f]{32})(?=/|$)")  # ids out of paths, so calls group by endpoint
_SENDS = {"/v2/bot/message/reply": "reply", "/v2/bot/message/push": "push"}


class _Quiet(WSGIRequestHandler):
    """No access log line per request: at hundreds a second it would cost more than the fake."""

    def log_request(self, *args, **kwargs) -> None:
        pass


def _token(r) -> str:
    return r.headers.get("authorization", "").removeprefix("Bearer ")


def _stats(fake: FakeLine) -> dict:
    requests = list(fake.requests)  # the fake only appends, so a copy is a consistent snapshot
    statuses = Counter(f"{r.method} {_ID.sub('/:id', r.path)} {r.status}" for r in requests)
    return {"requests": len(requests), "deliveries": len(fake.deliveries), "by_status": dict(statuses),
            "validation_errors": fake.validation_errors[:5], "server_errors": fake.server_errors[:5]}


def _deliveries(fake: FakeLine, since: int, to: str | None, with_messages: bool) -> dict:
    """Replies and pushes LINE accepted, from request number `since` on, each with the time it was
    accepted (`time.monotonic()`, the clock every process of the bench shares) and the access
    token it came with: a reply by its reply token, a push by its chat. `next` is where the following call should start."""
    requests = fake.requests[since:]
    out = []
    for r in requests:
        kind = _SENDS.get(r.path)
        if kind is None or r.status != 200 or not isinstance(r.json, dict):
            continue
        token = r.json.get("replyToken")
        target = r.json.get("to") or (fake._reply_tokens[token].to if token in fake._reply_tokens else None)
        if to is not None and target != to:
            continue
        sent = {"kind": kind, "at": r.at, "reply_token": token, "to": target, "token": _token(r)}
        if with_messages:
            sent["messages"] = r.json.get("messages", [])
        out.append(sent)
    return {"next": since + len(requests), "deliveries": out}


def _received(fake: FakeLine) -> dict:
    """What each chat received: the start of every message's text, in order (for counting)."""
    out: dict[str, list[str]] = {}
    for delivery in list(fake.deliveries):
        for to in delivery.to if isinstance(delivery.to, list) else [delivery.to]:
            out.setdefault(to, []).extend(m.get("text", m.get("altText", ""))[:60]
                                          for m in delivery.messages)
    return out


def control_app(fake: FakeLine):
    """LINE's API from the fake, plus the bench's control calls under /_bench/."""

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(CONTROL):
            return fake.wsgi_app(environ, start_response)
        request = Request(environ)
        if path == CONTROL + "prepare" and request.method == "POST":
            body = request.get_json()
            data = base64.b64decode(body.get("content_b64", ""))
            for message_id in body.get("contents", []):
                fake.add_content(message_id, data, body.get("content_type", "application/octet-stream"))
            ttl = float(body.get("ttl", 600))
            answer = {"tokens": [fake.issue_reply_token(to, ttl=ttl) for to in body.get("replies", [])]}
        elif path == CONTROL + "latency" and request.method == "POST":
            fake.latency = float(request.get_json()["seconds"])
            answer = {"latency": fake.latency}
        elif path == CONTROL + "group" and request.method == "POST":
            body = request.get_json()
            fake.add_group(body["group_id"], body["name"], body.get("members", []))
            answer = {"group_id": body["group_id"]}
        elif path == CONTROL + "stats":
            answer = _stats(fake)
        elif path == CONTROL + "received":
            answer = _received(fake)
        elif path == CONTROL + "deliveries":
            args = request.args
            answer = _deliveries(fake, int(args.get("since", 0)), args.get("to"), args.get("messages") == "1")
        else:
            return Response("unknown control call", status=404)(environ, start_response)
        return Response(json.dumps(answer), mimetype="application/json")(environ, start_response)

    return app


def _post(control_url: str, call: str, payload: dict, timeout: float = 10.0) -> dict:
    request = urllib.request.Request(control_url.rstrip("/") + CONTROL + call, data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def prepare(control_url: str, reply_to: list[str], contents: list[str], data: bytes,
            content_type: str, ttl: float = 600.0) -> list[str]:
    """Reply tokens for these chats (in order) and contents for these message ids, in one call."""
    payload = {"replies": reply_to, "contents": contents, "content_b64": base64.b64encode(data).decode(),
               "content_type": content_type, "ttl": ttl}
    return _post(control_url, "prepare", payload, timeout=30)["tokens"]


def add_group(control_url: str, group_id: str, name: str, members: list[str]) -> None:
    """Make the bot a member of a group, as LINE knows it (member count, pushes)."""
    _post(control_url, "group", {"group_id": group_id, "name": name, "members": members})


def deliveries(control_url: str, since: int = 0, *, to: str | None = None,
               messages: bool = False) -> tuple[list[dict], int]:
    """The sends LINE accepted since request number `since`, and the number to ask from next."""
    query = urllib.parse.urlencode({"since": since, **({"to": to} if to else {}), "messages": int(messages)})
    with urllib.request.urlopen(control_url.rstrip("/") + CONTROL + "deliveries?" + query,
                                timeout=30) as response:
        answer = json.load(response)
    return answer["deliveries"], answer["next"]


def set_latency(control_url: str, seconds: float) -> None:
    """From now on every LINE call the fake answers takes `seconds` (control calls never do)."""
    _post(control_url, "latency", {"seconds": seconds})


def calls_between(before: dict, after: dict) -> dict:
    """The LINE calls (endpoint and status) made between two `stats` snapshots."""
    old = before.get("by_status", {})
    return {k: n - old.get(k, 0) for k, n in after.get("by_status", {}).items() if n - old.get(k, 0)}


def received(control_url: str) -> dict[str, list[str]]:
    """Every chat's received messages (the start of each text), in order."""
    with urllib.request.urlopen(control_url.rstrip("/") + CONTROL + "received", timeout=30) as response:
        return json.load(response)


def stats(control_url: str) -> dict:
    """What the fake has seen: request counts by endpoint and status, schema refusals, its own bugs."""
    with urllib.request.urlopen(control_url.rstrip("/") + CONTROL + "stats", timeout=10) as response:
        return json.load(response)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds every LINE call takes")
    parser.add_argument("--token", required=True, action="append",
                        help="a channel access token to accept (once per office)")
    args = parser.parse_args(argv)
    fake = FakeLine(access_token=args.token[0], require_group_membership=False)
    for token in args.token[1:]:
        fake.add_channel(token)
    fake.latency = args.latency
    server = make_server("127.0.0.1", args.port, control_app(fake), threaded=True, request_handler=_Quiet)
    # SIGTERM from the bench ends serve_forever cleanly (shutdown must come from another thread).
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
