"""Chatting with a running Prakat from outside, as LINE and its users do.

The events are the tests' (tests/line_driver.py builds them, checked against LINE's webhook
schema); here they go over HTTP to a real /callback, their reply tokens and file contents come
from the fake LINE in its own process, and what the bot said is read back from that fake's record
of accepted replies and pushes (`Inbox`), each stamped with the time LINE accepted it.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from bench import fake_line
from tests.line_driver import LineDriver


@dataclass
class Answer:
    status_code: int
    data: bytes


class _Http:
    """The one method LineDriver needs of a Flask test client, over a real socket."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def post(self, path: str, data: bytes, headers: dict) -> Answer:
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(response.status, response.read())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.read())


class _RemoteFake:
    """The two set-up calls LineDriver makes on the fake LINE, through the bench fake's control API."""

    def __init__(self, control_url: str):
        self.control_url = control_url

    def issue_reply_token(self, to: str) -> str:
        return fake_line.prepare(self.control_url, [to], [], b"", "application/octet-stream")[0]

    def add_content(self, message_id: str, data: bytes, content_type: str) -> None:
        fake_line.prepare(self.control_url, [], [message_id], data, content_type)


class Inbox:
    """Every reply and push the fake LINE accepted from now on, fetched as they come (thread-safe)."""

    def __init__(self, control_url: str):
        self.control_url = control_url
        self._lock = threading.Lock()
        self._seen: list[dict] = []
        self._next = fake_line.stats(control_url)["requests"]

    def poll(self) -> list[dict]:
        with self._lock:
            new, self._next = fake_line.deliveries(self.control_url, self._next, messages=True)
            self._seen.extend(new)
            return list(self._seen)

    def wait_for(self, found: Callable[[list[dict]], object], timeout: float = 60.0, every: float = 0.02):
        """Poll until `found(deliveries)` gives something truthy, and return it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result := found(self.poll()):
                return result
            time.sleep(every)
        raise TimeoutError(f"LINE got nothing that {getattr(found, '__name__', 'matched')} within {timeout:g} s")


class Chat(LineDriver):
    """LineDriver's events, sent to a real Prakat; a send returns the reply to its token."""

    def __init__(self, base_url: str, control_url: str, secret: str):
        super().__init__(_Http(base_url), _RemoteFake(control_url), None, secret)
        self.inbox = Inbox(control_url)

    def send(self, *events: dict, timeout: float = 60.0) -> list[dict]:
        tokens = {e["replyToken"] for e in events if "replyToken" in e}
        response = self.post(*events, handle=False)
        assert response.status_code == 200, response.data

        def reply(deliveries):
            return next((d["messages"] for d in deliveries if d["reply_token"] in tokens), None)

        return self.inbox.wait_for(reply, timeout) if tokens else []
