"""One word for each thing: no user-visible string in bot/, handlers/ or templates/ uses a
synonym the glossary (bot/thai/glossary.py) bans, and the glossary's own helpers hold."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.thai import glossary
from bot.thai.glossary import address, banned_in, given_name, label

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("bot", "handlers", "templates")
# The glossary names the banned words in order to ban them.
EXEMPT = {ROOT / "bot" / "thai" / "glossary.py"}


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (read by developers, not users)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _python_strings(path: Path):
    """(line, text) of every string literal and f-string part that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            # the literal parts joined, so a word split around a {placeholder} is still seen
            yield node.lineno, "".join(v.value for v in node.values
                                       if isinstance(v, ast.Constant) and isinstance(v.value, str))


def _template_lines(path: Path):
    yield from enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)


def user_visible_strings():
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            if path in EXEMPT or not path.is_file():
                continue
            if path.suffix == ".py":
                yield from ((path, n, s) for n, s in _python_strings(path))
            elif path.suffix in (".html", ".txt", ".xml", ".j2"):
                yield from ((path, n, s) for n, s in _template_lines(path))


def test_no_user_visible_string_uses_a_banned_synonym():
    found = [f"{path.relative_to(ROOT)}:{line}: {b.pattern!r} → use {b.use!r} ({b.why}): {text[:80]!r}"
             for path, line, text in user_visible_strings()
             for b in banned_in(text, str(path.relative_to(ROOT)))]
    assert found == [], "\n".join(found)


def test_the_scan_sees_a_banned_word_where_one_is(tmp_path):
    """The scanner itself: a literal, an f-string split by a placeholder, not a docstring."""
    source = tmp_path / "probe.py"
    source.write_text('"""ขออนุมัติเผยแพร่ in a docstring is fine."""\n'
                      'A = "ขออนุมัติเผยแพร่"\n'
                      'B = f"ส่งกลับแก้ไข แล้วกดส่ง{1}ใหม่"\n'
                      'C = f"ได้รับรูป {2} รูป"\n', encoding="utf-8")
    hits = {(line, b.use) for line, text in _python_strings(source) for b in banned_in(text)}
    # line 3's "กดส่ง{1}ใหม่" is seen joined, as "กดส่งใหม่"
    assert hits == {(2, glossary.ASK), (3, glossary.REVISE), (4, glossary.PHOTO)}


@pytest.mark.parametrize(("text", "banned"), [
    ("ขออนุมัติเผยแพร่ข้อมูล", True), ("ขออนุญาตเผยแพร่ข้อมูล", False),
    ("ไม่พบรายการนี้", True), ("เมนู รายการของฉัน", False),
    ("ส่งรูปมาได้เลย", True), ("ส่งภาพมาได้เลย", False), ("รูปแบบไฟล์", False),
    ("แก้ไขแล้วกดส่งใหม่", True), ("ปุ่มด้านบน", True), ("สวัสดีค่ะ คุณนางสาวกัญญา", True),
])
def test_the_banned_list(text, banned):
    assert bool(banned_in(text)) is banned


@pytest.mark.parametrize(("full", "given"), [
    ("นางสาวรัตนาภรณ์ ใจดี", "รัตนาภรณ์"), ("นายวรวุฒิ ทองดี", "วรวุฒิ"), ("นางมณี ศรีสุข", "มณี"),
    ("ดร.สมพร แก้วใส", "สมพร"), ("ว่าที่ร.ต.สมชาย ดีมาก", "สมชาย"), ("ว่าที่ ร.ต. หญิง", "หญิง"),
    ("ว่าที่ร้อยตรีหญิงสุดา ใจงาม", "สุดา"), ("นางสาว ดร.กานดา มีสุข", "กานดา"),
    ("นายิกา สุขใจ", "นายิกา"), ("กัญญา", "กัญญา"), ("น.ส.พิมพ์ชนก เรืองศรี", "พิมพ์ชนก"),
])
def test_given_name_drops_every_title(full, given):
    assert given_name(full) == given


def test_people_are_addressed_by_given_name_and_directors_by_office():
    assert address("นางสาวรัตนาภรณ์ ใจดี") == "คุณรัตนาภรณ์"
    assert address("นายประเสริฐ วงศ์ใหญ่", position="ผู้อำนวยการกลุ่มนโยบายและแผน",
                   director=True) == "ท่านผู้อำนวยการกลุ่มนโยบายและแผน"
    assert address("นางพรทิพย์ จันทร์หอม", position="นักวิชาการตรวจสอบภายในชำนาญการพิเศษ",
                   director=True) == "ท่านผู้อำนวยการ"


def test_labels_fit_line_and_end_after_a_whole_word():
    assert label("ไม่เหมาะสมที่จะเผยแพร่") == "ไม่เหมาะสมที่จะ…"
    assert label("ซ้ำกับที่เผยแพร่แล้ว") == "ซ้ำกับที่เผยแพร่แล้ว"  # exactly 20: kept whole
    for term in (glossary.SEND, glossary.REVISE, glossary.OPEN_CARD, glossary.REPLACE_FILE):
        assert len(term) <= glossary.LABEL_LIMIT
