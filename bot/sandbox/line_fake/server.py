"""An in-process fake of the LINE Messaging API, served over real HTTP.

Why real HTTP: the bot talks to LINE through line-bot-sdk v3, and the point of the fake is to
exercise that client (serialisation, headers, status handling) unchanged. One origin serves
both api.line.me and api-data.line.me paths, because `Configuration(host=...)` sends the
MessagingApi and MessagingApiBlob calls to the same host.

What is faithful (see shared/LINE_PLATFORM.md): bearer auth (401), `x-line-request-id` on every
answer, single-use expiring reply tokens, X-Line-Retry-Key (UUID, push/multicast only, 409 with
`x-line-accepted-request-id` on a repeat within 24 h), request validation from LINE's OpenAPI
spec plus documented limits (schema.py), quota counting (a push to a group counts its members),
content 404/410, loading animation only in 1:1 chats, rich menu image checks.

What is invented (LINE does not document it): the wording of some error messages, and that a
push to a group the fake was not told about (`add_group`) is refused with 400 when
`require_group_membership` is true (LINE refuses pushes to groups the bot is not in).

Order of checks for every call: latency sleep, injected fault, auth, body size, routing,
retry-key header, then the endpoint. Injected faults therefore have no side effects: nothing is
delivered, and no reply token, retry key or quota is used up.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from PIL import Image, UnidentifiedImageError
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .schema import ErrorDetail, validate_request

log = logging.getLogger(__name__)

DEFAULT_BOT_USER_ID = "U0123456789abcdef0123456789abcdef"
MAX_BODY = 2 * 1024 * 1024  # LINE answers 413 above 2 MB
MAX_RICH_MENU_IMAGE = 1024 * 1024
RETRY_KEY_TTL = 24 * 3600.0
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_QUOTABLE = {"text", "textV2", "sticker", "image", "video"}  # get a quoteToken when sent
MONTHLY_LIMIT = "You have reached your monthly limit."


# --------------------------------------------------------------------------- records


@dataclass
class RecordedRequest:
    """One call the fake answered (including refused ones)."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any
    body: bytes
    status: int
    request_id: str
    at: float


@dataclass
class Delivery:
    """A message send that LINE would have delivered."""

    kind: str  # "reply" | "push" | "multicast"
    to: str | list[str]  # a reply is resolved to the token's chat id
    messages: list[dict]
    retry_key: str | None
    request_id: str
    at: float
    notification_disabled: bool = False
    sent_message_ids: list[str] = field(default_factory=list)


@dataclass
class ReplyToken:
    to: str
    expires_at: float
    used: bool = False


@dataclass
class Profile:
    user_id: str
    display_name: str
    picture_url: str | None = None


@dataclass
class Group:
    group_id: str
    name: str
    member_ids: list[str]
    picture_url: str | None = None


@dataclass
class Content:
    data: bytes
    content_type: str
    preview: bytes | None = None
    gone: bool = False


@dataclass
class RichMenu:
    rich_menu_id: str
    request: dict
    image: bytes | None = None
    image_content_type: str | None = None
    image_size: tuple[int, int] | None = None

    def as_response(self) -> dict:
        return {"richMenuId": self.rich_menu_id, **self.request}


@dataclass
class _Fault:
    remaining: int
    status: int
    path: str | None
    method: str | None
    headers: dict[str, str]
    body: Any


@dataclass
class _Accepted:
    request_id: str
    at: float
    sent_messages: list[dict] | None


@dataclass
class _Call:
    """What a handler needs about the incoming request."""

    request: Request
    request_id: str
    json: Any
    json_ok: bool
    retry_key: str | None
    args: dict[str, str]


# --------------------------------------------------------------------------- helpers


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        headers=headers,
        mimetype="application/json",
    )


def _error(
    status: int, message: str, details: list[ErrorDetail] | None = None, **extra
) -> Response:
    """LINE's error shape; `details` is left out when empty, as LINE does."""
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = [d.to_dict() for d in details]
    headers = extra.pop("headers", None)
    body.update(extra)
    return _json(status, body, headers)


def _is_group_or_room(chat_id: str) -> bool:
    return chat_id[:1] in ("C", "R")


class _QuietHandler(WSGIRequestHandler):
    """Keep werkzeug's per-request access log out of test output."""

    def log_request(self, *args, **kwargs) -> None:
        pass


_ROUTES = Map(
    [
        Rule("/v2/bot/message/reply", methods=["POST"], endpoint="reply"),
        Rule("/v2/bot/message/push", methods=["POST"], endpoint="push"),
        Rule("/v2/bot/message/multicast", methods=["POST"], endpoint="multicast"),
        Rule(
            "/v2/bot/message/validate/<any(reply,push,multicast,narrowcast,broadcast):kind>",
            methods=["POST"],
            endpoint="validate",
        ),
        Rule("/v2/bot/message/quota", methods=["GET"], endpoint="quota"),
        Rule("/v2/bot/message/quota/consumption", methods=["GET"], endpoint="consumption"),
        Rule("/v2/bot/message/<message_id>/content", methods=["GET"], endpoint="content"),
        Rule("/v2/bot/message/<message_id>/content/preview", methods=["GET"], endpoint="preview"),
        Rule("/v2/bot/profile/<user_id>", methods=["GET"], endpoint="profile"),
        Rule("/v2/bot/group/<group_id>/summary", methods=["GET"], endpoint="group_summary"),
        Rule("/v2/bot/group/<group_id>/member/<user_id>", methods=["GET"], endpoint="group_member"),
        Rule("/v2/bot/group/<group_id>/members/count", methods=["GET"], endpoint="group_count"),
        Rule("/v2/bot/chat/loading/start", methods=["POST"], endpoint="loading"),
        Rule("/v2/bot/chat/markAsRead", methods=["POST"], endpoint="mark_as_read"),
        Rule("/v2/bot/info", methods=["GET"], endpoint="bot_info"),
        Rule("/v2/bot/richmenu", methods=["POST"], endpoint="richmenu_create"),
        Rule("/v2/bot/richmenu/list", methods=["GET"], endpoint="richmenu_list"),
        Rule("/v2/bot/richmenu/<rich_menu_id>", methods=["GET", "DELETE"], endpoint="richmenu"),
        Rule(
            "/v2/bot/richmenu/<rich_menu_id>/content",
            methods=["GET", "POST"],
            endpoint="richmenu_content",
        ),
        Rule("/v2/bot/user/all/richmenu", methods=["GET", "DELETE"], endpoint="default_richmenu"),
        Rule(
            "/v2/bot/user/all/richmenu/<rich_menu_id>",
            methods=["POST"],
            endpoint="set_default_richmenu",
        ),
        Rule(
            "/v2/bot/user/<user_id>/richmenu", methods=["GET", "DELETE"], endpoint="user_richmenu"
        ),
        Rule(
            "/v2/bot/user/<user_id>/richmenu/<rich_menu_id>",
            methods=["POST"],
            endpoint="link_user_richmenu",
        ),
    ]
)
_RETRY_KEY_ENDPOINTS = {"push", "multicast"}


# --------------------------------------------------------------------------- the fake


class FakeLine:
    """A fake LINE Messaging API. Start it, point line-bot-sdk at `url`, inspect what arrived.

    All state sits behind one lock; handlers run under it, so the recorded lists are consistent
    even with the threaded server. Read the lists freely; they are only appended to.
    """

    def __init__(
        self,
        access_token: str = "test-token",
        *,
        bot_user_id: str = DEFAULT_BOT_USER_ID,
        bot_display_name: str = "Prakat (fake LINE)",
        quota_limit: int | None = None,
        require_group_membership: bool = True,
    ) -> None:
        self.access_token = access_token
        self.bot_user_id = bot_user_id
        self.bot_display_name = bot_display_name
        self._initial_quota_limit = quota_limit
        self.require_group_membership = require_group_membership
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._server = None
        self._thread: threading.Thread | None = None
        self.profiles: dict[str, Profile] = {}
        self.groups: dict[str, Group] = {}
        self.requests: list[RecordedRequest] = []
        self.deliveries: list[Delivery] = []
        self.validation_errors: list[tuple[str, str]] = []
        self.loading_animations: list[tuple[str, int]] = []
        self.marked_as_read: list[str] = []
        self.server_errors: list[str] = []  # exceptions raised inside the fake (bugs)
        self.rich_menus: dict[str, RichMenu] = {}
        self.user_rich_menu: dict[str, str] = {}
        self._reply_tokens: dict[str, ReplyToken] = {}
        self._contents: dict[str, Content] = {}
        self._retry_keys: dict[str, _Accepted] = {}
        self._faults: list[_Fault] = []
        self._message_seq = 600_000_000_000_000_000
        self._reset_knobs()

    def _reset_knobs(self) -> None:
        self.latency = 0.0
        self.monthly_quota_exhausted = False
        self.quota_limit = self._initial_quota_limit
        self.retry_key_ttl = RETRY_KEY_TTL
        self.pushes_count = 0
        self.default_rich_menu_id: str | None = None

    # ----------------------------------------------------------------- lifecycle

    def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeLine:
        """Serve on a free port in a daemon thread; returns self."""
        if self._server is not None:
            return self
        self._server = make_server(
            host, port, self.wsgi_app, threaded=True, request_handler=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeLine:{self._server.server_port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeLine:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeLine is not started")
        return f"http://{self._server.host}:{self._server.server_port}"

    def reset(self, *, keep_profiles: bool = False) -> None:
        """Forget everything that happened (and the knobs); optionally keep profiles/groups."""
        with self._lock:
            for collection in (
                self.requests,
                self.deliveries,
                self.validation_errors,
                self.loading_animations,
                self.marked_as_read,
                self.server_errors,
                self.rich_menus,
                self.user_rich_menu,
                self._reply_tokens,
                self._contents,
                self._retry_keys,
                self._faults,
            ):
                collection.clear()
            if not keep_profiles:
                self.profiles.clear()
                self.groups.clear()
            self._reset_knobs()

    # ----------------------------------------------------------------- test set-up

    def issue_reply_token(self, to: str, ttl: float = 60.0) -> str:
        """A reply token as LINE would put in a webhook; a reply with it goes to `to`."""
        token = secrets.token_hex(16)
        with self._lock:
            self._reply_tokens[token] = ReplyToken(to=to, expires_at=time.monotonic() + ttl)
        return token

    def expire_reply_token(self, token: str) -> None:
        with self._lock:
            if token in self._reply_tokens:
                self._reply_tokens[token].expires_at = float("-inf")

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

    def set_profile(self, user_id: str, display_name: str, picture_url: str | None = None) -> None:
        with self._lock:
            self.profiles[user_id] = Profile(user_id, display_name, picture_url)

    def add_group(
        self,
        group_id: str,
        name: str,
        member_ids: list[str] | tuple[str, ...] = (),
        picture_url: str | None = None,
    ) -> None:
        """Make the bot a member of `group_id` (pushes to it are then accepted)."""
        with self._lock:
            self.groups[group_id] = Group(group_id, name, list(member_ids), picture_url)

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        path: str | None = "/v2/bot/message/push",
        headers: dict[str, str] | None = None,
        body: Any = None,
        *,
        method: str | None = None,
    ) -> None:
        """The next `n` calls whose path starts with `path` (None: any) answer `status`.

        `body` defaults to `{"message": <reason phrase>}`; a dict/list is sent as JSON,
        str/bytes as is. Faults queue up in the order they were added.
        """
        with self._lock:
            self._faults.append(_Fault(n, status, path, method, dict(headers or {}), body))

    # ----------------------------------------------------------------- inspection

    def messages_to(self, to: str) -> list[dict]:
        """Every message delivered to a user/group id, in order (replies resolved)."""
        with self._lock:
            out: list[dict] = []
            for delivery in self.deliveries:
                targets = delivery.to if isinstance(delivery.to, list) else [delivery.to]
                if to in targets:
                    out.extend(delivery.messages)
            return out

    def wait_for_deliveries(self, count: int, timeout: float = 5.0) -> list[Delivery]:
        """Block until at least `count` deliveries exist (for code that sends in a thread)."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.deliveries) >= count, timeout=timeout)
            return list(self.deliveries)

    # ----------------------------------------------------------------- WSGI

    def wsgi_app(self, environ: dict, start_response: Callable) -> Any:
        """The WSGI entry point (also usable without `start`, e.g. mounted in another app)."""
        request = Request(environ)
        request_id = str(uuid.uuid4())
        too_big = (request.content_length or 0) > MAX_BODY
        raw = b"" if too_big else request.get_data(cache=True)
        parsed, json_ok = None, False
        if raw and "json" in (request.mimetype or ""):
            with contextlib.suppress(ValueError):  # includes UnicodeDecodeError
                parsed, json_ok = json.loads(raw), True
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            try:
                response = self._dispatch(request, request_id, parsed, json_ok, too_big)
            except Exception as exc:  # a bug in the fake: answer 500, keep it visible
                log.exception("FakeLine failed on %s %s", request.method, request.path)
                self.server_errors.append(f"{request.method} {request.path}: {exc!r}")
                response = _error(500, f"fake LINE internal error: {exc!r}")
            response.headers["x-line-request-id"] = request_id
            self.requests.append(
                RecordedRequest(
                    method=request.method,
                    path=request.path,
                    headers={k.lower(): v for k, v in request.headers.items()},
                    json=parsed,
                    body=raw,
                    status=response.status_code,
                    request_id=request_id,
                    at=time.monotonic(),
                )
            )
            self._changed.notify_all()
        return response(environ, start_response)

    def _dispatch(
        self, request: Request, request_id: str, parsed: Any, json_ok: bool, too_big: bool
    ) -> Response:
        fault = self._take_fault(request.method, request.path)
        if fault is not None:
            return fault
        if request.headers.get("Authorization", "") != f"Bearer {self.access_token}":
            return _error(
                401,
                "Authentication failed. Confirm that the access token in the authorization header is valid.",
            )
        if too_big:
            return _error(413, "Request Entity Too Large")
        try:
            endpoint, args = _ROUTES.bind("fake").match(request.path, method=request.method)
        except NotFound:
            return _error(404, "Not found")
        except MethodNotAllowed:
            return _error(405, "Method Not Allowed")
        retry_key = request.headers.get("X-Line-Retry-Key")
        if retry_key is not None:
            if endpoint not in _RETRY_KEY_ENDPOINTS:
                return _error(400, "The retry key is not supported for this API")
            if not _UUID.match(retry_key):
                return _error(
                    400,
                    "The retry key must be a UUID",
                    [ErrorDetail("invalid retry key", "X-Line-Retry-Key")],
                )
        call = _Call(request, request_id, parsed, json_ok, retry_key, args)
        return getattr(self, f"_h_{endpoint}")(call)

    def _take_fault(self, method: str, path: str) -> Response | None:
        for fault in self._faults:
            if (fault.path is None or path.startswith(fault.path)) and (
                fault.method is None or fault.method.upper() == method
            ):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                body = fault.body
                if body is None:
                    body = {"message": HTTPStatus(fault.status).phrase}
                if isinstance(body, dict | list):
                    return _json(fault.status, body, fault.headers)
                return Response(
                    body, status=fault.status, headers=fault.headers, mimetype="application/json"
                )
        return None

    def _body(self, call: _Call, schema: str) -> tuple[dict | None, Response | None]:
        """The JSON body, validated against `schema`; or the 400 LINE would answer."""
        if not call.json_ok or not isinstance(call.json, dict):
            self.validation_errors.append((call.request.path, "request body is not a JSON object"))
            return None, _error(
                400, "The request body has 1 error(s)", [ErrorDetail("must be a JSON object")]
            )
        errors = validate_request(schema, call.json)
        if errors:
            text = "; ".join(map(str, errors))
            self.validation_errors.append((call.request.path, text))
            return None, _error(400, f"The request body has {len(errors)} error(s)", errors)
        return call.json, None

    def _sent(self, messages: list[dict]) -> list[dict]:
        sent = []
        for message in messages:
            self._message_seq += 1
            item = {"id": str(self._message_seq)}
            if message.get("type") in _QUOTABLE:
                item["quoteToken"] = secrets.token_urlsafe(24)
            sent.append(item)
        return sent

    def _deliver(self, kind: str, to: str | list[str], body: dict, call: _Call) -> list[dict]:
        sent = self._sent(body["messages"])
        self.deliveries.append(
            Delivery(
                kind=kind,
                to=to,
                messages=body["messages"],
                retry_key=call.retry_key,
                request_id=call.request_id,
                at=time.monotonic(),
                notification_disabled=bool(body.get("notificationDisabled", False)),
                sent_message_ids=[s["id"] for s in sent],
            )
        )
        return sent

    # ----------------------------------------------------------------- sending

    def _h_reply(self, call: _Call) -> Response:
        body, error = self._body(call, "ReplyMessageRequest")
        if error:
            return error
        token = self._reply_tokens.get(body["replyToken"])
        if token is None or token.used or token.expires_at <= time.monotonic():
            return _error(400, "Invalid reply token")
        token.used = True
        return _json(200, {"sentMessages": self._deliver("reply", token.to, body, call)})

    def _already_accepted(self, call: _Call) -> Response | None:
        """409 for a retry key accepted within the TTL; the repeat delivers nothing."""
        if call.retry_key is None:
            return None
        accepted = self._retry_keys.get(call.retry_key)
        if accepted is None or time.monotonic() - accepted.at >= self.retry_key_ttl:
            return None
        extra = {"sentMessages": accepted.sent_messages} if accepted.sent_messages else {}
        return _error(
            409,
            "The retry key is already accepted",
            headers={"x-line-accepted-request-id": accepted.request_id},
            **extra,
        )

    def _quota_refusal(self, cost: int) -> Response | None:
        over = self.quota_limit is not None and self.pushes_count + cost > self.quota_limit
        if self.monthly_quota_exhausted or over:
            return _error(429, MONTHLY_LIMIT)
        return None

    def _h_push(self, call: _Call) -> Response:
        body, error = self._body(call, "PushMessageRequest")
        if error:
            return error
        if refusal := self._already_accepted(call):
            return refusal
        to = body["to"]
        group = self.groups.get(to)
        if group is None and _is_group_or_room(to) and self.require_group_membership:
            return _error(
                400,
                "The bot is not a member of the group or room",
                [ErrorDetail("not a member", "to")],
            )
        cost = len(group.member_ids) if group else 1
        if refusal := self._quota_refusal(cost):
            return refusal
        sent = self._deliver("push", to, body, call)
        self.pushes_count += cost
        if call.retry_key:
            self._retry_keys[call.retry_key] = _Accepted(call.request_id, time.monotonic(), sent)
        return _json(200, {"sentMessages": sent})

    def _h_multicast(self, call: _Call) -> Response:
        body, error = self._body(call, "MulticastRequest")
        if error:
            return error
        if refusal := self._already_accepted(call):
            return refusal
        to = list(body["to"])
        wrong = [
            ErrorDetail("multicast can only be sent to user IDs", f"to[{i}]")
            for i, chat_id in enumerate(to)
            if _is_group_or_room(chat_id) or chat_id in self.groups
        ]
        if wrong:
            self.validation_errors.append((call.request.path, "; ".join(map(str, wrong))))
            return _error(400, f"The request body has {len(wrong)} error(s)", wrong)
        if refusal := self._quota_refusal(len(to)):
            return refusal
        self._deliver("multicast", to, body, call)
        self.pushes_count += len(to)
        if call.retry_key:
            self._retry_keys[call.retry_key] = _Accepted(call.request_id, time.monotonic(), None)
        return _json(200, {})

    def _h_validate(self, call: _Call) -> Response:
        _, error = self._body(call, "ValidateMessageRequest")
        return error or _json(200, {})

    def _h_quota(self, call: _Call) -> Response:
        if self.quota_limit is None:
            return _json(200, {"type": "none"})
        return _json(200, {"type": "limited", "value": self.quota_limit})

    def _h_consumption(self, call: _Call) -> Response:
        return _json(200, {"totalUsage": self.pushes_count})

    # ----------------------------------------------------------------- content

    def _content(self, call: _Call) -> Content | Response:
        content = self._contents.get(call.args["message_id"])
        if content is None:
            return _error(404, "Not found")
        if content.gone:
            return _error(410, "Gone")
        return content

    def _h_content(self, call: _Call) -> Response:
        content = self._content(call)
        if isinstance(content, Response):
            return content
        return Response(content.data, status=200, content_type=content.content_type)

    def _h_preview(self, call: _Call) -> Response:
        content = self._content(call)
        if isinstance(content, Response):
            return content
        data = content.preview if content.preview is not None else content.data
        return Response(data, status=200, content_type=content.content_type)

    # ----------------------------------------------------------------- profiles, groups, bot

    def _h_profile(self, call: _Call) -> Response:
        profile = self.profiles.get(call.args["user_id"])
        if profile is None:
            return _error(404, "Not found")
        return _json(200, self._profile_dict(profile))

    @staticmethod
    def _profile_dict(profile: Profile) -> dict:
        out = {"displayName": profile.display_name, "userId": profile.user_id}
        if profile.picture_url:
            out["pictureUrl"] = profile.picture_url
        return out

    def _group(self, call: _Call) -> Group | Response:
        group = self.groups.get(call.args["group_id"])
        return group if group is not None else _error(404, "Not found")

    def _h_group_summary(self, call: _Call) -> Response:
        group = self._group(call)
        if isinstance(group, Response):
            return group
        out = {"groupId": group.group_id, "groupName": group.name}
        if group.picture_url:
            out["pictureUrl"] = group.picture_url
        return _json(200, out)

    def _h_group_member(self, call: _Call) -> Response:
        """Works for any member, friend or not; a member without a set profile gets a stub name."""
        group = self._group(call)
        if isinstance(group, Response):
            return group
        user_id = call.args["user_id"]
        if user_id not in group.member_ids:
            return _error(404, "Not found")
        profile = self.profiles.get(user_id) or Profile(user_id, f"Member {user_id[:8]}")
        return _json(200, self._profile_dict(profile))

    def _h_group_count(self, call: _Call) -> Response:
        group = self._group(call)
        if isinstance(group, Response):
            return group
        return _json(200, {"count": len(group.member_ids)})

    def _h_bot_info(self, call: _Call) -> Response:
        return _json(
            200,
            {
                "userId": self.bot_user_id,
                "basicId": "@000fake",
                "displayName": self.bot_display_name,
                "chatMode": "bot",
                "markAsReadMode": "auto",
            },
        )

    def _h_loading(self, call: _Call) -> Response:
        body, error = self._body(call, "ShowLoadingAnimationRequest")
        if error:
            return error
        chat_id = body["chatId"]
        if _is_group_or_room(chat_id) or chat_id in self.groups:
            detail = ErrorDetail("the loading animation is only for one-on-one chats", "chatId")
            return _error(400, "Invalid chat ID", [detail])
        self.loading_animations.append((chat_id, body.get("loadingSeconds", 20)))
        return _json(202, {})

    def _h_mark_as_read(self, call: _Call) -> Response:
        body, error = self._body(call, "MarkMessagesAsReadByTokenRequest")
        if error:
            return error
        self.marked_as_read.append(body["markAsReadToken"])
        return _json(200, {})

    # ----------------------------------------------------------------- rich menus

    def _rich_menu(self, rich_menu_id: str) -> RichMenu | Response:
        menu = self.rich_menus.get(rich_menu_id)
        return menu if menu is not None else _error(404, "Not found")

    def _h_richmenu_create(self, call: _Call) -> Response:
        body, error = self._body(call, "RichMenuRequest")
        if error:
            return error
        rich_menu_id = f"richmenu-{uuid.uuid4().hex}"
        self.rich_menus[rich_menu_id] = RichMenu(rich_menu_id, body)
        return _json(200, {"richMenuId": rich_menu_id})

    def _h_richmenu_list(self, call: _Call) -> Response:
        return _json(200, {"richmenus": [m.as_response() for m in self.rich_menus.values()]})

    def _h_richmenu(self, call: _Call) -> Response:
        menu = self._rich_menu(call.args["rich_menu_id"])
        if isinstance(menu, Response):
            return menu
        if call.request.method == "GET":
            return _json(200, menu.as_response())
        del self.rich_menus[menu.rich_menu_id]
        for user_id in [u for u, m in self.user_rich_menu.items() if m == menu.rich_menu_id]:
            del self.user_rich_menu[user_id]
        if self.default_rich_menu_id == menu.rich_menu_id:
            self.default_rich_menu_id = None
        return _json(200, {})

    def _h_richmenu_content(self, call: _Call) -> Response:
        menu = self._rich_menu(call.args["rich_menu_id"])
        if isinstance(menu, Response):
            return menu
        if call.request.method == "GET":
            if menu.image is None:
                return _error(404, "Not found")
            return Response(menu.image, status=200, content_type=menu.image_content_type)
        if menu.image is not None:
            return _error(400, "An image has already been uploaded to the richmenu")
        data = call.request.get_data(cache=True)
        content_type = (call.request.mimetype or "").lower()
        problem, size = _inspect_rich_menu_image(data, content_type)
        if problem:
            self.validation_errors.append((call.request.path, problem))
            return _error(400, problem)
        menu.image, menu.image_content_type, menu.image_size = data, content_type, size
        return _json(200, {})

    def _linkable(self, rich_menu_id: str) -> RichMenu | Response:
        menu = self._rich_menu(rich_menu_id)
        if isinstance(menu, RichMenu) and menu.image is None:
            return _error(400, "must upload richmenu image before applying it to user")
        return menu

    def _h_set_default_richmenu(self, call: _Call) -> Response:
        menu = self._linkable(call.args["rich_menu_id"])
        if isinstance(menu, Response):
            return menu
        self.default_rich_menu_id = menu.rich_menu_id
        return _json(200, {})

    def _h_default_richmenu(self, call: _Call) -> Response:
        if call.request.method == "DELETE":
            self.default_rich_menu_id = None
            return _json(200, {})
        if self.default_rich_menu_id is None:
            return _error(404, "no default richmenu")
        return _json(200, {"richMenuId": self.default_rich_menu_id})

    def _h_link_user_richmenu(self, call: _Call) -> Response:
        menu = self._linkable(call.args["rich_menu_id"])
        if isinstance(menu, Response):
            return menu
        self.user_rich_menu[call.args["user_id"]] = menu.rich_menu_id
        return _json(200, {})

    def _h_user_richmenu(self, call: _Call) -> Response:
        user_id = call.args["user_id"]
        if call.request.method == "DELETE":
            self.user_rich_menu.pop(user_id, None)
            return _json(200, {})
        if user_id not in self.user_rich_menu:
            return _error(404, "the user has no richmenu")
        return _json(200, {"richMenuId": self.user_rich_menu[user_id]})


def _inspect_rich_menu_image(
    data: bytes, content_type: str
) -> tuple[str | None, tuple[int, int] | None]:
    """(why LINE would refuse this rich menu image or None, its size), judged from the bytes:
    JPEG/PNG matching Content-Type, width 800-2500, height >= 250, width/height >= 1.45, <= 1 MB.
    """
    if content_type not in ("image/jpeg", "image/png"):
        return "Content-Type must be image/jpeg or image/png", None
    if len(data) > MAX_RICH_MENU_IMAGE:
        return f"image is {len(data)} bytes; must be at most {MAX_RICH_MENU_IMAGE}", None
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        return f"invalid image: {exc}", None
    expected = "PNG" if content_type == "image/png" else "JPEG"
    if image_format != expected:
        return f"image is {image_format}, but Content-Type says {content_type}", None
    if not 800 <= width <= 2500:
        return f"image width {width} must be between 800 and 2500 pixels", None
    if height < 250:
        return f"image height {height} must be at least 250 pixels", None
    if width / height < 1.45:
        return f"image aspect ratio {width}/{height} must be at least 1.45", None
    return None, (width, height)
