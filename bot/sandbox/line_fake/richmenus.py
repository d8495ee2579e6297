"""Rich menus: create, list, get, delete, upload the image, the default menu and per-user links.

Faithful to LINE: the image is checked from its bytes (JPEG/PNG matching Content-Type, width
800-2500, height >= 250, width/height >= 1.45, at most 1 MB) and can be uploaded once; a menu
without an image cannot be made the default or linked to a user; deleting a menu unlinks it.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from .wire import Call, Endpoints, error_response, json_response

MAX_RICH_MENU_IMAGE = 1024 * 1024

ROUTES = [
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
    Rule("/v2/bot/user/<user_id>/richmenu", methods=["GET", "DELETE"], endpoint="user_richmenu"),
    Rule(
        "/v2/bot/user/<user_id>/richmenu/<rich_menu_id>",
        methods=["POST"],
        endpoint="link_user_richmenu",
    ),
]


@dataclass
class RichMenu:
    rich_menu_id: str
    request: dict
    image: bytes | None = None
    image_content_type: str | None = None
    image_size: tuple[int, int] | None = None

    def as_response(self) -> dict:
        return {"richMenuId": self.rich_menu_id, **self.request}


class RichMenuEndpoints(Endpoints):
    """The rich menu calls, over `rich_menus`, `user_rich_menu` and `default_rich_menu_id`."""

    def _init_rich_menus(self) -> None:
        self.rich_menus: dict[str, RichMenu] = {}
        self.user_rich_menu: dict[str, str] = {}
        self.default_rich_menu_id: str | None = None

    def _forget_rich_menus(self) -> None:
        self.rich_menus.clear()
        self.user_rich_menu.clear()
        self.default_rich_menu_id = None

    def _rich_menu(self, rich_menu_id: str) -> RichMenu | Response:
        menu = self.rich_menus.get(rich_menu_id)
        return menu if menu is not None else error_response(404, "Not found")

    def _h_richmenu_create(self, call: Call) -> Response:
        body, error = self._body(call, "RichMenuRequest")
        if error:
            return error
        rich_menu_id = f"richmenu-{uuid.uuid4().hex}"
        self.rich_menus[rich_menu_id] = RichMenu(rich_menu_id, body)
        return json_response(200, {"richMenuId": rich_menu_id})

    def _h_richmenu_list(self, call: Call) -> Response:
        return json_response(
            200, {"richmenus": [m.as_response() for m in self.rich_menus.values()]}
        )

    def _h_richmenu(self, call: Call) -> Response:
        menu = self._rich_menu(call.args["rich_menu_id"])
        if isinstance(menu, Response):
            return menu
        if call.request.method == "GET":
            return json_response(200, menu.as_response())
        del self.rich_menus[menu.rich_menu_id]
        for user_id in [u for u, m in self.user_rich_menu.items() if m == menu.rich_menu_id]:
            del self.user_rich_menu[user_id]
        if self.default_rich_menu_id == menu.rich_menu_id:
            self.default_rich_menu_id = None
        return json_response(200, {})

    def _h_richmenu_content(self, call: Call) -> Response:
        menu = self._rich_menu(call.args["rich_menu_id"])
        if isinstance(menu, Response):
            return menu
        if call.request.method == "GET":
            if menu.image is None:
                return error_response(404, "Not found")
            return Response(menu.image, status=200, content_type=menu.image_content_type)
        if menu.image is not None:
            return error_response(400, "An image has already been uploaded to the richmenu")
        data = call.request.get_data(cache=True)
        content_type = (call.request.mimetype or "").lower()
        problem, size = inspect_rich_menu_image(data, content_type)
        if problem:
            self.validation_errors.append((call.request.path, problem))
            return error_response(400, problem)
        menu.image, menu.image_content_type, menu.image_size = data, content_type, size
        return json_response(200, {})

    def _linkable(self, rich_menu_id: str) -> RichMenu | Response:
        menu = self._rich_menu(rich_menu_id)
        if isinstance(menu, RichMenu) and menu.image is None:
            return error_response(400, "must upload richmenu image before applying it to user")
        return menu

    def _h_set_default_richmenu(self, call: Call) -> Response:
        menu = self._linkable(call.args["rich_menu_id"])
        if isinstance(menu, Response):
            return menu
        self.default_rich_menu_id = menu.rich_menu_id
        return json_response(200, {})

    def _h_default_richmenu(self, call: Call) -> Response:
        if call.request.method == "DELETE":
            self.default_rich_menu_id = None
            return json_response(200, {})
        if self.default_rich_menu_id is None:
            return error_response(404, "no default richmenu")
        return json_response(200, {"richMenuId": self.default_rich_menu_id})

    def _h_link_user_richmenu(self, call: Call) -> Response:
        menu = self._linkable(call.args["rich_menu_id"])
        if isinstance(menu, Response):
            return menu
        self.user_rich_menu[call.args["user_id"]] = menu.rich_menu_id
        return json_response(200, {})

    def _h_user_richmenu(self, call: Call) -> Response:
        user_id = call.args["user_id"]
        if call.request.method == "DELETE":
            self.user_rich_menu.pop(user_id, None)
            return json_response(200, {})
        if user_id not in self.user_rich_menu:
            return error_response(404, "the user has no richmenu")
        return json_response(200, {"richMenuId": self.user_rich_menu[user_id]})


def inspect_rich_menu_image(
    data: bytes, content_type: str
) -> tuple[str | None, tuple[int, int] | None]:
    """(why LINE would refuse this rich menu image or None, its size), judged from the bytes."""
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
