"""A reply whose answer from LINE was lost reaches the user exactly once (issue #12.3).

LINE performs the reply and then answers 500, or takes longer than the client waits: the token is
spent, so trying it again is refused, and pushing the same messages would deliver them twice.
"""

from __future__ import annotations

import dataclasses
import time

import pytest
from sqlalchemy import select

from models import OutboxMessage
from tests.conftest import SECRET
from tests.line_driver import LineDriver, user_id
from webhook import create_app

REPLY = "/v2/bot/message/reply"


def sends(fake) -> list[tuple[str, int]]:
    return [(r.path.rsplit("/", 1)[-1], r.status) for r in fake.requests
            if r.path.startswith("/v2/bot/message/")]


def the_row(runtime) -> OutboxMessage:
    with runtime.factory() as session:
        return session.scalars(select(OutboxMessage)).one()


def test_a_reply_line_performed_before_answering_500_arrives_once(line, fake, runtime):
    fake.fail_next(1, 500, path=REPLY, after_delivery=True)
    line.send(line.text_event("stranger", "สวัสดี"))
    [message] = fake.messages_to(user_id("stranger"))
    assert "ยังไม่ได้เชื่อม" in message["text"]
    assert sends(fake) == [("reply", 500), ("reply", 400)]  # the retry finds the token spent
    row = the_row(runtime)
    assert (row.status, row.sent_via, row.recipients) == ("sent", "reply?", 0)


@pytest.fixture
def impatient(config, fake):
    """The app with a LINE client that gives up after 0.3 s."""
    app = create_app(dataclasses.replace(config, line_timeout_seconds=0.3))
    runtime = app.extensions["prakat"]
    yield LineDriver(app.test_client(), fake, runtime, SECRET), runtime
    runtime.stop()


def test_a_reply_that_outlasted_the_client_timeout_arrives_once(impatient, fake):
    line, runtime = impatient
    fake.stall_next(1.0, path=REPLY)
    assert line.post(line.text_event("stranger", "สวัสดี")).status_code == 200
    runtime.sender(worker="w").run_once()  # gives up waiting after 0.3 s
    row = the_row(runtime)
    assert (row.status, row.sent_via, row.last_error) == ("pending", "reply?", "network: ReadTimeoutError")
    fake.wait_for_deliveries(1, timeout=5)  # meanwhile LINE did deliver it
    line.drain()
    assert len(fake.messages_to(user_id("stranger"))) == 1
    assert sends(fake) == [("reply", 200), ("reply", 400)]
    assert (the_row(runtime).status, the_row(runtime).sent_via) == ("sent", "reply?")


def test_a_retry_that_overtakes_the_stalled_reply_is_the_one_delivered(impatient, fake):
    line, runtime = impatient
    fake.stall_next(1.0, path=REPLY)
    line.send(line.text_event("stranger", "สวัสดี"))  # the retry goes while LINE still stalls
    deadline = time.monotonic() + 5
    while len(sends(fake)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(fake.messages_to(user_id("stranger"))) == 1
    assert sends(fake) == [("reply", 200), ("reply", 400)]  # the retry, then the stalled one refused
    assert (the_row(runtime).status, the_row(runtime).sent_via) == ("sent", "reply")
