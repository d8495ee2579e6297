"""One office's burst must not hold up another office's events: the handler stage takes each
office's oldest pending event in turn, and the sender each office's oldest due rows in turn, not
the deployment's oldest first (FIFO by id would handle, then send, a burst of N of one office
before the next office's one)."""

from __future__ import annotations

import dataclasses
import json
import time

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


def _text(client, office, user: str, n: int, reply_token: str | None = None) -> None:
    body = {"destination": office.bot_user_id, "events": [{
        "type": "message", "mode": "active", "timestamp": int(time.time() * 1000) + n,
        "source": {"type": "user", "userId": user}, "webhookEventId": new_event_id(),
        "deliveryContext": {"isRedelivery": False}, "replyToken": reply_token or f"r{n:031d}",
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


def test_the_sender_sends_the_quiet_offices_reply_in_the_first_turns_not_after_the_burst(two_offices, fake):
    app, runtime, (busy, quiet) = two_offices
    client = app.test_client()
    for office in (busy, quiet):
        fake.add_channel(office.token)
    stage = runtime.stage()
    for n in range(BURST):
        user = user_id(f"busy-{n}")
        _text(client, busy, user, n, fake.issue_reply_token(user, channel=busy.token))
    assert stage.run_until_idle() == BURST  # the burst's replies are written: the oldest rows
    quiet_user = user_id("quiet")
    _text(client, quiet, quiet_user, BURST, fake.issue_reply_token(quiet_user, channel=quiet.token))
    assert stage.run_until_idle() == 1
    sender = runtime.sender(worker="w")
    while sender.run_once(limit=4):  # claims of four, as a slow LINE would leave them queued
        pass
    order = [d.to for d in fake.deliveries]
    assert [d.kind for d in fake.deliveries] == ["reply"] * (BURST + 1)  # each by its own channel's token
    # The second claim is the quiet office's turn: its reply goes fifth, not thirteenth.
    assert order.index(quiet_user) == 4, order
    assert sorted(order) == sorted([user_id(f"busy-{n}") for n in range(BURST)] + [quiet_user])


def test_an_office_whose_due_rows_all_wait_behind_their_chat_passes_its_turn(runtime):
    """Office 2's one due push waits behind its chat's earlier row, still being sent by another
    sender: its turn finds nothing to take. The turn must pass to office 3, not fall back to the
    deployment's oldest (office 1's burst) and come round to office 2 again and again."""
    from datetime import timedelta

    from models import OutboxMessage, utcnow

    now = utcnow()
    with transaction(runtime.factory) as session:
        ids = []
        for n in (1, 2, 3):
            office = Office(key=f"o{n}", name=f"สำนักงานทดสอบ {n}", short_name=f"สนง.{n}", hosts=[])
            session.add(office)
            session.flush()
            ids.append(office.id)

        def row(office_id, target, **extra):
            session.add(OutboxMessage(kind=extra.pop("kind", "reply"), target=target, office_id=office_id,
                                      payload={"messages": [{"type": "text", "text": "ทดสอบ"}]},
                                      next_attempt_at=now - timedelta(seconds=1), **extra))
            session.flush()

        for n in range(10):
            row(ids[0], user_id(f"busy-{n}"), reply_token=f"t{n}")
        row(ids[1], user_id("held"), status="sending", lease_until=now + timedelta(minutes=1), claimed_by="other")
        row(ids[1], user_id("held"), kind="push")  # due, but its chat's earlier row is unfinished
        row(ids[2], user_id("quiet"), reply_token="tq")
    sender = runtime.sender(worker="w", now=lambda: now)
    claims = [[r.office_id for r in sender.claim(limit=2)] for _ in range(3)]
    assert [ids[2]] in claims, claims  # office 3 within three claims, not after office 1's burst
