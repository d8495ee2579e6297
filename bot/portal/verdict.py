"""The form under each item, ข้อมูลนี้เป็นประโยชน์หรือไม่: a plain POST that works without
JavaScript. The form carries a signed token for its item (a day old at most) and a hidden field
only robots fill; the ballot follows the rules of bot.ita.votes and is written in a short
transaction of its own. The route (bot.portal.pages) sends the reader back to the item (303), or
shows the item again with what to change and the comment kept."""

from __future__ import annotations

import logging

from flask import request
from sqlalchemy.exc import OperationalError

from bot.ita import votes
from bot.portal.views import BOT_AGENTS
from bot.spine import signing
from bot.spine.config import Config
from bot.spine.db import transaction
from models import utcnow

log = logging.getLogger(__name__)
FORM_SECONDS = 24 * 3600
NOTES = {"thanks": votes.THANKS, "already": votes.ALREADY}
ERRORS = {**votes.REFUSALS, "busy": "ระบบไม่ว่างชั่วคราว กรุณาส่งอีกครั้งค่ะ"}
STATUS = {"too_many": 429, "busy": 503}  # any other refusal: 400


def form_token(config: Config, pid: int) -> str:
    return signing.sign(config.secret_key, "vote", pid)


def comment_sent() -> str:
    return (request.form.get("comment") or "")[:votes.MAX_COMMENT * 4]


def receive(runtime, pid: int) -> str:
    """What became of this request's ballot for item `pid`: a key of NOTES or of ERRORS."""
    form = request.form
    token = signing.unsign(runtime.config.secret_key, "vote", form.get("t", ""),
                           max_age=FORM_SECONDS)
    if token != pid:
        return "expired"
    agent = request.headers.get("User-Agent", "")
    if form.get("website") or not agent or BOT_AGENTS.search(agent):
        return "thanks"  # a robot: thanked, and nothing is written
    ballot = votes.read_ballot(form.get("helpful"), comment_sent())
    if isinstance(ballot, str):
        return ballot
    try:
        with transaction(runtime.factory) as session:
            outcome = votes.cast(session, pid, ballot, address=request.remote_addr or "",
                                 agent=agent, now=utcnow())
    except OperationalError:
        log.info("vote not written, the database is busy")
        return "busy"
    return "thanks" if outcome == "counted" else outcome
