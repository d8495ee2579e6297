"""Reading what a user sees in a message: its texts and its buttons."""

from __future__ import annotations


def texts(message: dict) -> list[str]:
    """Every text a person reads in a message (text, Flex texts, quick-reply labels excluded)."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "text" and isinstance(node.get("text"), str):
                found.append(node["text"])
            for key, value in node.items():
                if key not in ("quickReply", "action"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message)
    return found


def joined(message: dict) -> str:
    return "\n".join(texts(message))


def actions(message: dict) -> dict[str, dict]:
    """Label → action of every button and quick reply in a message."""
    found: dict[str, dict] = {}

    def walk(node):
        if isinstance(node, dict):
            action = node.get("action")
            if isinstance(action, dict) and "label" in action:
                found.setdefault(action["label"], action)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message)
    return found


ARABIC = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def arabic(text: str) -> str:
    """`text` with Thai digits read as Arabic ones (to find a label whatever the office's digits)."""
    return text.translate(ARABIC)


def data(message: dict, label: str) -> str:
    """The postback data of the button labelled `label`; a label written with Arabic digits also
    finds the one button that says it in Thai digits (an office that writes ๑.๓ for 1.3)."""
    found = actions(message)
    if label in found:
        return found[label]["data"]
    same = [action for text, action in found.items() if arabic(text) == arabic(label)]
    if len(same) != 1:
        raise KeyError(label)
    return same[0]["data"]
