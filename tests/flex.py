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


def data(message: dict, label: str) -> str:
    return actions(message)[label]["data"]
