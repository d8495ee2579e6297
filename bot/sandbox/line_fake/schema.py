"""Validate Messaging API request bodies the way LINE does, from LINE's own OpenAPI spec.

Why a hand-written walker instead of `jsonschema`: the spec is OpenAPI 3.0, whose `discriminator`
picks the concrete schema of a polymorphic object (Message, Action, FlexComponent, Template...)
from its `type`. JSON Schema validators ignore `discriminator`, so an unknown Flex component
type, or a FlexButton checked against the FlexBox rules, would slip through. The walker below
covers the keywords the spec uses for requests ($ref, allOf, discriminator, type, required,
enum, min/maxItems, min/maxLength, minimum/maximum, pattern, properties, additionalProperties,
nullable) and reports errors in LINE's shape: `{"message": ..., "property": "messages[0].text"}`.

The spec lacks many limits that LINE's reference documents (and enforces); `_EXTRA_CHECKS`
adds those per concrete schema (see shared/LINE_PLATFORM.md section 5). Lengths are counted in
UTF-16 code units, as LINE counts characters (an emoji is 2). "KB" limits on Flex JSON are
taken as 1000 bytes of compact UTF-8 JSON (the stricter reading), so anything accepted here
also fits LINE's limit if LINE means 1024.

Spec: `messaging-api.yml` beside this file (line/line-openapi, Apache-2.0, see LICENSE).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SPEC_PATH = Path(__file__).with_name("messaging-api.yml")
_SCHEMA_PREFIX = "#/components/schemas/"

# Documented limits that the spec does not carry (LINE_PLATFORM.md section 5 and 7).
MAX_TEXT = 5000
MAX_ALT_TEXT = 1500
MAX_ACTION_TEXT = 300  # postback data/displayText/text/fillInText, message action text
MAX_URI = 1000
URI_SCHEMES = ("http", "https", "line", "tel")
MAX_IMAGE_URL = 2000
MAX_BUBBLE_BYTES = 30_000
MAX_CAROUSEL_BYTES = 50_000
MAX_CAROUSEL_BUBBLES = 12
LABEL_FLEX_BUTTON = 40
LABEL_QUICK_REPLY = 20
LABEL_TEMPLATE = 20
LABEL_IMAGE_CAROUSEL = 12
LABEL_RICH_MENU = 20


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of LINE's error `details`: what is wrong, and where (a JSON path)."""

    message: str
    property: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"message": self.message, "property": self.property}

    def __str__(self) -> str:
        return f"{self.property}: {self.message}" if self.property else self.message


# --------------------------------------------------------------------------- spec loading


@functools.cache
def load_spec() -> dict[str, Any]:
    """Parse the packaged spec once (libyaml when available: ~0.07 s instead of ~0.6 s)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_PATH.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)  # noqa: S506 - a SafeLoader


def _resolve(ref: str) -> dict[str, Any]:
    """Follow a local JSON pointer such as `#/components/schemas/Message`."""
    if not ref.startswith("#/"):
        raise ValueError(f"only local $refs are supported, got {ref!r}")
    node: Any = load_spec()
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


@functools.cache
def _subtype_tags() -> dict[str, tuple[str, frozenset[str]]]:
    """Concrete schema ref -> (discriminator property, tags that select it).

    Lets us check e.g. that an item of FlexCarousel.contents (declared as FlexBubble, not via
    the FlexContainer discriminator) really says `"type": "bubble"`.
    """
    tags: dict[str, tuple[str, set[str]]] = {}
    for schema in load_spec()["components"]["schemas"].values():
        disc = schema.get("discriminator")
        if not disc:
            continue
        for tag, target in disc.get("mapping", {}).items():
            tags.setdefault(target, (disc["propertyName"], set()))[1].add(tag)
    return {ref: (prop, frozenset(values)) for ref, (prop, values) in tags.items()}


def discriminated_schemas() -> dict[str, list[str]]:
    """Schemas that carry a discriminator, with their tags (for docs and tests)."""
    return {
        name: sorted(schema["discriminator"].get("mapping", {}))
        for name, schema in load_spec()["components"]["schemas"].items()
        if "discriminator" in schema
    }


# --------------------------------------------------------------------------- helpers


def utf16_len(text: str) -> int:
    """Length as LINE counts it: UTF-16 code units (a surrogate pair counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def json_size(value: Any) -> int:
    """Bytes of compact UTF-8 JSON: the measure used for the Flex size limits."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}


def _length(path: str, value: Any, lo: int, hi: int) -> Iterator[ErrorDetail]:
    if isinstance(value, str) and not lo <= utf16_len(value) <= hi:
        yield ErrorDetail(f"Length must be between {lo} and {hi}", path)


def _size(path: str, value: Any, lo: int, hi: int) -> Iterator[ErrorDetail]:
    if isinstance(value, list) and not lo <= len(value) <= hi:
        yield ErrorDetail(f"Size must be between {lo} and {hi}", path)


def _https_url(path: str, value: Any, *, check_length: bool = True) -> Iterator[ErrorDetail]:
    """Image/video URLs: HTTPS only, at most 2000 characters (unless the spec checks that)."""
    if not isinstance(value, str):
        return
    if not value.lower().startswith("https://") or len(value) <= len("https://"):
        yield ErrorDetail("must be an HTTPS URL", path)
    if check_length:
        yield from _length(path, value, 1, MAX_IMAGE_URL)


def _uri(path: str, value: Any) -> Iterator[ErrorDetail]:
    """URI actions: at most 1000 characters, scheme http, https, line or tel."""
    if not isinstance(value, str):
        return
    yield from _length(path, value, 1, MAX_URI)
    scheme = value.split(":", 1)[0].lower() if ":" in value else ""
    if scheme not in URI_SCHEMES:
        yield ErrorDetail(f"invalid uri scheme; must be one of {', '.join(URI_SCHEMES)}", path)


def _label(path: str, obj: Any, limit: int, *, required: bool = True) -> Iterator[ErrorDetail]:
    """`obj` is an action object; its label is required here and has at most `limit` chars."""
    if isinstance(obj, dict):
        if required and "label" not in obj:
            yield ErrorDetail("must be specified", _join(path, "label"))
        yield from _length(_join(path, "label"), obj.get("label"), 1, limit)


def _items(obj: dict, key: str) -> list:
    value = obj.get(key)
    return value if isinstance(value, list) else []


# --------------------------------------------------------------------------- documented limits

_EXTRA_CHECKS: dict[str, Callable[[dict, str], Iterator[ErrorDetail]]] = {}


def _extra(*names: str):
    """Register a check for the concrete schemas `names`; it gets (object, its path)."""

    def register(fn):
        for name in names:
            _EXTRA_CHECKS[_SCHEMA_PREFIX + name] = fn
        return fn

    return register


@_extra("TextMessage", "TextMessageV2")
def _text_message(obj: dict, path: str) -> Iterator[ErrorDetail]:
    yield from _length(_join(path, "text"), obj.get("text"), 1, MAX_TEXT)


@_extra("FlexMessage", "TemplateMessage", "ImagemapMessage")
def _alt_text(obj: dict, path: str) -> Iterator[ErrorDetail]:
    yield from _length(_join(path, "altText"), obj.get("altText"), 1, MAX_ALT_TEXT)


@_extra("ImageMessage", "VideoMessage", "AudioMessage", "FlexVideo", "FlexImage", "FlexIcon")
def _media_urls(obj: dict, path: str) -> Iterator[ErrorDetail]:
    for key in ("originalContentUrl", "previewImageUrl", "url", "previewUrl"):
        yield from _https_url(_join(path, key), obj.get(key))


@_extra("Sender")
def _sender(obj: dict, path: str) -> Iterator[ErrorDetail]:
    yield from _https_url(_join(path, "iconUrl"), obj.get("iconUrl"), check_length=False)


@_extra("QuickReplyItem")
def _quick_reply_item(obj: dict, path: str) -> Iterator[ErrorDetail]:
    yield from _https_url(_join(path, "imageUrl"), obj.get("imageUrl"), check_length=False)
    yield from _label(_join(path, "action"), obj.get("action"), LABEL_QUICK_REPLY)


@_extra("FlexButton")
def _flex_button(obj: dict, path: str) -> Iterator[ErrorDetail]:
    yield from _label(_join(path, "action"), obj.get("action"), LABEL_FLEX_BUTTON)


@_extra("FlexBox")
def _flex_box(obj: dict, path: str) -> Iterator[ErrorDetail]:
    """A span is only allowed inside a text component's `contents`, not in a box."""
    for i, child in enumerate(_items(obj, "contents")):
        if isinstance(child, dict) and child.get("type") == "span":
            yield ErrorDetail(
                "span is only allowed in a text component", f"{path}.contents[{i}].type"
            )


@_extra("FlexText")
def _flex_text(obj: dict, path: str) -> Iterator[ErrorDetail]:
    if "text" not in obj and not obj.get("contents"):
        yield ErrorDetail("must be specified", _join(path, "text"))


@_extra("FlexBubble")
def _flex_bubble(obj: dict, path: str) -> Iterator[ErrorDetail]:
    size = json_size(obj)
    if size > MAX_BUBBLE_BYTES:
        yield ErrorDetail(f"bubble JSON is {size} bytes; must be at most {MAX_BUBBLE_BYTES}", path)


@_extra("FlexCarousel")
def _flex_carousel(obj: dict, path: str) -> Iterator[ErrorDetail]:
    bubbles = obj.get("contents")
    yield from _size(_join(path, "contents"), bubbles, 1, MAX_CAROUSEL_BUBBLES)
    size = json_size(obj)
    if size > MAX_CAROUSEL_BYTES:
        yield ErrorDetail(
            f"carousel JSON is {size} bytes; must be at most {MAX_CAROUSEL_BYTES}", path
        )
    if isinstance(bubbles, list):
        sizes = {b.get("size", "mega") for b in bubbles if isinstance(b, dict)}
        if len(sizes) > 1:
            yield ErrorDetail("all bubbles in a carousel must have the same size", path)


@_extra("PostbackAction")
def _postback(obj: dict, path: str) -> Iterator[ErrorDetail]:
    for key in ("displayText", "text", "fillInText"):  # `data` <= 300 is in the spec
        yield from _length(_join(path, key), obj.get(key), 0, MAX_ACTION_TEXT)
    if "text" in obj and "displayText" in obj:
        yield ErrorDetail("text and displayText cannot both be specified", path)


@_extra("MessageAction")
def _message_action(obj: dict, path: str) -> Iterator[ErrorDetail]:
    if "text" not in obj:
        yield ErrorDetail("must be specified", _join(path, "text"))
    yield from _length(_join(path, "text"), obj.get("text"), 1, MAX_ACTION_TEXT)


@_extra("URIAction")
def _uri_action(obj: dict, path: str) -> Iterator[ErrorDetail]:
    if "uri" not in obj:
        yield ErrorDetail("must be specified", _join(path, "uri"))
    yield from _uri(_join(path, "uri"), obj.get("uri"))


@_extra("URIImagemapAction")
def _uri_imagemap_action(obj: dict, path: str) -> Iterator[ErrorDetail]:
    yield from _uri(_join(path, "linkUri"), obj.get("linkUri"))


def _template_text(
    obj: dict, path: str, limit: int, with_image_limit: int
) -> Iterator[ErrorDetail]:
    has_header = bool(obj.get("thumbnailImageUrl") or obj.get("title"))
    yield from _length(
        _join(path, "text"), obj.get("text"), 1, with_image_limit if has_header else limit
    )
    yield from _length(_join(path, "title"), obj.get("title"), 0, 40)
    yield from _https_url(_join(path, "thumbnailImageUrl"), obj.get("thumbnailImageUrl"))


def _action_labels(obj: dict, path: str, lo: int, hi: int, limit: int) -> Iterator[ErrorDetail]:
    yield from _size(_join(path, "actions"), obj.get("actions"), lo, hi)
    for i, action in enumerate(_items(obj, "actions")):
        yield from _label(f"{_join(path, 'actions')}[{i}]", action, limit)


@_extra("ButtonsTemplate")
def _buttons_template(obj: dict, path: str) -> Iterator[ErrorDetail]:
    yield from _template_text(obj, path, 160, 60)
    yield from _action_labels(obj, path, 1, 4, LABEL_TEMPLATE)


@_extra("ConfirmTemplate")
def _confirm_template(obj: dict, path: str) -> Iterator[ErrorDetail]:
    yield from _length(_join(path, "text"), obj.get("text"), 1, 240)
    yield from _action_labels(obj, path, 2, 2, LABEL_TEMPLATE)


@_extra("CarouselTemplate", "ImageCarouselTemplate")
def _carousel_template(obj: dict, path: str) -> Iterator[ErrorDetail]:
    yield from _size(_join(path, "columns"), obj.get("columns"), 1, 10)


@_extra("CarouselColumn")
def _carousel_column(obj: dict, path: str) -> Iterator[ErrorDetail]:
    yield from _template_text(obj, path, 120, 60)
    yield from _action_labels(obj, path, 1, 3, LABEL_TEMPLATE)


@_extra("ImageCarouselColumn")
def _image_carousel_column(obj: dict, path: str) -> Iterator[ErrorDetail]:
    yield from _https_url(_join(path, "imageUrl"), obj.get("imageUrl"))
    action = obj.get("action")
    yield from _label(_join(path, "action"), action, LABEL_IMAGE_CAROUSEL, required=False)


@_extra("RichMenuArea")
def _rich_menu_area(obj: dict, path: str) -> Iterator[ErrorDetail]:
    yield from _label(_join(path, "action"), obj.get("action"), LABEL_RICH_MENU, required=False)


@_extra("RichMenuRequest")
def _rich_menu(obj: dict, path: str) -> Iterator[ErrorDetail]:
    """The spec marks nothing required; the reference requires all five and bounds the size."""
    for key in ("size", "selected", "name", "chatBarText", "areas"):
        if key not in obj:
            yield ErrorDetail("must be specified", _join(path, key))
    yield from _size(_join(path, "areas"), obj.get("areas"), 1, 20)
    size = obj.get("size")
    if isinstance(size, dict):
        width, height = size.get("width"), size.get("height")
        if isinstance(width, int) and isinstance(height, int) and height > 0:
            if not 800 <= width <= 2500:
                yield ErrorDetail("width must be between 800 and 2500", _join(path, "size.width"))
            if height < 250:
                yield ErrorDetail("height must be at least 250", _join(path, "size.height"))
            if width / height < 1.45:
                yield ErrorDetail("width / height must be at least 1.45", _join(path, "size"))


@_extra("ShowLoadingAnimationRequest")
def _loading(obj: dict, path: str) -> Iterator[ErrorDetail]:
    seconds = obj.get("loadingSeconds")
    if isinstance(seconds, int) and seconds % 5:
        yield ErrorDetail("must be a multiple of 5", _join(path, "loadingSeconds"))


# --------------------------------------------------------------------------- the walker


class _Walker:
    """Collects ErrorDetails while walking one value against one schema."""

    def __init__(self) -> None:
        self.errors: list[ErrorDetail] = []

    def ref(self, ref: str, value: Any, path: str, *, dispatch: bool = True) -> None:
        """Validate against a named schema.

        `dispatch=False` is used for `allOf` parents: FlexBox lists FlexComponent in its allOf,
        and re-dispatching on FlexComponent's discriminator there would loop forever.
        """
        schema = _resolve(ref)
        disc = schema.get("discriminator")
        if disc and dispatch and isinstance(value, dict):
            prop, mapping = disc["propertyName"], disc.get("mapping", {})
            tag = value.get(prop)
            if tag is None:
                self.errors.append(ErrorDetail("must be specified", _join(path, prop)))
            elif not isinstance(tag, str) or tag not in mapping:
                allowed = ", ".join(mapping)
                self.errors.append(
                    ErrorDetail(
                        f"invalid type {tag!r}; must be one of: {allowed}", _join(path, prop)
                    )
                )
            else:
                self.ref(mapping[tag], value, path, dispatch=False)
            return
        self.node(schema, value, path)
        if isinstance(value, dict):
            # Reached directly (not through the parent's discriminator): the tag must still fit.
            if dispatch and ref in _subtype_tags():
                prop, tags = _subtype_tags()[ref]
                if value.get(prop) not in tags:
                    self.errors.append(
                        ErrorDetail(f"must be one of: {', '.join(sorted(tags))}", _join(path, prop))
                    )
            check = _EXTRA_CHECKS.get(ref)
            if check:
                self.errors.extend(check(value, path))

    def node(self, schema: dict, value: Any, path: str) -> None:
        if "$ref" in schema:
            self.ref(schema["$ref"], value, path)
            return
        expected = schema.get("type")
        if value is None and schema.get("nullable"):
            return
        if expected and not _JSON_TYPES[expected](value):
            article = "an" if expected[0] in "aeiou" else "a"
            self.errors.append(ErrorDetail(f"must be {article} {expected}", path))
            return
        for part in schema.get("allOf", ()):
            if "$ref" in part:
                self.ref(part["$ref"], value, path, dispatch=False)
            else:
                self.node(part, value, path)
        if "enum" in schema and value not in schema["enum"]:
            allowed = ", ".join(map(str, schema["enum"]))
            self.errors.append(ErrorDetail(f"must be one of: {allowed}", path))
        if isinstance(value, str):
            self._string(schema, value, path)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            self._number(schema, value, path)
        elif isinstance(value, list):
            self._array(schema, value, path)
        elif isinstance(value, dict):
            self._object(schema, value, path)

    def _string(self, schema: dict, value: str, path: str) -> None:
        if "minLength" in schema or "maxLength" in schema:
            lo, hi = schema.get("minLength", 0), schema.get("maxLength", 2**31)
            self.errors.extend(_length(path, value, lo, hi))
        if "pattern" in schema and not re.search(schema["pattern"], value):
            self.errors.append(ErrorDetail(f"must match {schema['pattern']}", path))

    def _number(self, schema: dict, value: float, path: str) -> None:
        if "minimum" in schema and value < schema["minimum"]:
            self.errors.append(
                ErrorDetail(f"must be greater than or equal to {schema['minimum']}", path)
            )
        if "maximum" in schema and value > schema["maximum"]:
            self.errors.append(
                ErrorDetail(f"must be less than or equal to {schema['maximum']}", path)
            )

    def _array(self, schema: dict, value: list, path: str) -> None:
        if "minItems" in schema or "maxItems" in schema:
            lo, hi = schema.get("minItems", 0), schema.get("maxItems", 2**31)
            self.errors.extend(_size(path, value, lo, hi))
        if "items" in schema:
            for i, item in enumerate(value):
                self.node(schema["items"], item, f"{path}[{i}]")

    def _object(self, schema: dict, value: dict, path: str) -> None:
        for key in schema.get("required", ()):
            if key not in value:
                self.errors.append(ErrorDetail("must be specified", _join(path, key)))
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                self.node(properties[key], item, _join(path, key))
            elif isinstance(schema.get("additionalProperties"), dict):
                self.node(schema["additionalProperties"], item, _join(path, key))


# --------------------------------------------------------------------------- public API


def validate_request(operation: str, body: Any) -> list[ErrorDetail]:
    """Errors for `body` as the request schema `operation` (e.g. "PushMessageRequest").

    Any schema name under components/schemas works ("FlexContainer", "Message", ...).
    An empty list means LINE would accept the body (as far as the spec and docs tell).
    """
    if operation not in load_spec()["components"]["schemas"]:
        raise ValueError(f"no schema named {operation!r} in {SPEC_PATH.name}")
    walker = _Walker()
    walker.ref(_SCHEMA_PREFIX + operation, body, "")
    return walker.errors


def validate_messages(messages: list[dict]) -> list[str]:
    """Problems in a list of message objects (dicts), as "messages[0].text: reason" strings.

    For the app's own unit tests: build Flex messages, `.to_dict()` them if they are SDK
    models, and assert `validate_messages([...]) == []`.
    """
    walker = _Walker()
    walker.node(
        {
            "type": "array",
            "minItems": 1,
            "maxItems": 5,
            "items": {"$ref": _SCHEMA_PREFIX + "Message"},
        },
        messages,
        "messages",
    )
    return [str(error) for error in walker.errors]
