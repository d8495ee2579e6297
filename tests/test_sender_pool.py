"""Several sender threads: a burst goes out inside the reply window, each chat in order, and a
commit in this process wakes an idle sender at once.

The pool is the one `python webhook.py` starts (`Runtime.start_background`); LINE is the fake,
slowed to 250 ms a call the way LINE is on a bad day.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from bot.spine import outbox
from bot.spine.claims import claim_statement, claimable
from bot.spine.db import transaction
from bot.spine.waker import Waker, wake_on_commit
from models import OutboxMessage, utcnow
from tests.conftest import PG_URL, SECRET
from tests.line_driver import LineDriver, user_id
from webhook import create_app


def wait_until_sent(runtime, count: int, timeout: float) -> list[OutboxMessage]:
    deadline = time.monotonic() + timeout
    while True:
        with runtime.factory() as session:
            rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        if sum(r.status in ("sent", "failed") for r in rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def test_a_burst_of_300_replies_with_line_at_250_ms_all_go_as_replies_in_the_window(runtime, fake):
    fake.latency = 0.25
    users = [user_id(f"burst{n}") for n in range(300)]
    tokens = [fake.issue_reply_token(to) for to in users]
    queued = utcnow()
    with transaction(runtime.factory) as session:
        for n, (to, token) in enumerate(zip(users, tokens, strict=True)):
            outbox.reply(session, token, to, [{"type": "text", "text": f"รับเรื่องที่ {n} แล้วค่ะ"}],
                         event_time=queued, window_seconds=runtime.config.reply_window_seconds)
    runtime.start_background(scheduler=False)
    rows = wait_until_sent(runtime, 300, timeout=90)

    assert [r.status for r in rows] == ["sent"] * 300
    # Every one a reply: a row still queued when its window closed would have gone by push, so
    # this is the window held (no wall-clock bound here: the machine's load is not the code's).
    assert {r.sent_via for r in rows} == {"reply"}, f"{sum(r.sent_via == 'push' for r in rows)} pushed"
    assert [d.kind for d in fake.deliveries] == ["reply"] * 300 and fake.pushes_count == 0
    for n, to in enumerate(users):
        assert fake.messages_to(to) == [{"type": "text", "text": f"รับเรื่องที่ {n} แล้วค่ะ"}]
    assert 1 < len({r.claimed_by for r in rows}) <= runtime.config.sender_threads


def test_each_chat_gets_its_rows_in_order_while_many_threads_send(runtime, fake):
    fake.latency = 0.02
    chats = [user_id(f"chat{n}") for n in range(12)] + ["C" + "9" * 32]
    fake.add_group(chats[-1], "กลุ่มประชาสัมพันธ์", member_ids=[user_id("chat0")])
    with transaction(runtime.factory) as session:
        for step in range(6):  # interleaved: chat0 #0, chat1 #0, …, chat0 #1, …
            for n, to in enumerate(chats):
                if step == 0 and n % 2 == 0:  # some chats start with a reply
                    token = fake.issue_reply_token(to)
                    outbox.reply(session, token, to, [{"type": "text", "text": f"{n}:0"}],
                                 event_time=utcnow(), window_seconds=50)
                else:
                    outbox.push(session, to, [{"type": "text", "text": f"{n}:{step}"}])
    runtime.start_background(scheduler=False)
    rows = wait_until_sent(runtime, 6 * len(chats), timeout=60)

    assert [r.status for r in rows] == ["sent"] * (6 * len(chats))
    for n, to in enumerate(chats):
        assert [m["text"] for m in fake.messages_to(to)] == [f"{n}:{step}" for step in range(6)]
    assert len({r.claimed_by for r in rows}) > 1  # it was several threads, not one in turn


def queue(session, kind: str, to: str, **fields) -> int:
    row = OutboxMessage(kind=kind, target=to, payload=fields.pop("payload", {
        "messages": [{"type": "text", "text": "แจ้ง"}]}), **fields)
    session.add(row)
    session.flush()
    return row.id


def test_a_chats_row_waits_for_its_earlier_one_and_nothing_else_does(runtime):
    """A backing-off message holds back only the later messages of its own chat: another chat,
    and the effects of the same chat (a download, an album check), go at once."""
    now = utcnow() + timedelta(seconds=1)
    x, y = user_id("x"), user_id("y")
    with transaction(runtime.factory) as session:
        backing_off = queue(session, "push", x, next_attempt_at=now + timedelta(minutes=1))
        later_x = queue(session, "reply", x)
        download_x = queue(session, "download", x, payload={})
        album_x = queue(session, "album_check", x, payload={})
        push_y = queue(session, "push", y)
        link_x = queue(session, "richmenu_link", x, payload={})
        unlink_x = queue(session, "richmenu_unlink", x, payload={})
    sender = runtime.sender(worker="w", now=lambda: now)
    assert [r.id for r in sender.claim(limit=20)] == [download_x, album_x, push_y, link_x]
    assert sender.claim(limit=20) == []  # the unlink waits for the link; x's reply for its push

    with transaction(runtime.factory) as session:
        session.get(OutboxMessage, backing_off).status = "failed"  # given up: no longer holds back
        session.get(OutboxMessage, link_x).status = "sent"
    assert [r.id for r in sender.claim(limit=20)] == [later_x, unlink_x]


def test_a_claimed_row_holds_back_its_chat_until_it_is_recorded(runtime):
    now = utcnow() + timedelta(seconds=1)
    with transaction(runtime.factory) as session:
        first = queue(session, "push", user_id("x"))
        second = queue(session, "push", user_id("x"))
    one = runtime.sender(worker="one", now=lambda: now)
    two = runtime.sender(worker="two", now=lambda: now)
    assert [r.id for r in one.claim(limit=1)] == [first]
    assert two.claim() == []
    with transaction(runtime.factory) as session:
        session.get(OutboxMessage, first).status = "sent"
    assert [r.id for r in two.claim()] == [second]


def test_the_order_check_reads_the_index_of_unfinished_rows(runtime):
    query = claimable(runtime.sender(worker="w").lanes).limit(4).params(now=utcnow())
    with runtime.engine.connect() as conn:
        compiled = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL enable_seqscan = off"))  # tiny tables: make it choose
            plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN " + compiled)))
        else:
            plan = "\n".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + compiled)))
    assert "ix_outbox_unfinished_target" in plan, plan


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL's planner; SQLite picks ix_outbox_due on an empty table")
def test_the_office_turn_finds_the_next_office_by_the_index_of_unfinished_rows(runtime):
    query = claim_statement(runtime.sender(worker="w").lanes, 4, office_turn=True)
    with runtime.engine.connect() as conn:
        compiled = str(query.params(now=utcnow(), after_office=0).compile(
            conn, compile_kwargs={"literal_binds": True}))
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN " + compiled)))
    assert "Index Scan using ix_outbox_unfinished_office on outbox due_office" in plan, plan


# --------------------------------------------------------------------------- waking


def test_a_commit_that_wrote_outbox_rows_wakes_a_sender_and_no_other_does(runtime):
    waker = Waker()
    wake_on_commit(runtime.factory, waker)
    assert not waker.wait(0)
    with transaction(runtime.factory) as session:
        session.execute(text("SELECT 1"))
    assert not waker.wait(0)
    with pytest.raises(RuntimeError), transaction(runtime.factory) as session:
        outbox.push(session, user_id("x"), [{"type": "text", "text": "แจ้ง"}])
        session.flush()
        raise RuntimeError("rolled back")
    assert not waker.wait(0)
    with transaction(runtime.factory) as session:
        outbox.push(session, user_id("x"), [{"type": "text", "text": "แจ้ง"}])
    assert waker.wait(0)  # kept until a sender looks, even though none was waiting
    assert not waker.wait(0)


@pytest.fixture
def slow_poll_app(config):
    app = create_app(dataclasses.replace(config, outbox_poll_seconds=30.0))
    yield app
    app.extensions["prakat"].stop()


def test_a_webhook_answer_goes_out_at_once_not_after_a_poll(slow_poll_app, fake):
    runtime = slow_poll_app.extensions["prakat"]
    line = LineDriver(slow_poll_app.test_client(), fake, runtime, SECRET)
    runtime.start_background(scheduler=False)
    time.sleep(0.3)  # every sender has looked, found nothing and rests for 30 s
    started = time.monotonic()
    assert line.post(line.text_event("stranger", "สวัสดี")).status_code == 200
    [delivery] = fake.wait_for_deliveries(1, timeout=10)
    assert time.monotonic() - started < 5
    assert delivery.kind == "reply" and delivery.to == user_id("stranger")


def test_a_whole_office_linking_at_once_makes_each_rich_menu_once(office, fake):
    """Eight sender threads each take someone's menu link at the same moment: the first makes the
    menu (and draws its picture), the rest wait for it and use it."""
    from bot.office import richmenus
    from bot.office.org import roles_of
    from models import Person

    runtime = office
    fake.latency = 0.05
    with transaction(runtime.factory) as session:
        everyone = session.scalars(select(Person).where(Person.active.is_(True))).all()
        menus = {}
        for person in everyone:
            person.line_user_id = user_id(person.key)
            menus[person.line_user_id] = richmenus.menu_for(roles_of(session, person))
        session.flush()
        for person in everyone:
            richmenus.queue_link(session, person, roles_of(session, person))
    runtime.start_background(scheduler=False)
    rows = wait_until_sent(runtime, len(everyone), timeout=60)

    assert [r.status for r in rows] == ["sent"] * len(everyone)
    made = sorted(m.request["name"] for m in fake.rich_menus.values())
    assert made == sorted(f"prakat-{name}-v{richmenus.VERSION}" for name in set(menus.values()))
    by_name = {m.request["name"]: m.rich_menu_id for m in fake.rich_menus.values()}
    assert {to: fake.user_rich_menu[to] for to in menus} == {
        to: by_name[f"prakat-{name}-v{richmenus.VERSION}"] for to, name in menus.items()}
