"""An in-process fake of the LINE Messaging API, served over real HTTP.

Why real HTTP: the bot talks to LINE through line-bot-sdk v3, and the point of the fake is to
exercise that client (serialisation, headers, status handling) unchanged. One origin serves
both api.line.me and api-data.line.me paths, because `Configuration(host=...)` sends the
MessagingApi and MessagingApiBlob calls to the same host.

This module is the plumbing: the WSGI app, routing, bearer auth (401), the body size limit
(413), `x-line-request-id` on every answer, the record of every call, and fault injection. The
endpoints live by API area in `messaging`, `content`, `chats` and `richmenus`; what is faithful
to LINE and what is invented is said there (see shared/LINE_PLATFORM.md), request validation
from LINE's OpenAPI spec plus documented limits is in `schema`.

Order of checks for every call: latency sleep (and an injected stall), injected fault, auth,
body size, routing, retry-key header, then the endpoint. Injected faults therefore have no side
effects: nothing is delivered, and no reply token, retry key or quota is used up — except a fault
added with `after_delivery=True`, which lets the call do its work and then answers the fault (LINE
performed the request, and its answer was lost).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from ..line_login import LoginFake
from . import chats, content, messaging, richmenus
from .chats import ChatEndpoints
from .content import ContentEndpoints
from .messaging import MessagingEndpoints, retry_key_refusal
from .richmenus import RichMenuEndpoints
from .wire import Call, error_response, json_response

log = logging.getLogger(__name__)

DEFAULT_BOT_USER_ID = "U0123456789abcdef0123456789abcdef"
MAX_BODY = 2 * 1024 * 1024  # LINE answers 413 above 2 MB

_ROUTES = Map([*messaging.ROUTES, *content.ROUTES, *chats.ROUTES, *richmenus.ROUTES])


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
class _Fault:
    remaining: int
    status: int
    path: str | None
    method: str | None
    headers: dict[str, str]
    body: Any
    after_delivery: bool = False


@dataclass
class _Stall:
    remaining: int
    seconds: float
    path: str | None


class _QuietHandler(WSGIRequestHandler):
    """Keep werkzeug's per-request access log out of test output."""

    def log_request(self, *args, **kwargs) -> None:
        pass


class FakeLine(MessagingEndpoints, ContentEndpoints, ChatEndpoints, RichMenuEndpoints):
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
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._server = None
        self._thread: threading.Thread | None = None
        self.requests: list[RecordedRequest] = []
        self.validation_errors: list[tuple[str, str]] = []
        self.server_errors: list[str] = []  # exceptions raised inside the fake (bugs)
        self._faults: list[_Fault] = []
        self._stalls: list[_Stall] = []
        self._init_messaging(quota_limit, require_group_membership)
        self._init_content()
        self._init_chats()
        self._init_rich_menus()
        # LINE Login (api.line.me/oauth2/v2.1/… and access.line.me's authorize page) on the same origin.
        self.login = LoginFake()
        self.reset()

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
            self.requests.clear()
            self.validation_errors.clear()
            self.server_errors.clear()
            self._faults.clear()
            self._stalls.clear()
            self.latency = 0.0
            self._forget_messaging()
            self._forget_content()
            self._forget_chats(keep_profiles=keep_profiles)
            self._forget_rich_menus()
            self.login.next_id_token = None

    # ----------------------------------------------------------------- fault injection

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        path: str | None = "/v2/bot/message/push",
        headers: dict[str, str] | None = None,
        body: Any = None,
        *,
        method: str | None = None,
        after_delivery: bool = False,
    ) -> None:
        """The next `n` calls whose path starts with `path` (None: any) answer `status`.

        `body` defaults to `{"message": <reason phrase>}`; a dict/list is sent as JSON,
        str/bytes as is. Faults queue up in the order they were added. With `after_delivery`
        the call is first performed as usual (a reply is delivered, its token spent), and only
        its answer is replaced.
        """
        with self._lock:
            self._faults.append(
                _Fault(n, status, path, method, dict(headers or {}), body, after_delivery)
            )

    def stall_next(self, seconds: float, n: int = 1, path: str | None = "/v2/bot/message/reply") -> None:
        """The next `n` calls to `path` wait `seconds` and are then performed as usual: longer
        than the client's timeout, they are done by LINE after the client has given up on them."""
        with self._lock:
            self._stalls.append(_Stall(n, seconds, path))

    def _take_stall(self, path: str) -> float:
        with self._lock:
            for stall in self._stalls:
                if stall.path is None or path.startswith(stall.path):
                    stall.remaining -= 1
                    if stall.remaining <= 0:
                        self._stalls.remove(stall)
                    return stall.seconds
        return 0.0

    # ----------------------------------------------------------------- WSGI

    def wsgi_app(self, environ: dict, start_response: Callable) -> Any:
        """The WSGI entry point (also usable without `start`, e.g. mounted in another app)."""
        if environ.get("PATH_INFO", "").startswith("/oauth2/"):
            return self.login.wsgi_app(environ, start_response)  # no bearer token, not recorded
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
        if stall := self._take_stall(request.path):
            time.sleep(stall)
        with self._lock:
            try:
                response = self._dispatch(request, request_id, parsed, json_ok, too_big)
            except Exception as exc:  # a bug in the fake: answer 500, keep it visible
                log.exception("FakeLine failed on %s %s", request.method, request.path)
                self.server_errors.append(f"{request.method} {request.path}: {exc!r}")
                response = error_response(500, f"fake LINE internal error: {exc!r}")
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
        if fault is not None and not fault.after_delivery:
            return self._fault_response(fault)
        response = self._endpoint(request, request_id, parsed, json_ok, too_big)
        return response if fault is None else self._fault_response(fault)

    def _endpoint(
        self, request: Request, request_id: str, parsed: Any, json_ok: bool, too_big: bool
    ) -> Response:
        if request.headers.get("Authorization", "") != f"Bearer {self.access_token}":
            return error_response(
                401,
                "Authentication failed. Confirm that the access token in the authorization header is valid.",
            )
        if too_big:
            return error_response(413, "Request Entity Too Large")
        try:
            endpoint, args = _ROUTES.bind("fake").match(request.path, method=request.method)
        except NotFound:
            return error_response(404, "Not found")
        except MethodNotAllowed:
            return error_response(405, "Method Not Allowed")
        retry_key = request.headers.get("X-Line-Retry-Key")
        if refusal := retry_key_refusal(endpoint, retry_key):
            return refusal
        call = Call(request, request_id, parsed, json_ok, retry_key, args)
        return getattr(self, f"_h_{endpoint}")(call)

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if (fault.path is None or path.startswith(fault.path)) and (
                fault.method is None or fault.method.upper() == method
            ):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    @staticmethod
    def _fault_response(fault: _Fault) -> Response:
        body = fault.body
        if body is None:
            body = {"message": HTTPStatus(fault.status).phrase}
        if isinstance(body, dict | list):
            return json_response(fault.status, body, fault.headers)
        return Response(body, status=fault.status, headers=fault.headers, mimetype="application/json")
