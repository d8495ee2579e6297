"""The one way publishing says no."""

from __future__ import annotations


class PublishError(ValueError):
    """A publish or retract refused. `code` is for programs, the message is Thai for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
