"""docs/WORKFLOW.md's item diagram, rendered from the transition table so the two cannot drift.

`python -m bot.workflow.diagram` rewrites the block in place; tests/test_states.py fails while
the block and the table disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.workflow.states import INITIAL, SUBMITTER, TRANSITIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "WORKFLOW.md"
MARKER = "<!-- generated from bot/workflow/states.py by `python -m bot.workflow.diagram` -->"
FENCE = "```"
# Creating the draft is not a status change (the row is born a draft), so it is not in the table.
START = f'[*] --> {INITIAL}: staff sends a file, photos or "ส่งประกาศ" ({SUBMITTER})'


def mermaid() -> str:
    lines = ["stateDiagram-v2", f"    {START}"]
    for t in TRANSITIONS:
        for source in t.sources:
            lines.append(f"    {source} --> {t.target}: {t.label} ({', '.join(t.by)})")
    return "\n".join(lines)


def block() -> str:
    return f"{MARKER}\n{FENCE}mermaid\n{mermaid()}\n{FENCE}"


def current(text: str) -> str:
    """The generated block as the document holds it now (empty if the marker is missing)."""
    start = text.find(MARKER)
    if start < 0:
        return ""
    end = text.find(f"\n{FENCE}", text.find(f"{FENCE}mermaid", start) + 3)
    return text[start: end + len(FENCE) + 1]


def rewrite(text: str) -> str:
    old = current(text)
    if not old:
        raise ValueError(f"{DOC.name} has no {MARKER!r} line to put the diagram under")
    return text.replace(old, block(), 1)


def main() -> int:
    text = DOC.read_text(encoding="utf-8")
    new = rewrite(text)
    if new != text:
        DOC.write_text(new, encoding="utf-8")
    print(f"{DOC}: {'rewritten' if new != text else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
