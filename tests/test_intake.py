"""Record-and-ack: the webhook only records; the handler stage decides, in chat order, and tells a
database fault (retry, nothing lost) from a handler bug (error, one apology)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from bot.spine import messages
from bot.spine.db import transaction
from bot.spine.stage import Stage
from models import Attachment, Conversation, InboundEvent, Office, OutboxMessage, utcnow
from tests.conftest import PG_URL
from tests.line_driver import user_id
from tests.samples import pdf

postgres_only = pytest.mark.skipif(not PG_URL, reason="a PostgreSQL backend to terminate")
sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="a SQLite file to lock")


def _events(runtime) -> list[InboundEvent]:
    with runtime.factory() as session:
        return list(session.scalars(select(InboundEvent).order_by(InboundEvent.id)))


def test_the_webhook_records_and_answers_without_handling(line, runtime):
    event = line.text_event("stranger", "สวัสดี")
    response = line.post(event, handle=False)
    assert response.status_code == 200
    [row] = _events(runtime)
    assert (row.outcome, row.chat_key, row.handled_at) == ("pending", user_id("stranger"), None)
    with runtime.factory() as session:  # no handler ran: no reply queued, no chat state made
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert session.scalar(select(func.count()).select_from(Conversation)) == 0
    assert line.handle() == 1
    assert _events(runtime)[0].outcome != "pending"
    assert line.drain()  # the stranger got an answer


def test_a_chat_is_handled_in_timestamp_order_across_bodies(line, runtime):
    late, early = line.text_event("a", "สอง"), line.text_event("a", "หนึ่ง")
    late["timestamp"], early["timestamp"] = early["timestamp"] + 5, early["timestamp"]
    line.post(late, handle=False)
    line.post(early, handle=False)  # recorded second, happened first
    seen: list[str] = []
    stage = Stage(runtime.factory, runtime.config, lambda ctx: seen.append(ctx.event.message.text),
                  read_factory=runtime.read_factory)
    assert stage.run_until_idle() == 2
    assert seen == ["หนึ่ง", "สอง"]


def test_chats_run_in_parallel_but_each_chat_one_event_at_a_time(line, runtime):
    users = ["a", "b", "c"]
    for n in range(4):
        line.post(*[line.text_event(u, f"{u}{n}") for u in users], handle=False)
    seen: dict[str, list[str]] = {u: [] for u in users}
    busy: dict[str, int] = {u: 0 for u in users}
    overlap = {"chats": 0, "max": 0, "same_chat": 0}
    guard = threading.Lock()

    def dispatch(ctx):
        chat = ctx.event.message.text[0]
        with guard:
            busy[chat] += 1
            overlap["same_chat"] = max(overlap["same_chat"], busy[chat])
            overlap["chats"] += 1
            overlap["max"] = max(overlap["max"], overlap["chats"])
        time.sleep(0.05)
        with guard:
            seen[chat].append(ctx.event.message.text)
            busy[chat] -= 1
            overlap["chats"] -= 1

    stages = [Stage(runtime.factory, runtime.config, dispatch, read_factory=runtime.read_factory)
              for _ in range(3)]
    threads = [threading.Thread(target=s.run_until_idle) for s in stages]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert seen == {u: [f"{u}{n}" for n in range(4)] for u in users}  # each once, in order
    assert overlap["same_chat"] == 1
    if PG_URL:  # SQLite has one writer at a time; PostgreSQL runs different chats together
        assert overlap["max"] >= 2
    assert {e.outcome for e in _events(runtime)} == {"handled"}


def test_a_malformed_event_is_recorded_invalid_and_the_rest_of_its_body_is_handled(line, runtime):
    """#12.2: poisons that used to answer 500 forever and block the events after them."""
    good_a, good_b = line.text_event("a", "สวัสดี"), line.text_event("b", "สวัสดี")
    poisons = []
    for field, value in [("timestamp", 2**63), ("timestamp", 10**20), ("timestamp", -1),
                         ("timestamp", "now"), ("webhookEventId", "X" * 65),
                         ("source", "user"), ("type", None)]:
        event = line.text_event("p", "x")
        event[field] = value
        poisons.append(event)
    for key, value in [("userId", {"id": 1}), ("userId", ["U1"]), ("groupId", ["C1"]),
                       ("roomId", 5), ("userId", "U" * 65)]:
        event = line.text_event("p", "x")
        event["source"][key] = value
        poisons.append(event)
    deep = line.text_event("p", "x")
    nest: list = []
    deep["message"]["nested"] = nest
    for _ in range(900):
        nest.append([])
        nest = nest[0]
    wrong_type = line.text_event("p", "x")
    wrong_type["message"]["text"] = {"not": "text"}  # fits our checks, not LINE's model
    body = [good_a, *poisons, deep, "not an event", 42, None, wrong_type, good_b]
    raw = json.dumps({"destination": "U" + "0" * 32, "events": body}).encode()
    for _ in range(2):  # and its redelivery changes nothing
        assert line.post(raw=raw).status_code == 200
    rows = _events(runtime)
    outcomes = [r.outcome for r in rows]
    assert outcomes.count("invalid") == len(poisons) + 5
    assert "pending" not in outcomes and "error" not in outcomes
    line.drain()
    assert line.texts_to("a") and line.texts_to("b")


def test_a_body_that_is_not_an_events_object_is_refused_and_nothing_is_written(line, runtime):
    for raw in (b"[1, 2]", b'{"events": {}}', b"{", b"[" * 200_000, '{"e": "\udc80"}'.encode(
            "utf-8", "surrogatepass")):
        assert line.post(raw=raw).status_code == 400
    assert _events(runtime) == []


@sqlite_only
def test_a_locked_database_answers_503_and_a_locked_stage_retries_without_apology(
        line, runtime, app, people, fake):
    """#12.1 on SQLite: a write lock held longer than the busy timeout. Before: the event was
    stored as `error`, the user told "ข้อมูลยังอยู่ครบ", and the file was never downloaded."""
    from dataclasses import replace

    from webhook import create_app

    short = create_app(replace(runtime.config, database_busy_seconds=0.2))
    rt = short.extensions["prakat"]
    line.client, line.runtime = short.test_client(), rt
    try:
        event = line.file_event("kanya", "คำสั่ง.pdf", pdf(), "application/pdf")
        blocker = sqlite3.connect(rt.engine.url.database, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        assert line.post(event, handle=False).status_code == 503  # LINE will redeliver
        blocker.execute("ROLLBACK")
        assert line.post(event, handle=False).status_code == 200  # the redelivery
        blocker.execute("BEGIN IMMEDIATE")
        with pytest.raises(OperationalError):
            rt.stage().handle_one()
        blocker.execute("ROLLBACK")
        blocker.close()
        [row] = _events(rt)
        assert row.outcome == "pending"
        stage = rt.stage()
        stage.now = lambda: utcnow() + timedelta(minutes=2)  # past its back-off
        assert stage.run_until_idle() == 1
        line.drain()
    finally:
        rt.stop()
    assert _events(rt)[0].outcome == "handled"
    with runtime.factory() as session:
        assert session.scalars(select(Attachment.status)).all() == ["stored"]
    assert messages.SORRY_ERROR not in line.texts_to("kanya")


@postgres_only
def test_a_terminated_backend_leaves_the_event_pending_and_it_is_handled_after(line, runtime, people):
    """#12.1 on PostgreSQL: the stage's connection is cut while it waits on a row lock."""
    kanya = user_id("kanya")
    with transaction(runtime.factory) as session:
        office_id = session.scalar(select(Office.id).order_by(Office.id).limit(1))
        session.add(Conversation(office_id=office_id, line_user_id=kanya, state="idle", data={},
                                 updated_at=utcnow()))
    line.post(line.file_event("kanya", "คำสั่ง.pdf", pdf(), "application/pdf"), handle=False)
    holder = runtime.engine.connect()
    holder_tx = holder.begin()
    holder.execute(text("SELECT 1 FROM conversations WHERE line_user_id = :u FOR UPDATE"), {"u": kanya})
    stage = runtime.stage()
    failures: list[Exception] = []

    def run():
        try:
            stage.handle_one()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            failures.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 10
    pids: list[int] = []
    while not pids and time.monotonic() < deadline:
        with runtime.engine.connect() as watcher:  # pg_stat_activity is frozen per transaction
            pids = watcher.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()")).scalars().all()
        time.sleep(0.05)
    assert pids, "the stage never waited on the row lock"
    with runtime.engine.connect() as killer:
        killer.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pids[0]})
    worker.join(10)
    holder_tx.rollback()
    holder.close()
    assert failures and isinstance(failures[0], OperationalError)
    assert _events(runtime)[0].outcome == "pending"
    stage.now = lambda: utcnow() + timedelta(minutes=2)
    assert stage.run_until_idle() == 1
    line.drain()
    assert _events(runtime)[0].outcome == "handled"
    with runtime.factory() as session:
        assert session.scalars(select(Attachment.status)).all() == ["stored"]
    assert messages.SORRY_ERROR not in line.texts_to("kanya")
