"""One office's burst must not hold up another office's events: the handler stage takes each
office's oldest pending event in turn, not the deployment's oldest events first (FIFO by id would
handle a burst of N events of one office before the next office's one event)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy import select

from bench.offices_data import make_offices, org_file
from bot.office.channels import set_channel
from bot.office.orgfile import apply, parse
from bot.spine.db import transaction
from models import InboundEvent, Office
from tests.line_driver import new_event_id, sign, user_id
from webhook import create_app

SEALING_KEY = "test-sealing-key"
BURST = 12


@pytest.fixture
def two_offices(config):
    app = create_app(dataclasses.replace(config, prakat_secret_key=SEALING_KEY))
    runtime = app.extensions["prakat"]
    offices = make_offices(2)
    with transaction(runtime.factory) as session:
        for office in offices:
            row = session.get(Office, apply(session, parse(org_file(office)))["office_id"])
            set_channel(session, row, channel_id=str(1000 + office.n), secret=office.secret, token=office.token,
                        bot_user_id=office.bot_user_id, sealing_key=SEALING_KEY)
    yield app, runtime, offices
    runtime.stop()


def _text(client, office, user: str, n: int) -> None:
    body = {"destination": office.bot_user_id, "events": [{
        "type": "message", "mode": "active", "timestamp": 1_700_000_000_000 + n,
        "source": {"type": "user", "userId": user}, "webhookEventId": new_event_id(),
        "deliveryContext": {"isRedelivery": False}, "replyToken": f"r{n:031d}",
        "message": {"type": "text", "id": str(900_000 + n), "text": "สวัสดี", "quoteToken": f"q{n}"}}]}
    raw = json.dumps(body, ensure_ascii=False).encode()
    answer = client.post(f"/callback/{office.key}", data=raw,
                         headers={"X-Line-Signature": sign(office.secret, raw), "Content-Type": "application/json"})
    assert answer.status_code == 200


def test_a_burst_of_one_office_does_not_queue_another_offices_event_behind_it(two_offices):
    app, runtime, (busy, quiet) = two_offices
    client = app.test_client()
    for n in range(BURST):  # twelve different people of the busy office, all before the quiet one
        _text(client, busy, user_id(f"busy-{n}"), n)
    _text(client, quiet, user_id("quiet"), BURST)
    with runtime.factory() as session:
        quiet_id = session.scalar(select(Office.id).where(Office.key == quiet.key))
    stage = runtime.stage()
    order = []
    for _ in range(BURST + 1):
        assert stage.handle_one()
        with runtime.factory() as session:
            order = list(session.scalars(select(InboundEvent.office_id).where(InboundEvent.outcome != "pending")
                                         .order_by(InboundEvent.id)))
        if quiet_id in order:
            break
    # The quiet office's one event is taken in the first round (with the busy office's oldest),
    # not after the whole burst.
    assert len(order) <= 2, f"the quiet office waited behind {len(order) - 1} of the busy office's events"
    assert stage.run_until_idle() == BURST + 1 - len(order)  # the rest of the burst follows
    with runtime.factory() as session:
        assert session.scalars(select(InboundEvent).where(InboundEvent.outcome == "pending")).first() is None
