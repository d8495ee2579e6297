"""line-bot-sdk's messaging package, loaded the first time LINE is called.

Importing it builds some 300 pydantic validators (about a second on this machine's cores), which
every CLI command and every web worker would pay at start-up although only the outbox sender and
a few executors call LINE. Code that calls LINE takes the SDK from here.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType


@cache
def messaging() -> ModuleType:
    # Heavy and needed only on the sending path: imported on first use, once per process.
    import linebot.v3.messaging

    return linebot.v3.messaging


def api_exception() -> type[Exception]:
    """The SDK's ApiException, for `except` clauses (evaluated only when something was raised)."""
    return messaging().ApiException
