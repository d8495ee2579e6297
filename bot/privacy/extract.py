"""Text out of a submitted file, page by page: a PDF's text layer (OCR for a page that has none),
a Word document, a workbook's sheets, a photo read by OCR.

Everything is bounded so one huge or hostile file cannot wedge the worker: pages read, pages
OCRed, cells read, uncompressed size, and one time budget for the whole file, kept well under the
outbox lease (60 s) so a slow scan is never taken over and run twice. What did not fit is said
(`Extraction.complete`), never silently treated as checked.
"""

from __future__ import annotations

import io
import threading
import time
import zipfile
from dataclasses import dataclass, field

from PIL import Image

from bot.files.kinds import open_pdf
from bot.privacy import ocr

SUPPORTED = ("pdf", "docx", "xlsx", "jpeg", "png")
MAX_PAGES = 300
MAX_OCR_PAGES = 12
MAX_CELLS = 200_000
MAX_UNZIPPED = 60 * 1024 * 1024
TIME_BUDGET = 40.0  # seconds, for the whole file
THIN_PAGE = 20  # fewer letters than this and a PDF page is taken for a scan
RENDER_DPI = 300
_pdfium_lock = threading.Lock()  # PDFium is not thread-safe; the sender runs threads


@dataclass
class Page:
    number: int  # 1-based: a page, a sheet, or the one picture
    text: str
    method: str  # text | ocr


@dataclass
class Extraction:
    pages: list[Page] = field(default_factory=list)
    total: int = 0  # pages (sheets) the file has
    unread: list[int] = field(default_factory=list)  # pages left out (limits, OCR missing)
    problem: str | None = None  # why nothing or not everything could be read (English, for logs)

    @property
    def complete(self) -> bool:
        return not self.unread and self.problem is None


class Budget:
    """The time and OCR pages one file may still use."""

    def __init__(self, seconds: float = TIME_BUDGET, ocr_pages: int = MAX_OCR_PAGES,
                 clock=time.monotonic) -> None:
        self.clock, self.deadline, self.ocr_pages = clock, clock() + seconds, ocr_pages

    def left(self) -> float:
        return self.deadline - self.clock()

    def take_ocr(self) -> bool:
        if self.ocr_pages <= 0 or self.left() <= 1:
            return False
        self.ocr_pages -= 1
        return True


def extract(data: bytes, kind: str, budget: Budget | None = None) -> Extraction:
    """The file's text by page; an unsupported kind comes back with a problem and no pages."""
    budget = budget or Budget()
    readers = {"pdf": _pdf, "docx": _docx, "xlsx": _xlsx, "jpeg": _picture, "png": _picture}
    if kind not in readers:
        return Extraction(problem=f"unsupported kind {kind}")
    try:
        return readers[kind](data, budget)
    except Exception as exc:  # a damaged file: say so, never crash the sender
        return Extraction(problem=f"unreadable {kind}: {type(exc).__name__}")


def _ocr_into(result: Extraction, number: int, render, budget: Budget) -> None:
    """OCR one page into `result`, joined to whatever text layer the page had."""
    if not budget.take_ocr():
        result.unread.append(number)
        return
    try:
        text = ocr.read(render(), budget.left())
    except TimeoutError:
        result.unread.append(number)
        return
    except ocr.OcrUnavailable:  # the text layers still count; the scans are left unread
        result.unread.append(number)
        result.problem, budget.ocr_pages = "ocr unavailable", 0
        return
    layer = next((p for p in result.pages if p.number == number), None)
    if layer is None:
        result.pages.append(Page(number, text, "ocr"))
    else:
        layer.text, layer.method = f"{layer.text}\n{text}", "ocr"


def _pdf(data: bytes, budget: Budget) -> Extraction:
    reader = open_pdf(data)
    if reader is None:
        return Extraction(problem="password-protected pdf")
    result = Extraction(total=len(reader.pages))
    thin: list[int] = []
    for index, page in enumerate(reader.pages[:MAX_PAGES]):
        if budget.left() <= 0:
            result.unread.extend(range(index + 1, result.total + 1))
            return result
        try:
            text = page.extract_text() or ""
        except Exception:  # one odd page: read it as a picture
            text = ""
        if sum(c.isalpha() or c.isdigit() for c in text) < THIN_PAGE:
            thin.append(index)
        result.pages.append(Page(index + 1, text, "text"))
    result.unread.extend(range(MAX_PAGES + 1, result.total + 1))
    if thin:
        import pypdfium2

        with _pdfium_lock:
            document = pypdfium2.PdfDocument(data)
        try:
            for index in thin:
                _ocr_into(result, index + 1, lambda i=index: _rendered(document, i), budget)
        finally:
            with _pdfium_lock:
                document.close()
    return result


def _rendered(document, index: int) -> Image.Image:
    """One page as a picture. Only PDFium's own calls hold the lock: Tesseract reads the picture
    after it is let go, so another thread's PDF is not kept waiting for this one's OCR."""
    with _pdfium_lock:
        page = document[index]
        shared = _render(page)  # a grayscale picture shares the bitmap's memory (frombuffer)
        image = shared.copy()  # so copy it, and let PDFium free page and bitmap under the lock
        del shared, page
    return image


def _render(page) -> Image.Image:
    width, height = page.get_size()
    scale = min(RENDER_DPI / 72, ocr.MAX_SIDE / max(width, height, 1))
    return page.render(scale=scale, grayscale=True).to_pil()


def _picture(data: bytes, budget: Budget) -> Extraction:
    result = Extraction(total=1)
    with Image.open(io.BytesIO(data)) as image:  # bot.files.media caps the pixels process-wide
        image.load()
        _ocr_into(result, 1, lambda: image, budget)
    return result


def _unzipped_size_ok(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return sum(info.file_size for info in z.infolist()) <= MAX_UNZIPPED


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx(data: bytes, budget: Budget) -> Extraction:
    """Word keeps no pages; a page ends at an explicit page break or where Word last laid one
    out (w:lastRenderedPageBreak), which is where the author saw it."""
    if not _unzipped_size_ok(data):
        return Extraction(problem="docx too large when unzipped")
    import docx

    body = docx.Document(io.BytesIO(data)).element.body
    pages, current, since_break = [], [], True
    for node in body.iter():
        tag = node.tag
        broke = (tag == f"{W}br" and node.get(f"{W}type") == "page") or \
                (tag == f"{W}lastRenderedPageBreak" and not since_break)
        if broke:
            pages.append("".join(current))
            current, since_break = [], True
        elif tag == f"{W}t" and node.text:
            current.append(node.text)
            since_break = False
        elif tag in (f"{W}tab", f"{W}tc"):
            current.append(" ")
        elif tag == f"{W}p":
            current.append("\n")
    pages.append("".join(current))
    return Extraction([Page(i + 1, text, "text") for i, text in enumerate(pages)], total=len(pages))


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an ID typed into a number cell
    return str(value)


def _xlsx(data: bytes, budget: Budget) -> Extraction:
    """One page per sheet, in the workbook's order."""
    if not _unzipped_size_ok(data):
        return Extraction(problem="xlsx too large when unzipped")
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    result, cells = Extraction(total=len(book.worksheets)), 0
    try:
        for number, sheet in enumerate(book.worksheets, start=1):
            if cells >= MAX_CELLS or budget.left() <= 0:
                result.unread.append(number)
                continue
            lines = []
            for row in sheet.iter_rows(values_only=True):
                lines.append("  ".join(_cell_text(v) for v in row if v is not None))
                cells += len(row)
                if cells >= MAX_CELLS:
                    result.unread.append(number)  # read only in part
                    break
            result.pages.append(Page(number, "\n".join(lines), "text"))
    finally:
        book.close()
    return result
