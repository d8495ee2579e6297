"""An office's logo from the console: an uploaded picture, checked by opening it (not by its
name), scaled to what a letterhead needs, and kept as a PNG under DATA_DIR/logos named by its
content, so a changed logo never overwrites the file an older notice was drawn with."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from models import Office

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 600  # px: a letterhead draws it about 2.5 cm tall
FORMATS = ("PNG", "JPEG")


class LogoRefused(ValueError):
    """The upload is not a usable picture; the message says why, in Thai."""


def store(config, office: Office, data: bytes) -> Path:
    """Check `data` and keep it; the path to give the office (an org file's `logo:`)."""
    if not data:
        raise LogoRefused("กรุณาเลือกไฟล์ภาพตราสำนักงาน (PNG หรือ JPEG) ก่อนกดบันทึกค่ะ")
    if len(data) > MAX_BYTES:
        raise LogoRefused("ไฟล์ภาพใหญ่เกินไปค่ะ (ไม่เกิน 2 MB)")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()  # a truncated or forged file fails here
        if kind not in FORMATS:
            raise LogoRefused("ตราสำนักงานต้องเป็นไฟล์ PNG หรือ JPEG ค่ะ")
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            picture = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise LogoRefused("เปิดไฟล์นี้เป็นภาพไม่ได้ค่ะ กรุณาใช้ไฟล์ PNG หรือ JPEG") from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)  # re-encoded: no metadata, no trailing bytes
    clean = out.getvalue()
    kept = folder(config)
    kept.mkdir(parents=True, exist_ok=True)
    path = kept / f"{office.key}-{hashlib.sha256(clean).hexdigest()[:16]}.png"
    if not path.exists():
        path.write_bytes(clean)
    return path


def folder(config) -> Path:
    """Where the console keeps logos; the only place an office's logo may be set from there."""
    return (Path(config.data_dir) / "logos").resolve()
