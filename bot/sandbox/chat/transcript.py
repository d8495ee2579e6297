"""What each sandbox chat shows: what its person sent, merged in time with what the fake LINE
delivered to that chat, and how many of the bot's messages each chat has not seen yet."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Said:
    """One message a person sent from the page (the bot's side is read from the fake)."""

    at: float
    chat_id: str
    speaker: str
    message: dict


@dataclass
class Transcripts:
    line: Callable[[], object]  # the running fake LINE
    _said: list[Said] = field(default_factory=list)
    _read_at: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def said(self, chat_id: str, speaker: str, message: dict) -> None:
        with self._lock:
            self._said.append(Said(time.monotonic(), chat_id, speaker, message))

    def _delivered(self, chat_id: str) -> list[tuple[float, dict]]:
        out = []
        for delivery in list(self.line().deliveries):
            targets = delivery.to if isinstance(delivery.to, list) else [delivery.to]
            if chat_id in targets:
                out.extend((delivery.at, message) for message in delivery.messages)
        return out

    def chat(self, chat_id: str, *, mark_read: bool = True) -> list[dict]:
        """Every message of the chat in order: {"from": "me"|"bot", "speaker", "message"}."""
        with self._lock:
            mine = [(s.at, {"from": "me", "speaker": s.speaker, "message": s.message})
                    for s in self._said if s.chat_id == chat_id]
            if mark_read:
                self._read_at[chat_id] = time.monotonic()
        bots = [(at, {"from": "bot", "message": m}) for at, m in self._delivered(chat_id)]
        return [entry for _, entry in sorted(mine + bots, key=lambda pair: pair[0])]

    def unread(self, chat_id: str) -> int:
        since = self._read_at.get(chat_id, float("-inf"))
        return sum(1 for at, _ in self._delivered(chat_id) if at > since)
