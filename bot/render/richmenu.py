"""The LINE rich-menu image: a grid of labelled buttons, and the tap areas that match it.

LINE accepts JPEG or PNG, 800-2500 px wide, at least 250 px high, width/height at least 1.45,
at most 1 MB. Thai labels need complex text layout (libraqm) to place vowels and tone marks;
Pillow without raqm falls back to basic layout, where they may collide.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont, features

from bot.render.fonts import sarabun_path
from bot.render.palette import ALERT, BRAND, BRAND_DEEP, GREEN, ORANGE, PURPLE, TEAL, TINT
from bot.thai.wrap import chunks, wrap

MAX_BYTES = 1_000_000
MIN_WIDTH, MAX_WIDTH, MIN_HEIGHT, MIN_RATIO = 800, 2500, 250, 1.45


@dataclass(frozen=True)
class MenuTheme:
    """Colours as hex strings; each button's accent bar cycles through ``accents``."""

    background: str = TINT
    button: str = "#ffffff"
    text: str = BRAND_DEEP
    accents: tuple[str, ...] = (BRAND, GREEN, ORANGE, ALERT, PURPLE, TEAL)


def has_complex_layout() -> bool:
    """Whether Pillow can shape Thai (libraqm present)."""
    return bool(features.check("raqm"))


def _check_size(width: int, height: int) -> None:
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"rich menu width must be {MIN_WIDTH}-{MAX_WIDTH} px, got {width}")
    if height < MIN_HEIGHT:
        raise ValueError(f"rich menu height must be at least {MIN_HEIGHT} px, got {height}")
    if width / height < MIN_RATIO:
        raise ValueError(f"rich menu width/height must be at least {MIN_RATIO}, got {width}x{height}")


def rich_menu_areas(columns: int, rows: int, width: int = 2500, height: int = 843) -> list[dict]:
    """Bounds of each cell, left to right then top to bottom, tiling the image with no gap:
    cell edges are rounded once, so the last column and row absorb any remainder."""
    if columns < 1 or rows < 1:
        raise ValueError("a rich menu needs at least one column and one row")
    if columns * rows > 20:
        raise ValueError("LINE allows at most 20 areas in a rich menu")
    xs = [round(i * width / columns) for i in range(columns + 1)]
    ys = [round(j * height / rows) for j in range(rows + 1)]
    return [
        {"x": xs[i], "y": ys[j], "width": xs[i + 1] - xs[i], "height": ys[j + 1] - ys[j]}
        for j in range(rows)
        for i in range(columns)
    ]


def rich_menu_image(
    labels: list[str],
    *,
    columns: int,
    rows: int,
    width: int = 2500,
    height: int = 843,
    theme: MenuTheme = MenuTheme(),  # noqa: B008 - frozen, so a shared default is safe
) -> bytes:
    """PNG (or JPEG when smaller) of ``columns`` x ``rows`` buttons labelled in reading order.

    Callers uploading it tell the type from the first bytes (PNG starts with ``\\x89PNG``).
    """
    _check_size(width, height)
    areas = rich_menu_areas(columns, rows, width, height)
    if len(labels) != len(areas):
        raise ValueError(f"{len(labels)} labels for a {columns}x{rows} menu")

    image = Image.new("RGB", (width, height), theme.background)
    draw = ImageDraw.Draw(image)
    gap = max(6, min(width // columns, height // rows) // 40)
    boxes = []
    for area in areas:
        box = (area["x"] + gap, area["y"] + gap,
               area["x"] + area["width"] - gap, area["y"] + area["height"] - gap)
        boxes.append((box, max(8, (box[3] - box[1]) // 18)))
    # One text size for every button (the largest all labels fit), so no button shouts.
    size = min(_largest_size(label, _label_box(box, bar_h)) for label, (box, bar_h)
               in zip(labels, boxes, strict=True))
    font = _font(size)
    for n, (label, (box, bar_h)) in enumerate(zip(labels, boxes, strict=True)):
        radius = min(box[2] - box[0], box[3] - box[1]) // 10
        # The button in its accent colour, then its face over all but a strip at the top.
        draw.rounded_rectangle(box, radius=radius, fill=theme.accents[n % len(theme.accents)])
        draw.rounded_rectangle((box[0], box[1] + bar_h, box[2], box[3]), radius=radius,
                               fill=theme.button, corners=(False, False, True, True))
        _draw_label(draw, label, _label_box(box, bar_h), font, theme.text)
    return _encode(image)


def _label_box(box: tuple[int, int, int, int], bar_h: int) -> tuple[float, float, float, float]:
    """The part of a button the label may use: below the accent bar, with a margin."""
    left, top, right, bottom = box[0], box[1] + bar_h, box[2], box[3]
    mx, my = (right - left) * 0.07, (bottom - top) * 0.07
    return (left + mx, top + my, right - mx, bottom - my)


def _font(size: int) -> ImageFont.FreeTypeFont:
    layout = ImageFont.Layout.RAQM if has_complex_layout() else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(sarabun_path(bold=True)), size, layout_engine=layout)


def _lines(label: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    return wrap(label, lambda s: font.getlength(s) <= width)


def _largest_size(label: str, box: tuple[float, float, float, float]) -> int:
    """The largest size at which the label fits without cutting a word (12 px at least)."""
    box_w, box_h = box[2] - box[0], box[3] - box[1]
    size = int(box_h * 0.34)
    while size > 12:
        font = _font(size)
        ascent, descent = font.getmetrics()
        widest_word = max((font.getlength(c) for c in chunks(label) if not c.isspace()), default=0)
        if widest_word <= box_w and len(_lines(label, font, box_w)) * (ascent + descent) <= box_h:
            break
        size -= 2
    return size


def _draw_label(draw: ImageDraw.ImageDraw, label: str, box: tuple[float, ...],
                font: ImageFont.FreeTypeFont, color: str) -> None:
    """The label's lines centred in ``box``."""
    lines = _lines(label, font, box[2] - box[0])
    ascent, descent = font.getmetrics()
    top = box[1] + (box[3] - box[1] - len(lines) * (ascent + descent)) / 2
    centre = (box[0] + box[2]) / 2
    for i, line in enumerate(lines):
        draw.text((centre, top + i * (ascent + descent)), line, font=font, fill=color, anchor="ma")


def _encode(image: Image.Image) -> bytes:
    """The smaller of an optimised PNG and a JPEG; JPEG quality drops if needed to fit 1 MB."""
    png = io.BytesIO()
    image.save(png, format="PNG", optimize=True)
    best = png.getvalue()
    for quality in (92, 85, 75, 60):
        jpeg = io.BytesIO()
        image.save(jpeg, format="JPEG", quality=quality, optimize=True)
        if len(jpeg.getvalue()) < len(best):
            best = jpeg.getvalue()
        if len(best) <= MAX_BYTES:
            return best
    raise ValueError("rich menu image does not fit LINE's 1 MB limit")
