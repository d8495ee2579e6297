"""The packaged Sarabun font: the only font Prakat renders Thai with.

Every renderer (PDF, rich menu, charts) asks this module for font files, so a missing or broken
``fontpkg-sarabun`` install fails loudly in one place instead of silently falling back to a system
font without Thai glyphs.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.font_manager import FontProperties

FAMILY = "Sarabun"
_FILES = {"regular": "Sarabun-Regular.ttf", "bold": "Sarabun-Bold.ttf"}
_mpl_lock = threading.Lock()
_registered: set[Path] = set()


class FontMissingError(RuntimeError):
    """The packaged Sarabun font cannot be found; Thai cannot be rendered."""


@cache
def sarabun_path(*, bold: bool = False) -> Path:
    """Path of the packaged Sarabun TTF (regular or bold); raise FontMissingError if absent."""
    name = _FILES["bold" if bold else "regular"]
    try:
        import fontpkg_sarabun
    except ImportError as exc:
        raise FontMissingError(
            "Thai font package 'fontpkg-sarabun' is not installed; "
            "install requirements.txt (pip install fontpkg-sarabun==1.0)"
        ) from exc
    path = Path(fontpkg_sarabun.ROOT) / "files" / name
    if not path.is_file():
        raise FontMissingError(f"Sarabun font file missing: {path} (reinstall fontpkg-sarabun)")
    return path


def matplotlib_font(*, bold: bool = False) -> FontProperties:
    """Font properties pinned to the packaged file, after registering it with matplotlib.

    Registration (once per process) makes the family name resolvable too; the returned
    properties name the file itself so a system font called Sarabun can never be picked instead.
    """
    from matplotlib import font_manager  # imported lazily: PDF-only callers skip matplotlib

    path = sarabun_path(bold=bold)
    with _mpl_lock:
        if path not in _registered:
            font_manager.fontManager.addfont(str(path))
            _registered.add(path)
    return font_manager.FontProperties(fname=str(path))
