"""Bar charts as PNG for LINE and the quarterly report, with Thai labels in packaged Sarabun.

matplotlib lays text out glyph by glyph without OpenType shaping: Thai tone marks vanish (ปู่ and
ที่ lose their mai ek) and stacked marks collide. So every caller-supplied string is shaped with HarfBuzz and drawn as glyph outlines; matplotlib
only draws bars, axes and the numbers (digits need no shaping), in Sarabun too.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import uharfbuzz as hb
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Affine2D, IdentityTransform

from bot.render.fonts import matplotlib_font, sarabun_path
from bot.render.palette import INK, MUTED, RULE, SERIES
from bot.thai.wrap import chunks, wrap

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH, HEIGHT, DPI = 1040, 700, 100  # pixels: fills a phone screen width in LINE
PAD = 28
TITLE_PX, LABEL_PX, TICK_PX, MIN_LABEL_PX = 32, 21, 17, 14
MAX_LABEL_LINES = 3


@dataclass(frozen=True)
class _Shaped:
    """A line of text as glyph outlines in pixels, baseline at y=0, starting at x=0."""

    path: Path
    width: float


class _Pen:
    """Collects HarfBuzz glyph outlines (fontTools pen protocol) as a matplotlib path."""

    def __init__(self, scale: float) -> None:
        self.scale, self.dx, self.dy = scale, 0.0, 0.0
        self.vertices: list[tuple[float, float]] = []
        self.codes: list[int] = []

    def _add(self, code: int, *points: tuple[float, float]) -> None:
        for x, y in points:
            self.vertices.append((self.dx + x * self.scale, self.dy + y * self.scale))
            self.codes.append(code)

    def moveTo(self, p: tuple[float, float]) -> None:  # noqa: N802 - fontTools pen protocol
        self._add(Path.MOVETO, p)

    def lineTo(self, p: tuple[float, float]) -> None:  # noqa: N802
        self._add(Path.LINETO, p)

    def qCurveTo(self, control: tuple[float, float], end: tuple[float, float]) -> None:  # noqa: N802
        # HarfBuzz splits TrueType curves into single-control quadratic segments.
        self._add(Path.CURVE3, control, end)

    def curveTo(self, *points: tuple[float, float]) -> None:  # noqa: N802
        # uharfbuzz requires the method; cubic outlines come only from CFF fonts, not Sarabun.
        self._add(Path.CURVE4, *points)

    def closePath(self) -> None:  # noqa: N802
        self._add(Path.CLOSEPOLY, (0.0, 0.0))


@cache
def _hb_font(bold: bool) -> hb.Font:
    return hb.Font(hb.Face(hb.Blob.from_file_path(str(sarabun_path(bold=bold)))))


@lru_cache(maxsize=2048)
def _shape(text: str, px: float, bold: bool) -> _Shaped:
    font = _hb_font(bold)
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(font, buf)
    pen = _Pen(px / font.face.upem)
    x = 0.0
    for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
        pen.dx, pen.dy = x + pos.x_offset * pen.scale, pos.y_offset * pen.scale
        font.draw_glyph_with_pen(info.codepoint, pen)
        x += pos.x_advance * pen.scale
    path = Path(pen.vertices, pen.codes) if pen.vertices else Path(((0, 0), (0, 0)))
    return _Shaped(path, x)


@cache
def _line_h(px: float) -> float:
    extents = _hb_font(False).get_font_extents("ltr")
    return (extents.ascender - extents.descender) / _hb_font(False).face.upem * px


def _lines(text: str, px: float, width: float, *, bold: bool = False) -> list[str]:
    return wrap(text, lambda s: _shape(s, px, bold).width <= width)


class _Canvas:
    """A figure addressed in pixels from the bottom-left, with a shaped-text drawer."""

    def __init__(self) -> None:
        self.fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, facecolor="white")
        FigureCanvasAgg(self.fig)

    def text(
        self,
        lines: list[str],
        x: float,
        top: float,
        px: float,
        *,
        bold: bool = False,
        color: str = INK,
        ha: str = "center",
    ) -> None:
        """Lines hanging down from ``top``, centred on ``x`` (or starting at it, ``ha="left"``)."""
        step = _line_h(px)
        for i, line in enumerate(lines):
            shaped = _shape(line, px, bold)
            dx = -shaped.width / 2 if ha == "center" else 0.0
            self._add(shaped, Affine2D().translate(x + dx, top - _ascent(px) - i * step), color)

    def vertical_text(self, lines: list[str], left: float, centre_y: float, px: float) -> None:
        """Lines rotated to read bottom-up (a y-axis title), the first one's top at ``left``."""
        for i, line in enumerate(lines):
            shaped = _shape(line, px, False)
            baseline_x = left + _ascent(px) + i * _line_h(px)
            turn = Affine2D().translate(-shaped.width / 2, 0).rotate_deg(90)
            self._add(shaped, turn.translate(baseline_x, centre_y), MUTED)

    def swatch(self, x: float, y: float, size: float, color: str) -> None:
        self.fig.add_artist(Rectangle(
            (x, y), size, size, transform=IdentityTransform(), facecolor=color, edgecolor="none"
        ))

    def _add(self, shaped: _Shaped, place: Affine2D, color: str) -> None:
        self.fig.add_artist(PathPatch(
            place.transform_path(shaped.path), transform=IdentityTransform(),
            facecolor=color, edgecolor="none",
        ))

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
        return buf.getvalue()


@cache
def _ascent(px: float) -> float:
    extents = _hb_font(False).get_font_extents("ltr")
    return extents.ascender / _hb_font(False).face.upem * px


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _category_labels(categories: list[str], slot: float) -> tuple[float, list[list[str]]]:
    """The largest label size (down to a floor) at which every label wraps into few lines
    without cutting a word; at the floor, longer labels are cut short with an ellipsis."""
    px = LABEL_PX
    while True:
        lines = [_lines(c, px, slot) for c in categories]
        words_fit = all(_shape(w, px, False).width <= slot
                        for c in categories for w in chunks(c) if not w.isspace())
        if words_fit and max(map(len, lines)) <= MAX_LABEL_LINES:
            return px, lines
        if px <= MIN_LABEL_PX:
            keep = MAX_LABEL_LINES - 1
            return px, [ls if len(ls) <= MAX_LABEL_LINES else [*ls[:keep], ls[keep] + "…"]
                        for ls in lines]
        px -= 1


def _legend(canvas: _Canvas, names: list[str], top: float) -> float:
    """Swatch-and-name entries in centred rows under the title; returns the y below them."""
    box, gap, step = LABEL_PX * 0.8, 28, _line_h(LABEL_PX)
    entries = [(n, box + 8 + _shape(n, LABEL_PX, False).width) for n in names]
    rows: list[list[tuple[str, float]]] = [[]]
    for entry in entries:
        used = sum(w for _, w in rows[-1]) + gap * len(rows[-1])
        if rows[-1] and used + entry[1] > WIDTH - 2 * PAD:
            rows.append([])
        rows[-1].append(entry)
    colors = (_color(k) for k in range(len(names)))
    for row in rows:
        x = (WIDTH - sum(w for _, w in row) - gap * (len(row) - 1)) / 2
        for name, w in row:
            canvas.swatch(x, top - step / 2 - box / 2, box, next(colors))
            canvas.text([name], x + box + 8, top, LABEL_PX, ha="left", color=MUTED)
            x += w + gap
        top -= step
    return top


def bar_chart_png(
    title: str,
    categories: list[str],
    series: dict[str, list[float]],
    *,
    xlabel: str = "",
    ylabel: str = "",
) -> bytes:
    """Grouped bars (one group per category, one bar per series) as a 1040x700 PNG."""
    if not categories or not series:
        raise ValueError("a bar chart needs at least one category and one series")
    for name, values in series.items():
        if len(values) != len(categories):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(categories)} categories")

    canvas = _Canvas()
    title_lines = _lines(title, TITLE_PX, WIDTH - 2 * PAD, bold=True)
    canvas.text(title_lines, WIDTH / 2, HEIGHT - PAD, TITLE_PX, bold=True)
    top = HEIGHT - PAD - len(title_lines) * _line_h(TITLE_PX) - 10
    if len(series) > 1:
        top = _legend(canvas, list(series), top) - 4

    values = [v for vs in series.values() for v in vs]
    # 15% headroom above the tallest bar (and below the lowest) for the value labels.
    y_range = (min(0.0, *values) * 1.15, max(0.0, *values) * 1.15 or 1.0)
    integral = all(float(v).is_integer() for v in values)
    locator = MaxNLocator(nbins=6, steps=[1, 2, 5, 10], integer=integral)
    tick_values = [t for t in locator.tick_values(*y_range) if y_range[0] <= t <= y_range[1]]
    tick_w = max(_shape(_number(t), TICK_PX, False).width for t in tick_values) + 12

    left = PAD + tick_w
    if ylabel:
        y_lines = _lines(ylabel, LABEL_PX, HEIGHT / 2)
        left += len(y_lines) * _line_h(LABEL_PX) + 6
    right = WIDTH - PAD
    bottom = PAD
    if xlabel:
        x_lines = _lines(xlabel, LABEL_PX, right - left)
        canvas.text(x_lines, (left + right) / 2, bottom + len(x_lines) * _line_h(LABEL_PX),
                    LABEL_PX, color=MUTED)
        bottom += len(x_lines) * _line_h(LABEL_PX) + 8
    slot = (right - left) / len(categories)
    label_px, cat_lines = _category_labels(categories, slot - 10)
    axes_bottom = bottom + max(map(len, cat_lines)) * _line_h(label_px) + 10
    if ylabel:
        canvas.vertical_text(y_lines, PAD, (axes_bottom + top) / 2, LABEL_PX)
    for i, lines in enumerate(cat_lines):
        canvas.text(lines, left + (i + 0.5) * slot, axes_bottom - 6, label_px)

    ax = canvas.fig.add_axes((
        left / WIDTH, axes_bottom / HEIGHT, (right - left) / WIDTH, (top - axes_bottom) / HEIGHT
    ))
    _draw_bars(ax, series, len(categories), y_range, tick_values)
    return canvas.png()


def _color(series_index: int) -> str:
    return SERIES[series_index % len(SERIES)]


def _draw_bars(
    ax: Axes,
    series: dict[str, list[float]],
    n: int,
    y_range: tuple[float, float],
    ticks: list[float],
) -> None:
    numbers = matplotlib_font()
    numbers.set_size(TICK_PX * 72 / DPI)
    group = 0.8
    width = group / len(series)
    show_values = n * len(series) <= 40
    for k, values in enumerate(series.values()):
        xs = [i - group / 2 + (k + 0.5) * width for i in range(n)]
        bars = ax.bar(xs, values, width * 0.92, color=_color(k), zorder=2)
        if show_values:
            ax.bar_label(bars, labels=[_number(v) for v in values], padding=3,
                         fontproperties=numbers, color=INK)
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(*y_range)
    ax.set_xticks([])
    ax.set_yticks(ticks, labels=[_number(t) for t in ticks], fontproperties=numbers, color=MUTED)
    ax.tick_params(axis="y", length=0, pad=8)
    ax.grid(axis="y", color=RULE, linewidth=1, zorder=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(MUTED)


def monthly_chart_png(title: str, months: list[str], counts: list[int]) -> bytes:
    """Items published per month: one bar per month, counts written on the bars."""
    return bar_chart_png(title, months, {"จำนวนรายการ": counts}, ylabel="จำนวนรายการ")
