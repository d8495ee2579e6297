"""Prakat's one set of colours: Flex cards, rich-menu images, charts and the title image.

The brand blue is #1f5fa8, the one most of the bot already drew with (the digest card and
report, the chart, the rich menu); cards that used #1F4E79 or #14325a now share it. The
deeper shade stays for large areas under white text, where the brand blue is too light.
"""

from __future__ import annotations

BRAND = "#1f5fa8"
BRAND_DEEP = "#14325a"  # big backgrounds under white text: the title image, rich-menu labels
INK = "#1f2933"
MUTED = "#52606d"
RULE = "#d9e2ec"  # grid lines and hairlines
TINT = "#e8eef5"  # quiet backgrounds
OK = "#2f7d4f"  # done: published
WARN = "#b45309"  # waiting for someone
ALERT = "#c2413b"  # a reminder: something is overdue

GREEN, ORANGE, PURPLE, TEAL, OCHRE = "#2f9e62", "#e07b24", "#7b4fb5", "#11879c", "#a3852b"
SERIES = (BRAND, ORANGE, GREEN, ALERT, PURPLE, TEAL, OCHRE)  # chart series, in this order
