"""Sending messages: reply (single-use expiring tokens), push and multicast (retry keys, quota).

Faithful to LINE: a reply token works once and only before it expires; X-Line-Retry-Key is a UUID,
accepted on push/multicast only, and a repeat within 24 h answers 409 with
`x-line-accepted-request-id` and delivers nothing; a push to a group costs one message per member;
the monthly limit answers 429. Invented: a push to a group the fake was not told about
(`add_group`) is refused with 400 when `require_group_membership` is true.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass, field

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from .chats import Group
from .schema import ErrorDetail
from .wire import Call, Endpoints, error_response, is_group_or_room, json_response

RETRY_KEY_TTL = 24 * 3600.0
MONTHLY_LIMIT = "You have reached your monthly limit."
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_QUOTABLE = {"text", "textV2", "sticker", "image", "video"}  # get a quoteToken when sent
_RETRY_KEY_ENDPOINTS = {"push", "multicast"}

ROUTES = [
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
]


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
    token: str = ""  # the access token of the channel that sent it


@dataclass
class ReplyToken:
    to: str
    expires_at: float
    used: bool = False
    channel: str | None = None  # the access token of the channel whose webhook carried it


@dataclass
class _Accepted:
    request_id: str
    at: float
    sent_messages: list[dict] | None


def retry_key_refusal(endpoint: str, retry_key: str | None) -> Response | None:
    """The 400 LINE answers for a retry key on the wrong API or one that is not a UUID."""
    if retry_key is None:
        return None
    if endpoint not in _RETRY_KEY_ENDPOINTS:
        return error_response(400, "The retry key is not supported for this API")
    if not _UUID.match(retry_key):
        return error_response(
            400,
            "The retry key must be a UUID",
            [ErrorDetail("invalid retry key", "X-Line-Retry-Key")],
        )
    return None


class MessagingEndpoints(Endpoints):
    """Reply, push, multicast, validate and the quota calls; and what they delivered."""

    _changed: threading.Condition
    groups: dict[str, Group]

    def _init_messaging(self, quota_limit: int | None, require_group_membership: bool) -> None:
        self._initial_quota_limit = quota_limit
        self.require_group_membership = require_group_membership
        self.deliveries: list[Delivery] = []
        self._reply_tokens: dict[str, ReplyToken] = {}
        self._retry_keys: dict[str, _Accepted] = {}
        self._message_seq = 600_000_000_000_000_000

    def _forget_messaging(self) -> None:
        """Back to a fresh account; message ids keep counting up, as LINE's do."""
        self.deliveries.clear()
        self._reply_tokens.clear()
        self._retry_keys.clear()
        self.monthly_quota_exhausted = False
        self.quota_limit = self._initial_quota_limit
        self.retry_key_ttl = RETRY_KEY_TTL
        self.pushes_count = 0

    # ----------------------------------------------------------------- test set-up, inspection

    def issue_reply_token(self, to: str, ttl: float = 60.0, channel: str | None = None) -> str:
        """A reply token as LINE would put in a webhook; a reply with it goes to `to`. With
        `channel` (an access token), only that channel may use it, as on LINE."""
        token = secrets.token_hex(16)
        with self._lock:
            self._reply_tokens[token] = ReplyToken(to=to, expires_at=time.monotonic() + ttl,
                                                   channel=channel)
        return token

    def expire_reply_token(self, token: str) -> None:
        with self._lock:
            if token in self._reply_tokens:
                self._reply_tokens[token].expires_at = float("-inf")

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

    # ----------------------------------------------------------------- delivering

    def _sent(self, messages: list[dict]) -> list[dict]:
        sent = []
        for message in messages:
            self._message_seq += 1
            item = {"id": str(self._message_seq)}
            if message.get("type") in _QUOTABLE:
                item["quoteToken"] = secrets.token_urlsafe(24)
            sent.append(item)
        return sent

    def _deliver(self, kind: str, to: str | list[str], body: dict, call: Call) -> list[dict]:
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
                token=call.token,
            )
        )
        return sent

    def _already_accepted(self, call: Call) -> Response | None:
        """409 for a retry key accepted within the TTL; the repeat delivers nothing."""
        if call.retry_key is None:
            return None
        accepted = self._retry_keys.get(call.retry_key)
        if accepted is None or time.monotonic() - accepted.at >= self.retry_key_ttl:
            return None
        extra = {"sentMessages": accepted.sent_messages} if accepted.sent_messages else {}
        return error_response(
            409,
            "The retry key is already accepted",
            headers={"x-line-accepted-request-id": accepted.request_id},
            **extra,
        )

    def _quota_refusal(self, cost: int) -> Response | None:
        over = self.quota_limit is not None and self.pushes_count + cost > self.quota_limit
        if self.monthly_quota_exhausted or over:
            return error_response(429, MONTHLY_LIMIT)
        return None

    # ----------------------------------------------------------------- handlers

    def _h_reply(self, call: Call) -> Response:
        body, error = self._body(call, "ReplyMessageRequest")
        if error:
            return error
        token = self._reply_tokens.get(body["replyToken"])
        if token is None or token.used or token.expires_at <= time.monotonic() \
                or (token.channel is not None and token.channel != call.token):
            return error_response(400, "Invalid reply token")
        token.used = True
        return json_response(200, {"sentMessages": self._deliver("reply", token.to, body, call)})

    def _h_push(self, call: Call) -> Response:
        body, error = self._body(call, "PushMessageRequest")
        if error:
            return error
        if refusal := self._already_accepted(call):
            return refusal
        to = body["to"]
        group = self.groups.get(to)
        if group is not None and not self._member_bot(group, call):
            group = None  # the group's bot is another channel's: this one is not in it
        if group is None and is_group_or_room(to) and self.require_group_membership:
            return error_response(
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
        return json_response(200, {"sentMessages": sent})

    def _h_multicast(self, call: Call) -> Response:
        body, error = self._body(call, "MulticastRequest")
        if error:
            return error
        if refusal := self._already_accepted(call):
            return refusal
        to = list(body["to"])
        wrong = [
            ErrorDetail("multicast can only be sent to user IDs", f"to[{i}]")
            for i, chat_id in enumerate(to)
            if is_group_or_room(chat_id) or chat_id in self.groups
        ]
        if wrong:
            self.validation_errors.append((call.request.path, "; ".join(map(str, wrong))))
            return error_response(400, f"The request body has {len(wrong)} error(s)", wrong)
        if refusal := self._quota_refusal(len(to)):
            return refusal
        self._deliver("multicast", to, body, call)
        self.pushes_count += len(to)
        if call.retry_key:
            self._retry_keys[call.retry_key] = _Accepted(call.request_id, time.monotonic(), None)
        return json_response(200, {})

    def _h_validate(self, call: Call) -> Response:
        _, error = self._body(call, "ValidateMessageRequest")
        return error or json_response(200, {})

    def _h_quota(self, call: Call) -> Response:
        if self.quota_limit is None:
            return json_response(200, {"type": "none"})
        return json_response(200, {"type": "limited", "value": self.quota_limit})

    def _h_consumption(self, call: Call) -> Response:
        return json_response(200, {"totalUsage": self.pushes_count})
