"""Reading text from pictures with Tesseract (Thai and English models), bounded in time and size.

Tesseract is a separate program (Debian's tesseract-ocr, tesseract-ocr-tha; .ci/setup installs
them). Each call gets at most the time left in the scan's budget, one thread (the worker shares
two cores with the web), and a picture no larger than MAX_SIDE on its longer side.
"""

from __future__ import annotations

import os

from PIL import Image

LANGUAGES = "tha+eng"
MAX_SIDE = 3500  # about A4 at 300 dpi: enough for 12-point Thai, not a 50 MP photo
INK = 200  # a picture with no pixel darker than this has no writing on it (faded or pale ink is darker)


class OcrUnavailable(RuntimeError):
    """Tesseract or its Thai model is not installed."""


def prepare(image: Image.Image) -> Image.Image:
    """Grey, and no larger than MAX_SIDE (Tesseract's time grows with the pixels)."""
    image = image.convert("L")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return image


def read(image: Image.Image, timeout: float) -> str:
    """The picture's text; raises TimeoutError past `timeout` seconds, OcrUnavailable when
    Tesseract cannot run."""
    image = prepare(image)
    if image.getextrema()[0] >= INK:  # a blank page (a separator, a back side): nothing to read,
        return ""  # and Tesseract would take a third of a second a page to say so
    import pytesseract  # loaded by the worker's first scan only

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # inherited by the tesseract process
    try:
        return pytesseract.image_to_string(image, lang=LANGUAGES, timeout=max(1.0, timeout))
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrUnavailable("tesseract is not installed") from exc
    except pytesseract.TesseractError as exc:  # e.g. the Thai model missing
        raise OcrUnavailable(f"tesseract failed: {exc.status}") from exc
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise TimeoutError("tesseract ran out of time") from exc
        raise
