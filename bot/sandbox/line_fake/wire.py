"""What every API area of the fake shares: the parsed call, LINE's answer shapes, body validation.

The areas (messaging, content, chats, rich menus) are mixins of `FakeLine`; `Endpoints` is their
common base, so each of them can validate a body and record a refusal the same way.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from .schema import ErrorDetail, validate_request


@dataclass
class Call:
    """What a handler needs about the incoming request."""

    request: Request
    request_id: str
    json: Any
    json_ok: bool
    retry_key: str | None
    args: dict[str, str]
    token: str = ""  # the access token it came with: which channel (office) made the call


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        headers=headers,
        mimetype="application/json",
    )


def error_response(
    status: int, message: str, details: list[ErrorDetail] | None = None, **extra
) -> Response:
    """LINE's error shape; `details` is left out when empty, as LINE does."""
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = [d.to_dict() for d in details]
    headers = extra.pop("headers", None)
    body.update(extra)
    return json_response(status, body, headers)


def is_group_or_room(chat_id: str) -> bool:
    return chat_id[:1] in ("C", "R")


class Endpoints:
    """The state every area relies on; `FakeLine.__init__` creates it."""

    _lock: threading.RLock
    validation_errors: list[tuple[str, str]]

    def _body(self, call: Call, schema: str) -> tuple[dict | None, Response | None]:
        """The JSON body, validated against `schema`; or the 400 LINE would answer."""
        if not call.json_ok or not isinstance(call.json, dict):
            self.validation_errors.append((call.request.path, "request body is not a JSON object"))
            return None, error_response(
                400, "The request body has 1 error(s)", [ErrorDetail("must be a JSON object")]
            )
        errors = validate_request(schema, call.json)
        if errors:
            text = "; ".join(map(str, errors))
            self.validation_errors.append((call.request.path, text))
            return None, error_response(
                400, f"The request body has {len(errors)} error(s)", errors
            )
        return call.json, None
