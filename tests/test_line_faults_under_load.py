"""LINE failing in the middle of a load (issue #11.5): 500s, 429s with Retry-After, and 10-second
stalls, while 60 users each send a message through signed webhooks and the handler stage and the
sender run in their own threads, as in `python webhook.py`. After recovery every user has their
answer exactly once: counted from what the fake LINE delivered, not from the sender's own records.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from models import InboundEvent, OutboxMessage
from tests.conftest import SECRET
from tests.line_driver import LineDriver, sign, user_id
from webhook import create_app

USERS = 60
BATCH = 20  # the load goes in three batches; the faults start after the first
STALL = 10.0  # seconds every LINE call takes while LINE stalls
STALLED_FOR = 3.0  # how long LINE stalls
CLIENT_TIMEOUT = 2.0  # line_timeout_seconds, shortened so a stall is felt as one
SETTLE = 45.0
NOT_LINKED_START = "สวัสดีค่ะ ที่นี่คือบัญชี LINE ของ"  # the greeting strangers get


def _post_all(app, line, names: list[str], *, backlog: bool) -> list[int]:
    """One signed webhook per user, four at a time; `backlog`: the events are two minutes old, so
    their reply window has passed and the answers go by push (with retry keys)."""
    bodies = []
    for name in names:
        event = line.text_event(name, "สวัสดีค่ะ")
        if backlog:
            event["timestamp"] -= 120_000
        bodies.append(line.body(event))

    def post(body: bytes) -> int:
        return app.test_client().post("/callback", data=body, headers={
            "X-Line-Signature": sign(SECRET, body), "Content-Type": "application/json"}).status_code

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(post, bodies))


def _settled(runtime) -> bool:
    with runtime.factory() as session:
        pending = session.scalar(select(func.count()).select_from(InboundEvent).where(
            InboundEvent.outcome == "pending"))
        unsent = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status.in_(("pending", "sending"))))
    return pending == 0 and unsent == 0


def _inject(fake, fault: str) -> float | None:
    """Start the fault; for a stall, return when it began."""
    if fault == "500":
        fake.fail_next(8, 500, path="/v2/bot/message/")
    elif fault == "429":
        fake.fail_next(8, 429, path="/v2/bot/message/", headers={"Retry-After": "1"},
                       body={"message": "Too many requests"})
    else:
        fake.latency = STALL
        return time.monotonic()
    return None


@pytest.mark.parametrize("fault,backlog", [
    # stall-reply was #12.3: a reply whose answer was lost used to be pushed again.
    ("500", False), ("429", False), ("stall", True), ("stall", False),
], ids=["500-reply", "429-reply", "stall-push", "stall-reply"])
def test_every_answer_is_delivered_exactly_once_after_line_recovers(
        fault, backlog, config, fake):
    app = create_app(replace(config, outbox_poll_seconds=0.05, line_timeout_seconds=CLIENT_TIMEOUT))
    runtime = app.extensions["prakat"]
    line = LineDriver(app.test_client(), fake, runtime, SECRET)
    names = [f"load-{fault}-{n}" for n in range(USERS)]
    statuses: list[int] = []
    stalled_until = None
    runtime.start_background(scheduler=False)
    try:
        statuses += _post_all(app, line, names[:BATCH], backlog=backlog)
        started = _inject(fake, fault)
        statuses += _post_all(app, line, names[BATCH : 2 * BATCH], backlog=backlog)
        if started is not None:
            time.sleep(max(0.0, started + STALLED_FOR - time.monotonic()))
            fake.latency = 0.0
            stalled_until = time.monotonic() + STALL  # calls already waiting finish by then
        else:
            _inject(fake, fault)  # a second wave, while the first is being retried
        statuses += _post_all(app, line, names[2 * BATCH :], backlog=backlog)
        deadline = time.monotonic() + SETTLE
        while not _settled(runtime) and time.monotonic() < deadline:
            time.sleep(0.1)
        if stalled_until is not None:  # a call LINE is still sitting on may yet deliver
            time.sleep(max(0.0, stalled_until - time.monotonic()) + 0.5)
        settled = _settled(runtime)
    finally:
        fake.latency = 0.0
        runtime.stop()

    answers = {name: fake.messages_to(user_id(name)) for name in names}
    delivered = sum(len(a) for a in answers.values())
    duplicates = sum(len(a) - 1 for a in answers.values() if len(a) > 1)
    lost = sum(1 for a in answers.values() if not a)
    faults = {s: sum(1 for r in fake.requests if r.status == s) for s in (500, 429, 409)}
    with runtime.factory() as session:
        handled = session.scalar(select(func.count()).select_from(InboundEvent).where(
            InboundEvent.outcome != "pending"))
        failed = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == "failed"))
        retried = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.attempts > 1))
    runtime.engine.dispose()  # stop() disposed it once; these counts opened it again
    print(f"[line faults {fault}{' backlog' if backlog else ''}] users={USERS} sent={USERS} "
          f"acknowledged={statuses.count(200)} handled={handled} delivered={delivered} "
          f"duplicates={duplicates} lost={lost} | LINE answered 500={faults[500]} "
          f"429={faults[429]} 409={faults[409]}, rows retried={retried}, failed={failed}")
    assert statuses == [200] * USERS
    assert settled, "the outbox did not drain after LINE recovered"
    if fault == "500":
        assert faults[500] == 16
    elif fault == "429":
        assert faults[429] == 16
    else:
        assert retried > 0, "no call met the stall"
    assert handled == USERS and failed == 0
    assert all(a[0]["text"].startswith(NOT_LINKED_START) for a in answers.values() if a)
    assert (duplicates, lost) == (0, 0)
