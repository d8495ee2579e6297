"""Postback data: a short versioned payload, parsed in exactly one place.

Form: "v1/<action>?k=v&k=v" (≤ 300 chars). Only ids and an action travel; the server re-checks
everything the payload claims against the database. Every action a button may carry is listed
in ACTIONS: `encode` writes nothing else and `decode` accepts nothing else, so data this server
never wrote is refused here, once, whatever handler it was aimed at.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode

from bot.spine.ids import MAX_ID, parse_id

VERSION = "v1"
MAX_LENGTH = 300


class Action(NamedTuple):
    """A registered action: `verb` names the parameter saying which of its buttons was tapped
    (None: the action has one button), `verbs` the values that parameter may take."""

    verb: str | None = None
    verbs: frozenset[str] = frozenset()


def _buttons(verb: str, *verbs: str) -> Action:
    return Action(verb, frozenset(verbs))


# Every action a button may carry (tests/test_authorisation_matrix.py replays each one as every
# role, so a new action is tried the day it is added).
ACTIONS: dict[str, Action] = {
    # the approval card and the pending list (bot.workflow.cards, handlers.decide)
    "decide": _buttons("a", "approve", "return", "reject"),
    "card": Action(),
    # the submitter's items (bot.workflow.cards, handlers.mine)
    "mine": _buttons("a", "revise", "withdraw"),
    # a draft (bot.workflow.cards, handlers.submit)
    "cat": Action(),
    "date": Action(),
    "draft": _buttons("a", "submit", "edit", "cancel", "resume", "switch", "edit_title", "edit_desc",
                      "edit_cat", "edit_file", "edit_date"),
    # the rich menus (bot.office.richmenus)
    "menu": _buttons("m", "doc", "photos", "mine", "help", "pending", "news"),
    # publication cards for ICT and directors (bot.publishing.cards, handlers.publish)
    "publish": Action(),
    "retract": Action(),
    "publish_record": Action(),
    # the quarter-end feedback card (bot.digest.feedback, handlers.feedback)
    "fb": _buttons("a", "none", "answer"),
}


class PayloadError(ValueError):
    """Not a payload this server wrote (tampered, truncated or from an old version)."""


def _registered(action: str, params: dict) -> bool:
    spec = ACTIONS.get(action)
    return spec is not None and (spec.verb is None or params.get(spec.verb) in spec.verbs)


def encode(action: str, **params) -> str:
    if not _registered(action, {k: str(v) for k, v in params.items() if v is not None}):
        raise ValueError(f"postback action {action!r} {params} is not in bot.spine.postback.ACTIONS")
    data = f"{VERSION}/{action}"
    if params:
        data += "?" + urlencode({k: v for k, v in params.items() if v is not None})
    if len(data) > MAX_LENGTH:
        raise ValueError("postback payload too long")
    return data


def decode(data: str) -> tuple[str, dict[str, str]]:
    if not isinstance(data, str) or len(data) > MAX_LENGTH or not data.startswith(VERSION + "/"):
        raise PayloadError("unknown payload")
    action, _, query = data[len(VERSION) + 1 :].partition("?")
    if not action.replace("_", "").isalnum():
        raise PayloadError("bad action")
    try:
        params = dict(parse_qsl(query, strict_parsing=bool(query)))
    except ValueError:
        raise PayloadError("bad parameters") from None
    if not _registered(action, params):
        raise PayloadError("unknown action")
    if any(_out_of_range(v) for v in params.values()):
        raise PayloadError("number out of range")  # we never write one: tampered
    return action, params


def _out_of_range(value: str) -> bool:
    return value.isascii() and value.isdigit() and (len(value) > len(str(MAX_ID)) or int(value) > MAX_ID)


class Postback(NamedTuple):
    """A decoded tap: what to do and its parameters (ids still to be checked)."""

    action: str
    params: dict[str, str]


INVALID = "invalid"  # the action of data this server did not write


def parse(data: str) -> Postback:
    """Like `decode`, but never raises: data we did not write becomes action INVALID."""
    try:
        return Postback(*decode(data))
    except PayloadError:
        return Postback(INVALID, {})


def int_param(params: dict[str, str], name: str) -> int:
    """The id in ``params[name]``: plain digits and within what an id column holds."""
    value = parse_id(params.get(name))
    if value is None:
        raise PayloadError(f"missing or bad {name}")
    return value
