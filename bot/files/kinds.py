"""What a file is, judged by its bytes: the kinds we accept, sniffing, and whether a document
sent as a file can be taken.

A file name is only what the sender typed; the kind of a file is decided from its content,
and the name is used for nothing but the Thai message when the two disagree.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import filetype

from bot.files.names import EXTENSION_KINDS, safe_display_name, split_extension

if TYPE_CHECKING:
    from pypdf import PdfReader

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
    "jpeg": "ภาพ JPEG",
    "png": "ภาพ PNG",
}
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
            return _refused(f"ภาพ {guess.extension.upper()}")
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
        claimed = EXTENSION_KINDS.get(
            split_extension(safe_display_name(declared_name))[1].lower()
        )
        if claimed and claimed != sniffed.kind:
            reason = f"ไฟล์นี้ไม่ใช่ {_LABELS[claimed]} ตามที่ตั้งชื่อไว้ (ตรวจพบว่าเป็น{sniffed.label})"
        else:
            reason = f"ไฟล์นี้เป็น{sniffed.label} ซึ่งไม่ใช่เอกสารที่รับได้"
        if sniffed.kind in ALLOWED_IMAGE_TYPES:
            reason += " หากเป็นภาพกิจกรรม กรุณาส่งเป็นภาพแทน"
        return sniffed, f"{reason} — {_ACCEPTED_TEXT}"
    if sniffed.kind == "pdf" and _pdf_locked(data):
        return sniffed, _PASSWORD_PROBLEM
    return sniffed, None


def open_pdf(data: bytes) -> PdfReader | None:
    """A reader with the document open, or None when pypdf cannot open it without a password.
    An owner password (which only restricts printing or copying) opens with an empty one."""
    # pypdf costs about 0.1 s to import and only an uploaded PDF needs it: loaded on first use.
    from pypdf import PasswordType, PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        return None
    return reader


def _pdf_locked(data: bytes) -> bool:
    """True only when the PDF certainly needs a password to open; a file pypdf cannot judge
    is given the benefit of the doubt, since viewers open many PDFs that pypdf dislikes."""
    try:
        return open_pdf(data) is None
    except Exception:  # any parser failure means "cannot tell"
        return False

