"""Webhook events as LINE builds them, for what a person does on the sandbox page."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Message ids keep growing across restarts, as LINE's do (the fake forgets, the database does not).
_message_ids = itertools.count(int(time.time() * 1000) * 1000)


def sign(secret: str, body: bytes) -> str:
    """X-Line-Signature: base64 of HMAC-SHA256 over the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def message_id() -> str:
    return str(next(_message_ids))


def source(chat_id: str, speaker: str) -> dict:
    if chat_id == speaker:
        return {"type": "user", "userId": speaker}
    return {"type": "group", "groupId": chat_id, "userId": speaker}


def event(type_: str, src: dict, reply_token: str | None, **fields) -> dict:
    out = {"type": type_, "mode": "active", "timestamp": int(time.time() * 1000), "source": src,
           "webhookEventId": "".join(secrets.choice(_ALPHABET) for _ in range(26)),
           "deliveryContext": {"isRedelivery": False}, **fields}
    if reply_token:
        out["replyToken"] = reply_token
    return out


def text_message(text: str) -> dict:
    return {"type": "text", "id": message_id(), "text": text, "quoteToken": secrets.token_urlsafe(16)}


def file_message(mid: str, name: str, size: int) -> dict:
    return {"type": "file", "id": mid, "fileName": name, "fileSize": size}


def image_message(mid: str, set_id: str | None, index: int, total: int) -> dict:
    message = {"type": "image", "id": mid, "quoteToken": secrets.token_urlsafe(16),
               "contentProvider": {"type": "line"}}
    if set_id:
        message["imageSet"] = {"id": set_id, "index": index, "total": total}
    return message


def body(destination: str, events: list[dict]) -> bytes:
    return json.dumps({"destination": destination, "events": events}, ensure_ascii=False).encode()
