"""Flex Message building blocks in the palette's colours, so every card looks alike and the
shapes LINE accepts are written once (the schema is LINE's Messaging API reference).

Each function returns the JSON dict LINE expects; the cards compose them. Actions are passed
in ready-made (bot.spine.messages builds postback actions; `uri` builds link actions).
"""

from __future__ import annotations

from bot.render.palette import BRAND, MUTED

MAX_BUBBLES = 12  # LINE refuses a carousel with more


def text(value: str, *, size: str = "sm", color: str | None = None, weight: str | None = None,
         wrap: bool = True, flex: int | None = None, margin: str | None = None,
         align: str | None = None, max_lines: int | None = None) -> dict:
    """A text; an empty one becomes "-", since LINE refuses empty texts."""
    node: dict = {"type": "text", "text": value or "-", "size": size, "wrap": wrap}
    optional = {"color": color, "weight": weight, "flex": flex, "margin": margin,
                "align": align, "maxLines": max_lines}
    node.update({key: v for key, v in optional.items() if v is not None})
    return node


def title(value: str, *, size: str = "md") -> dict:
    """A card's heading: bold, in the brand colour."""
    return text(value, size=size, weight="bold", color=BRAND)


def note(value: str, *, size: str = "xs", color: str = MUTED, margin: str | None = None) -> dict:
    """A small secondary line (muted unless it must stand out)."""
    return text(value, size=size, color=color, margin=margin)


def row(label: str, value: str, *, label_flex: int = 2, value_flex: int = 5,
        bold: bool = False, end: bool = False) -> dict:
    """A muted label beside its value on one baseline; `end` right-aligns the value."""
    return box([text(label, color=MUTED, flex=label_flex),
                text(value, flex=value_flex, weight="bold" if bold else None,
                     align="end" if end else None)], layout="baseline")


def uri(label: str, link: str) -> dict:
    """An action that opens `link`."""
    return {"type": "uri", "label": label, "uri": link}


def button(action: dict, style: str = "secondary") -> dict:
    """A small button; a primary one is filled with the brand colour."""
    node = {"type": "button", "style": style, "height": "sm", "action": action}
    if style == "primary":
        node["color"] = BRAND
    return node


def separator(margin: str | None = None) -> dict:
    return {"type": "separator", **({"margin": margin} if margin else {})}


def box(contents: list[dict], *, layout: str = "vertical", spacing: str = "sm",
        margin: str | None = None) -> dict:
    node = {"type": "box", "layout": layout, "spacing": spacing, "contents": contents}
    if margin:
        node["margin"] = margin
    return node


def image(url: str, *, ratio: str, mode: str = "cover", action: dict | None = None) -> dict:
    """A full-width picture, as a bubble's hero."""
    node = {"type": "image", "url": url, "size": "full", "aspectRatio": ratio, "aspectMode": mode}
    if action:
        node["action"] = action
    return node


def bubble(*, body: list[dict], header: list[dict] | None = None, hero: dict | None = None,
           footer: list[dict] | None = None, footer_layout: str = "vertical",
           size: str | None = None) -> dict:
    """A bubble from its blocks' contents; empty blocks are left out (LINE refuses empty boxes)."""
    node: dict = {"type": "bubble"}
    if size:
        node["size"] = size
    if header:
        node["header"] = box(header)
    if hero:
        node["hero"] = hero
    node["body"] = box(body)
    if footer:
        node["footer"] = box(footer, layout=footer_layout)
    return node


def carousel(bubbles: list[dict]) -> dict:
    if not 1 <= len(bubbles) <= MAX_BUBBLES:
        raise ValueError(f"a carousel holds 1-{MAX_BUBBLES} bubbles, got {len(bubbles)}")
    return {"type": "carousel", "contents": bubbles}
