"""Drive the bot as LINE would: signed webhook bodies in, the outbox drained into the fake LINE."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from datetime import timedelta

from sqlalchemy import func, select

from models import OutboxMessage, utcnow
from tests.webhook_schema import validate_body

BOT_ID = "U" + "0" * 31 + "b"
SOON = timedelta(seconds=3)  # drain waits for rows due this soon (a short Retry-After, say)


def user_id(name: str) -> str:
    return "U" + hashlib.md5(name.encode()).hexdigest()


def group_id(name: str) -> str:
    return "C" + hashlib.md5(name.encode()).hexdigest()


def new_event_id() -> str:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(26))


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class LineDriver:
    def __init__(self, client, fake, runtime, secret: str):
        self.client, self.fake, self.runtime, self.secret = client, fake, runtime, secret
        self._seen = 0
        self._message_ids = 0

    # --- building events ---------------------------------------------------------------------
    def event(self, type_: str, *, user: str | None = None, group: str | None = None,
              reply: bool = True, **fields) -> dict:
        if group:
            source = {"type": "group", "groupId": group_id(group)}
            if user:
                source["userId"] = user_id(user)
        else:
            source = {"type": "user", "userId": user_id(user)}
        event = {
            "type": type_, "mode": "active", "timestamp": int(time.time() * 1000),
            "source": source, "webhookEventId": new_event_id(),
            "deliveryContext": {"isRedelivery": False}, **fields,
        }
        if reply:
            event["replyToken"] = self.fake.issue_reply_token(to=source.get("groupId") or source["userId"])
        return event

    def next_message_id(self) -> str:
        self._message_ids += 1
        return str(500000000000000 + self._message_ids)

    def text_event(self, user: str, text: str, group: str | None = None) -> dict:
        message = {"type": "text", "id": self.next_message_id(), "text": text,
                   "quoteToken": "q" + secrets.token_hex(8)}
        return self.event("message", user=user, group=group, message=message)

    def postback_event(self, user: str, data: str, params: dict | None = None) -> dict:
        postback = {"data": data}
        if params:
            postback["params"] = params
        return self.event("postback", user=user, postback=postback)

    def file_event(self, user: str, name: str, data: bytes, content_type: str = "application/octet-stream",
                   *, size: int | None = None) -> dict:
        message_id = self.next_message_id()
        self.fake.add_content(message_id, data, content_type)
        message = {"type": "file", "id": message_id, "fileName": name,
                   "fileSize": len(data) if size is None else size}
        return self.event("message", user=user, message=message)

    def image_event(self, user: str, data: bytes, *, image_set: str | None = None,
                    index: int | None = None, total: int | None = None) -> dict:
        message_id = self.next_message_id()
        self.fake.add_content(message_id, data, "image/jpeg")
        message = {"type": "image", "id": message_id, "quoteToken": "q" + secrets.token_hex(8),
                   "contentProvider": {"type": "line"}}
        if image_set:
            message["imageSet"] = {"id": image_set, **({"index": index} if index else {}),
                                   **({"total": total} if total else {})}
        return self.event("message", user=user, message=message)

    # --- sending -----------------------------------------------------------------------------
    def body(self, *events: dict) -> bytes:
        payload = {"destination": BOT_ID, "events": list(events)}
        validate_body(payload)
        return json.dumps(payload, ensure_ascii=False).encode()

    def post(self, *events: dict, signature: str | None = None, raw: bytes | None = None,
             handle: bool = True):
        """POST the body as LINE does; then (unless `handle=False`) the handler stage runs,
        as the worker would right after the webhook recorded the events."""
        body = raw if raw is not None else self.body(*events)
        headers = {"X-Line-Signature": signature if signature is not None else sign(self.secret, body),
                   "Content-Type": "application/json"}
        response = self.client.post("/callback", data=body, headers=headers)
        if handle:
            self.handle()
        return response

    def handle(self) -> int:
        """Run the handler stage until no recorded event is due; how many it handled."""
        return self.runtime.stage().run_until_idle()

    def send(self, *events: dict) -> list[dict]:
        """Post the events, drain the outbox, and return the messages LINE delivered."""
        response = self.post(*events)
        assert response.status_code == 200, response.data
        return self.drain()

    def text(self, user: str, text: str) -> list[dict]:
        return self.send(self.text_event(user, text))

    def tap(self, user: str, data: str, params: dict | None = None) -> list[dict]:
        return self.send(self.postback_event(user, data, params))

    # --- the outbox --------------------------------------------------------------------------
    def drain(self, timeout: float = 10.0) -> list[dict]:
        """Send until nothing is due within SOON (back-off is shortened to milliseconds in tests);
        a row held back on purpose for longer (an album's quiet period) is left for the test."""
        sender = self.runtime.sender(worker="test", backoff_base=0.001, backoff_cap=0.01)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sender.run_once(100):
                continue
            soon = utcnow() + SOON
            with self.runtime.factory() as session:
                waiting = session.scalar(select(func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.status.in_(("pending", "sending")),
                    OutboxMessage.next_attempt_at <= soon))
            if not waiting:
                break
            time.sleep(0.005)
        new = self.fake.deliveries[self._seen :]
        self._seen = len(self.fake.deliveries)
        return [m for d in new for m in d.messages]

    def texts_to(self, name: str) -> list[str]:
        return [m.get("text", m.get("altText", "")) for m in self.fake.messages_to(user_id(name))]
