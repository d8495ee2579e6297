"""A faithful in-process fake of the LINE Messaging API, for tests and the app's sandbox mode.

    from bot.sandbox.line_fake import FakeLine
    fake = FakeLine(access_token="test-token").start()
    configuration = Configuration(host=fake.url, access_token="test-token")

`server.py` holds the HTTP fake, `schema.py` the request validator built from LINE's OpenAPI
spec (`messaging-api.yml`, copied from line/line-openapi under the Apache License 2.0, see
`LICENSE` in this folder).
"""

from .schema import ErrorDetail, validate_messages, validate_request
from .server import Delivery, FakeLine, RecordedRequest

__all__ = [
    "Delivery",
    "ErrorDetail",
    "FakeLine",
    "RecordedRequest",
    "validate_messages",
    "validate_request",
]
