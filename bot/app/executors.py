"""Importing this module registers every outbox executor beyond plain reply/push."""

import bot.office.richmenus  # noqa: F401
import bot.workflow.submissions  # noqa: F401
import handlers.submit  # noqa: F401  (album_check)
