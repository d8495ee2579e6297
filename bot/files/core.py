"""What staff send us, judged by its bytes: sniffing, refusing, naming, storing and cleaning.

A file name is only what the sender typed; the kind of a file is decided from its content,
and the name is used for nothing but the Thai message when the two disagree.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from urllib.parse import quote

import filetype
from PIL import Image, ImageOps
from pypdf import PasswordType, PdfReader

ALLOWED_DOCUMENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "zip": "application/zip",
}
# LINE delivers photos as JPEG; PNG covers screenshots. WebP and HEIC are left out because
# LINE image messages accept only JPEG and PNG, and Pillow cannot decode HEIC on its own.
ALLOWED_IMAGE_TYPES: dict[str, str] = {"jpeg": "image/jpeg", "png": "image/png"}

_LABELS = {
    "pdf": "PDF",
    "doc": "Word",
    "docx": "Word",
    "xls": "Excel",
    "xlsx": "Excel",
    "ppt": "PowerPoint",
    "pptx": "PowerPoint",
    "odt": "OpenDocument ข้อความ",
    "ods": "OpenDocument ตารางคำนวณ",
    "odp": "OpenDocument งานนำเสนอ",
    "zip": "ZIP",
    "jpeg": "รูปภาพ JPEG",
    "png": "รูปภาพ PNG",
}
# File name extensions, for reading what a sender claims and for dropping it from titles.
_EXTENSION_KINDS = {kind: kind for kind in _LABELS} | {"jpg": "jpeg", "jpe": "jpeg"}
_ACCEPTED_TEXT = "รับเฉพาะ PDF, Word, Excel, PowerPoint, OpenDocument หรือ ZIP"
_PASSWORD_PROBLEM = "ไฟล์นี้ตั้งรหัสผ่านไว้ ผู้อ่านจะเปิดไม่ได้ กรุณาเอารหัสผ่านออกแล้วส่งใหม่"
_MACRO_PROBLEM = (
    "ไฟล์นี้มีแมโคร (macro) ซึ่งอาจเป็นอันตรายต่อผู้เปิด "
    "กรุณาบันทึกเป็นไฟล์ Word, Excel หรือ PowerPoint แบบไม่มีแมโครแล้วส่งใหม่"
)

_CFB_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_ODF_KINDS = {ALLOWED_DOCUMENT_TYPES[k]: k for k in ("odt", "ods", "odp")}
_OOXML_PARTS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    RuntimeError,
    NotImplementedError,
    ValueError,
    zlib.error,
)

# Phones shoot up to 50 MP; anything larger is refused rather than decoded into memory.
# Pillow's limit is process-wide: it warns above it and raises above twice it.
MAX_IMAGE_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


@dataclass(frozen=True)
class Sniffed:
    """What the bytes are. ``kind`` is set only for kinds we accept; ``label`` describes the file
    in Thai either way; ``problem`` explains why a recognised file still cannot be taken."""

    kind: str | None
    mime: str | None
    label: str
    problem: str | None = None

    @property
    def extension(self) -> str | None:
        return "jpg" if self.kind == "jpeg" else self.kind


def _accepted(kind: str) -> Sniffed:
    mime = ALLOWED_DOCUMENT_TYPES.get(kind) or ALLOWED_IMAGE_TYPES[kind]
    return Sniffed(kind, mime, _LABELS[kind])


def _refused(label: str, problem: str | None = None) -> Sniffed:
    return Sniffed(None, None, label, problem)


def sniff(data: bytes) -> Sniffed:
    """Identify a file from its content alone."""
    if not data:
        return _refused("ไฟล์ว่าง")
    if data.startswith(_CFB_MAGIC):
        return _sniff_compound_file(data)
    if data.startswith(_ZIP_MAGICS):
        return _sniff_zip(data)
    guess = filetype.guess(data)
    if guess is not None:
        kind = {"pdf": "pdf", "jpg": "jpeg", "png": "png", "apng": "png"}.get(guess.extension)
        if kind:
            return _accepted(kind)
        if guess.extension in ("elf", "exe"):
            return _refused("ไฟล์โปรแกรม")
        if guess.mime.startswith("image/"):
            return _refused(f"รูปภาพ {guess.extension.upper()}")
        return _refused(f"ไฟล์ {guess.extension.upper()}")
    if data.startswith(b"#!"):
        return _refused("ไฟล์สคริปต์")
    return _refused("ไฟล์ชนิดที่ไม่รู้จัก")


def _cfb_entries(data: bytes, names: tuple[str, ...]) -> set[str]:
    """Which of ``names`` are streams or storages of an OLE2 compound file.

    Directory entries are 128-byte records in sectors after the 512-byte header, so a real
    entry starts at a multiple of 128 with its UTF-16 name, then the name's byte length and
    its object type (1 storage, 2 stream). Checking that is far cheaper than walking the FAT.
    """
    found = set()
    for name in names:
        encoded = (name + "\0").encode("utf-16-le")
        size = len(encoded).to_bytes(2, "little")
        pos = data.find(encoded, 512)
        while pos != -1:
            if (
                pos % 128 == 0
                and data[pos + 64 : pos + 66] == size
                and data[pos + 66 : pos + 67] in (b"\x01", b"\x02")
            ):
                found.add(name)
                break
            pos = data.find(encoded, pos + 1)
    return found


def _sniff_compound_file(data: bytes) -> Sniffed:
    """Legacy .doc/.xls/.ppt, told apart by their main stream. Password-protected .docx/.xlsx/
    .pptx are compound files too (an ``EncryptedPackage`` stream), as are MSI installers."""
    entries = _cfb_entries(
        data,
        (
            "WordDocument",
            "Workbook",
            "Book",
            "PowerPoint Document",
            "EncryptedPackage",
            "Macros",
            "_VBA_PROJECT_CUR",
        ),
    )
    if "EncryptedPackage" in entries:
        return _refused("เอกสาร Office ที่ตั้งรหัสผ่าน", _PASSWORD_PROBLEM)
    if entries & {"Macros", "_VBA_PROJECT_CUR"}:
        return _refused("เอกสาร Office ที่มีแมโคร", _MACRO_PROBLEM)
    if "WordDocument" in entries:
        return _accepted("doc")
    if entries & {"Workbook", "Book"}:
        return _accepted("xls")
    if "PowerPoint Document" in entries:
        return _accepted("ppt")
    return _refused("ไฟล์ชนิดที่ไม่รู้จัก")


def _sniff_zip(data: bytes) -> Sniffed:
    """OpenDocument by its ``mimetype`` member, OOXML by ``[Content_Types].xml`` and its main
    folder, Java/Android packages refused as programs; any other readable archive is a ZIP."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    odf_kind = _ODF_KINDS.get(member.read(100).decode("ascii", "replace").strip())
                if odf_kind:
                    return _accepted(odf_kind)
    except _ZIP_ERRORS:
        return _refused("ไฟล์ ZIP ที่เสียหาย")
    if "[Content_Types].xml" in names:
        for prefix, kind in _OOXML_PARTS.items():
            if any(name.startswith(prefix) for name in names):
                if any(name.endswith("vbaProject.bin") for name in names):
                    return _refused(f"{_LABELS[kind]} ที่มีแมโคร", _MACRO_PROBLEM)
                return _accepted(kind)
    if {"META-INF/MANIFEST.MF", "AndroidManifest.xml"} & set(names):
        return _refused("ไฟล์โปรแกรม")
    return _accepted("zip")


def check_document(data: bytes, declared_name: str) -> tuple[Sniffed, str | None]:
    """Sniff a document a staff member sent as a file: ``(sniffed, None)`` when it can be taken,
    ``(sniffed, Thai reason)`` when not. The declared name only shapes the wording."""
    sniffed = sniff(data)
    if not data:
        return sniffed, "ไฟล์นี้ว่างเปล่า กรุณาส่งใหม่อีกครั้ง"
    if sniffed.problem:
        return sniffed, sniffed.problem
    if sniffed.kind not in ALLOWED_DOCUMENT_TYPES:
        claimed = _EXTENSION_KINDS.get(
            _split_extension(safe_display_name(declared_name))[1].lower()
        )
        if claimed and claimed != sniffed.kind:
            reason = f"ไฟล์นี้ไม่ใช่ {_LABELS[claimed]} ตามที่ตั้งชื่อไว้ (ตรวจพบว่าเป็น{sniffed.label})"
        else:
            reason = f"ไฟล์นี้เป็น{sniffed.label} ซึ่งไม่ใช่เอกสารที่รับได้"
        if sniffed.kind in ALLOWED_IMAGE_TYPES:
            reason += " หากเป็นรูปกิจกรรม กรุณาส่งเป็นรูปภาพแทน"
        return sniffed, f"{reason} — {_ACCEPTED_TEXT}"
    if sniffed.kind == "pdf" and _pdf_locked(data):
        return sniffed, _PASSWORD_PROBLEM
    return sniffed, None


# --- names -------------------------------------------------------------------------------

# Characters Windows cannot save in a name: slashes become hyphens (titles such as
# "คำสั่งที่ 12/2569" are common), the rest become spaces.
_SLASHES = re.compile(r"[/\\]")
_WINDOWS_UNSAFE = re.compile(r'[<>:"|?*]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)
}


def _drop_unseen(text: str) -> str:
    """Remove control and format characters: bidi overrides (U+202E shows "fdp.exe" as
    "exe.pdf"), zero-width characters, BOMs and NULs. Line breaks and tabs become spaces."""
    return "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or not unicodedata.category(ch).startswith("C")
    )


def _clean_text(text: str) -> str:
    """NFC, visible characters only, single spaces, no leading dots or spaces."""
    text = _drop_unseen(unicodedata.normalize("NFC", text or ""))
    return " ".join(text.split()).lstrip(". ")


def _cut(text: str, limit: int) -> str:
    """Shorten without splitting a Thai syllable's marks from their consonant or leaving
    a leading vowel (เ แ โ ใ ไ) stranded at the end."""
    if len(text) <= limit:
        return text
    end = max(limit, 0)
    while end > 0 and unicodedata.category(text[end]) == "Mn":
        end -= 1
    return text[:end].rstrip().rstrip("เแโใไ").rstrip()


def _split_extension(name: str) -> tuple[str, str]:
    """``(stem, ext)`` when the name ends in a plausible extension (1-10 ASCII letters or
    digits after a dot), else ``(name, "")``."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem and len(ext) <= 10 and ext.isascii() and ext.isalnum():
        return stem, ext
    return name, ""


def _strip_known_extension(name: str) -> str:
    stem, ext = _split_extension(name)
    return stem if ext.lower() in _EXTENSION_KINDS else name


def _shorten(text: str, max_len: int) -> str:
    """At most ``max_len`` characters, keeping the extension and marking the cut with …."""
    if len(text) <= max_len:
        return text
    stem, ext = _split_extension(text)
    if ext and max_len > len(ext) + 2:
        return _cut(stem, max_len - len(ext) - 2) + "…." + ext
    return _cut(text, max_len - 1) + "…"


def safe_display_name(name: str, max_len: int = 120) -> str:
    """A file name fit to show people: the last path segment only, no invisible or
    direction-changing characters, no leading dots, single spaces, at most ``max_len``
    characters with the extension kept; ``ไฟล์`` when nothing is left."""
    last_segment = _SLASHES.split(name or "")[-1]
    return _shorten(_clean_text(last_segment), max_len) or "ไฟล์"


def _saveable_text(text: str) -> str:
    return _clean_text(_WINDOWS_UNSAFE.sub(" ", _SLASHES.sub("-", text or "")))


def _portable(name: str) -> str:
    """A name every operating system can save. Eighty characters keep a Thai name (three
    bytes a character in UTF-8) under the usual 255-byte limit."""
    text = _shorten(_saveable_text(name), 80).rstrip(". ")
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = "_" + text
    return text or "ไฟล์"


def download_filename(title_or_name: str, ext: str) -> str:
    """The name a downloaded file gets: the title (Thai kept) with the extension its bytes
    deserve, e.g. ``("คำสั่งที่ 12/2569", "pdf")`` -> ``คำสั่งที่ 12-2569.pdf``."""
    ext = ext.lower().lstrip(".")
    if not (ext.isascii() and ext.isalnum() and 0 < len(ext) <= 10):
        raise ValueError(f"not a file extension: {ext!r}")
    stem = _strip_known_extension(_saveable_text(title_or_name)).rstrip(" .") or "ไฟล์"
    return _portable(f"{stem}.{ext}")


def ascii_filename(name: str) -> str:
    """ASCII-only stand-in for clients that ignore ``filename*``: letters, digits, ``-`` and
    ``_`` survive; a stem without Latin letters becomes ``file`` (``file-1.pdf``)."""
    stem, ext = _split_extension(_portable(name))
    ascii_stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_")
    if not re.search(r"[A-Za-z]", ascii_stem):
        ascii_stem = f"file-{ascii_stem}" if ascii_stem else "file"
    return f"{ascii_stem}.{ext}" if ext else ascii_stem


def content_disposition(name: str, inline: bool = False) -> str:
    """A Content-Disposition value with an ASCII fallback and the UTF-8 name (RFC 6266/5987)."""
    portable = _portable(name)
    disposition = "inline" if inline else "attachment"
    return (
        f'{disposition}; filename="{ascii_filename(portable)}"; '
        f"filename*=UTF-8''{quote(portable, safe='')}"
    )


def title_from_filename(name: str) -> str:
    """A suggested title: extension dropped, ``_`` and word-joining ``-`` turned into spaces
    (a ``-`` between digits, as in 2569-2570, stays); ``""`` when nothing usable is left."""
    text = _strip_known_extension(_clean_text(_SLASHES.split(name or "")[-1]))
    text = re.sub(r"_|(?<!\d)-|-(?!\d)", " ", text)
    return _cut(" ".join(text.split()), 200).strip(" .")


# --- storage -----------------------------------------------------------------------------

_SHA_RE = re.compile(r"[0-9a-f]{64}")


class ContentStore:
    """Files kept by the SHA-256 of their bytes under ``root/ab/cd/<sha>``: the same upload
    stored twice takes the space once, and a file on disk is always complete."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, sha: str) -> Path:
        if not isinstance(sha, str) or not _SHA_RE.fullmatch(sha):
            raise ValueError(f"not a SHA-256 hex digest: {sha!r}")
        return self.root / sha[:2] / sha[2:4] / sha

    def exists(self, sha: str) -> bool:
        """A malformed id simply does not exist."""
        try:
            return self.path(sha).is_file()
        except ValueError:
            return False

    def put(self, data: bytes) -> str:
        sha = sha256(data).hexdigest()
        target = self.path(sha)
        if target.is_file():
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename, so readers never see half a file.
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return sha

    def open(self, sha: str) -> bytes:
        return self.path(sha).read_bytes()


# --- images and PDFs -----------------------------------------------------------------------


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


def _pdf_reader(data: bytes) -> PdfReader | None:
    """A reader with the document open, or None when pypdf cannot open it without a password.
    An owner password (which only restricts printing or copying) opens with an empty one."""
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        return None
    return reader


def _pdf_locked(data: bytes) -> bool:
    """True only when the PDF certainly needs a password to open; a file pypdf cannot judge
    is given the benefit of the doubt, since viewers open many PDFs that pypdf dislikes."""
    try:
        return _pdf_reader(data) is None
    except Exception:  # any parser failure means "cannot tell"
        return False


def pdf_page_count(data: bytes) -> int | None:
    """Number of pages, or None when the PDF is unreadable or locked by a password."""
    try:
        reader = _pdf_reader(data)
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
