"""Importing this module registers every outbox executor beyond plain reply/push."""

import bot.richmenus  # noqa: F401
