"""A faithful in-process fake of the LINE Messaging API, for tests and the app's sandbox mode.

    from bot.sandbox.line_fake import FakeLine
    fake = FakeLine(access_token="test-token").start()
    configuration = Configuration(host=fake.url, access_token="test-token")

`server.py` holds the HTTP plumbing (routing, auth, faults, the record of calls) and `FakeLine`,
which is put together from one module per LINE API area: `messaging.py` (reply, push, multicast,
quota), `content.py` (message content), `chats.py` (profiles, groups, bot info, chat screen) and
`richmenus.py`; `wire.py` is what they share. `schema.py` is the request validator built from
LINE's OpenAPI spec (`messaging-api.yml`, copied from line/line-openapi under the Apache License
2.0, see `LICENSE` in this folder).
"""

from .messaging import Delivery
from .schema import ErrorDetail, validate_messages, validate_request
from .server import FakeLine, RecordedRequest

__all__ = [
    "Delivery",
    "ErrorDetail",
    "FakeLine",
    "RecordedRequest",
    "validate_messages",
    "validate_request",
]
