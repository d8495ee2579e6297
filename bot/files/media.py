"""Cleaning and measuring what staff send: photos without their metadata, small previews for
LINE, the page count of a PDF, and sizes as people read them.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from bot.files.kinds import ALLOWED_IMAGE_TYPES, open_pdf, sniff

# Phones shoot up to 50 MP; anything larger is refused rather than decoded into memory.
# Pillow's limit is process-wide: it warns above it and raises above twice it.
MAX_IMAGE_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


def _open_image(data: bytes) -> Image.Image:
    """Open a JPEG or PNG for decoding, refusing anything else and oversized images."""
    sniffed = sniff(data)
    if sniffed.kind not in ALLOWED_IMAGE_TYPES:
        raise ValueError(f"not a JPEG or PNG image ({sniffed.label})")
    try:
        image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValueError("image is too large") from exc
    except OSError as exc:
        raise ValueError("image cannot be read") from exc
    if image.width * image.height > MAX_IMAGE_PIXELS:
        image.close()
        raise ValueError(f"image is too large ({image.width}x{image.height})")
    return image


def strip_image_metadata(data: bytes) -> tuple[bytes, str]:
    """Re-encode a photo without EXIF (GPS position, camera serial), XMP or comments, turned
    upright first since the orientation tag goes too. The colour profile is kept.
    Returns ``(bytes, mime)``; PNG stays PNG, everything else becomes JPEG."""
    with _open_image(data) as image:
        is_png = image.format == "PNG"
        icc_profile = image.info.get("icc_profile")
        transparency = image.info.get("transparency")
        try:
            upright = ImageOps.exif_transpose(image)
        except (OSError, SyntaxError) as exc:
            raise ValueError("image cannot be read") from exc
    upright.info = {}  # JPEG comments and PNG text would otherwise be written back
    out = io.BytesIO()
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if is_png:
        if transparency is not None:
            options["transparency"] = transparency
        upright.save(out, "PNG", **options)
        return out.getvalue(), "image/png"
    if upright.mode not in ("RGB", "L", "CMYK"):
        upright = upright.convert("RGB")
    upright.save(out, "JPEG", quality=90, **options)
    return out.getvalue(), "image/jpeg"


def make_preview(data: bytes, max_side: int = 1024, max_bytes: int = 1_000_000) -> bytes:
    """A small upright JPEG for LINE's ``previewImageUrl`` (which allows at most 1 MB):
    transparency flattened onto white, quality and then size lowered until it fits."""
    with _open_image(data) as image:
        image.draft("RGB", (max_side, max_side))  # JPEG decodes straight at a smaller scale
        try:
            preview = ImageOps.exif_transpose(image)
        except (OSError, SyntaxError) as exc:
            raise ValueError("image cannot be read") from exc
    preview.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if preview.mode in ("RGBA", "LA", "PA") or "transparency" in preview.info:
        rgba = preview.convert("RGBA")
        preview = Image.new("RGB", rgba.size, "white")
        preview.paste(rgba, mask=rgba.getchannel("A"))
    elif preview.mode != "RGB":
        preview = preview.convert("RGB")
    while True:
        for quality in (85, 70, 55):
            out = io.BytesIO()
            preview.save(out, "JPEG", quality=quality, optimize=True)
            if out.tell() <= max_bytes:
                return out.getvalue()
        if preview.size == (1, 1):
            raise ValueError(f"cannot make a preview within {max_bytes} bytes")
        preview = preview.resize((max(1, preview.width * 3 // 4), max(1, preview.height * 3 // 4)))



def pdf_page_count(data: bytes) -> int | None:
    """Number of pages, or None when the PDF is unreadable or locked by a password."""
    try:
        reader = open_pdf(data)
        return None if reader is None else len(reader.pages)
    except Exception:  # pypdf raises many kinds of errors on damaged files
        return None


def human_size(n: int) -> str:
    """``512 ไบต์``, ``350 KB``, ``1.2 MB``, ``2.5 GB`` (1 KB = 1024 bytes, as file managers show)."""
    if n < 0:
        raise ValueError("size cannot be negative")
    if n < 1024:
        return f"{n} ไบต์"
    if round(n / 1024) < 1024:
        return f"{round(n / 1024)} KB"
    if round(n / 1024**2, 1) < 1024:
        return f"{n / 1024**2:.1f} MB"
    return f"{n / 1024**3:.1f} GB"
