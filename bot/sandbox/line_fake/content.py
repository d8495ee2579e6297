"""Message content (api-data.line.me): the bytes of what users sent, and their previews.

Faithful to LINE: an unknown message id answers 404, and content of a message the user unsent
answers 410; a preview falls back to the content itself when none was set.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from .wire import Call, Endpoints, error_response

ROUTES = [
    Rule("/v2/bot/message/<message_id>/content", methods=["GET"], endpoint="content"),
    Rule("/v2/bot/message/<message_id>/content/preview", methods=["GET"], endpoint="preview"),
]


@dataclass
class Content:
    data: bytes
    content_type: str
    preview: bytes | None = None
    gone: bool = False


class ContentEndpoints(Endpoints):
    """Content and preview downloads of messages the test put in with `add_content`."""

    def _init_content(self) -> None:
        self._contents: dict[str, Content] = {}

    def _forget_content(self) -> None:
        self._contents.clear()

    def add_content(
        self,
        message_id: str,
        data: bytes,
        content_type: str = "application/pdf",
        *,
        preview: bytes | None = None,
    ) -> None:
        with self._lock:
            self._contents[str(message_id)] = Content(bytes(data), content_type, preview)

    def mark_content_gone(self, message_id: str) -> None:
        """The user unsent the message: its content answers 410 from now on."""
        with self._lock:
            content = self._contents.setdefault(
                str(message_id), Content(b"", "application/octet-stream")
            )
            content.gone = True

    def _content(self, call: Call) -> Content | Response:
        content = self._contents.get(call.args["message_id"])
        if content is None:
            return error_response(404, "Not found")
        if content.gone:
            return error_response(410, "Gone")
        return content

    def _h_content(self, call: Call) -> Response:
        content = self._content(call)
        if isinstance(content, Response):
            return content
        return Response(content.data, status=200, content_type=content.content_type)

    def _h_preview(self, call: Call) -> Response:
        content = self._content(call)
        if isinstance(content, Response):
            return content
        data = content.preview if content.preview is not None else content.data
        return Response(data, status=200, content_type=content.content_type)
