"""The outbox sender's rules, one by one, with the clock in the test's hand.

Each test pins one rule of `bot.spine.sender` that the conversation tests only pass through:
leases and take-over, back-off and Retry-After, the give-up time, LINE's answers (409 as
delivered, the monthly limit, 4xx against 5xx) and the reply-to-push fallback.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import urllib3
from linebot.v3.messaging import ApiException
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.app import executors
from bot.spine import outbox
from bot.spine import sender as sender_module
from bot.spine.db import transaction
from bot.spine.sender import LEASE, Outcome, describe, from_api_exception
from models import OutboxMessage, utcnow
from tests.line_driver import user_id

TEXT = [{"type": "text", "text": "แจ้งผลการพิจารณา"}]


def queue_push(runtime, to: str = "someone") -> int:
    with transaction(runtime.factory) as session:
        (row,) = outbox.push(session, user_id(to), TEXT)
        session.flush()
        return row.id


def stored(runtime, row_id: int) -> OutboxMessage:
    with runtime.factory() as session:
        return session.get(OutboxMessage, row_id)


def test_a_live_lease_is_never_taken_over_and_a_run_out_one_is(runtime, fake):
    row_id = queue_push(runtime)
    t0 = utcnow() + timedelta(seconds=1)
    first = runtime.sender(worker="first", now=lambda: t0)
    (claimed,) = first.claim()
    assert stored(runtime, row_id).lease_until == t0 + LEASE

    for live in (timedelta(0), LEASE - timedelta(seconds=1), LEASE):  # up to the lease's last instant
        assert runtime.sender(worker="second", now=lambda live=live: t0 + live).claim() == []
    assert stored(runtime, row_id).claimed_by == "first"

    later = t0 + LEASE + timedelta(seconds=1)
    second = runtime.sender(worker="second", now=lambda: later)
    (taken,) = second.claim()
    assert (taken.id, taken.claimed_by, taken.attempts) == (row_id, "second", 2)
    assert stored(runtime, row_id).lease_until == later + LEASE

    # The first worker comes back from a long stall: its outcome is dropped, the row stays taken.
    first.perform(claimed)
    row = stored(runtime, row_id)
    assert (row.status, row.claimed_by) == ("sending", "second")
    second.perform(taken)
    assert stored(runtime, row_id).status == "sent"
    pushes = [r for r in fake.requests if r.path == "/v2/bot/message/push"]
    assert [r.status for r in pushes] == [200, 409]  # the same retry key: delivered once
    assert len(fake.messages_to(user_id("someone"))) == 1
    # 409 means LINE accepted this key before: the row is sent, under the first request's id,
    # and costs nothing more (the first push already counted).
    row = stored(runtime, row_id)
    assert (row.last_status, row.line_request_id, row.recipients) == (409, pushes[0].request_id, 0)
    assert row.sent_via == "push"


# --------------------------------------------------------------------------- LINE's error answers


def api_error(status, body=None, headers=None) -> ApiException:
    exc = ApiException(status=status)
    exc.body, exc.headers = body, headers
    return exc


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [
        # A server error or no status at all (the SDK gave up before an answer): try again.
        (503, b"busy", {"X-Line-Request-Id": "r-503"}, Outcome("retry", 503, "busy", "r-503")),
        (500, None, None, Outcome("retry", 500, "", None)),
        (None, "no answer", None, Outcome("retry", 0, "no answer", None)),
        # Rate limited: wait as long as LINE says, or back off when it says nothing usable.
        (429, b'{"message":"Too many"}', {"Retry-After": "7", "x-line-request-id": "r-429"},
         Outcome("retry", 429, '{"message":"Too many"}', "r-429", retry_after=7.0)),
        (429, "slow down", {"Retry-After": "soon"}, Outcome("retry", 429, "slow down", None)),
        (429, "slow down", {}, Outcome("retry", 429, "slow down", None)),
        # The monthly limit does not lift by retrying: give up at once, and say why.
        (429, b'{"message":"You have reached your monthly limit."}', {"X-Line-Request-Id": "r-q"},
         Outcome("failed", 429, 'monthly quota: {"message":"You have reached your monthly limit."}',
                 "r-q")),
        # Any other refusal is final: LINE's own words are kept for the operator.
        (400, b'{"message":"Invalid reply token"}', {"x-line-request-id": "r-400"},
         Outcome("failed", 400, '{"message":"Invalid reply token"}', "r-400")),
        (403, None, None, Outcome("failed", 403, "", None)),
    ],
)
def test_lines_error_answers_map_to_retry_or_fail(status, body, headers, expected):
    assert from_api_exception(api_error(status, body, headers)) == expected


def test_error_text_kept_from_lines_answer_is_bounded():
    long = "x" * 5000
    assert len(from_api_exception(api_error(503, long)).error) == 500
    assert len(from_api_exception(api_error(429, long)).error) == 500
    assert len(from_api_exception(api_error(400, long)).error) == 2000
    quota = from_api_exception(api_error(429, "monthly limit " + long))
    assert quota.error == "monthly quota: " + ("monthly limit " + long)[:500]


# --------------------------------------------------------------------------- recording an outcome


def claimed_at(runtime, row_id: int, now, *, attempts: int = 0, worker: str = "w"):
    """Claim `row_id`, made due, at `now` after `attempts` earlier attempts; (sender, row)."""
    with transaction(runtime.factory) as session:
        row = session.get(OutboxMessage, row_id)
        row.attempts, row.next_attempt_at = attempts, now
    sender = runtime.sender(worker=worker, now=lambda: now, backoff_base=10.0, backoff_cap=300.0)
    (row,) = sender.claim()
    return sender, row


@pytest.mark.parametrize(
    ("attempts_before", "expected_seconds"),
    [(0, 10 * 0.75), (1, 20 * 0.75), (3, 80 * 0.75), (10, 300 * 0.75)],  # doubles, then the cap
)
def test_retries_back_off_exponentially_with_jitter_up_to_the_cap(
    runtime, fake, monkeypatch, attempts_before, expected_seconds
):
    jitter_ranges = []
    monkeypatch.setattr(
        sender_module.random, "uniform", lambda a, b: jitter_ranges.append((a, b)) or 0.75
    )
    row_id = queue_push(runtime)
    now = utcnow() + timedelta(seconds=1)
    sender, row = claimed_at(runtime, row_id, now, attempts=attempts_before)
    sender.record(row, Outcome("retry", 503, "busy"))
    row = stored(runtime, row_id)
    assert (row.status, row.last_status, row.last_error) == ("pending", 503, "busy")
    assert row.next_attempt_at == now + timedelta(seconds=expected_seconds)
    assert (row.lease_until, row.finished_at) == (None, None)
    assert jitter_ranges == [(0.5, 1.0)]  # between half and all of the step


def test_by_default_the_back_off_starts_at_a_second_and_stops_at_five_minutes(
    runtime, fake, monkeypatch
):
    monkeypatch.setattr(sender_module.random, "uniform", lambda a, b: b)
    now = utcnow() + timedelta(seconds=1)
    sender = runtime.sender(worker="w", now=lambda: now)
    waits = []
    for attempts_before in (0, 30):
        # Two chats: a chat's second row waits while its first is backing off.
        row_id = queue_push(runtime, f"u{attempts_before}")
        with transaction(runtime.factory) as session:
            session.get(OutboxMessage, row_id).attempts = attempts_before
        (row,) = sender.claim()
        sender.record(row, Outcome("retry", 503))
        waits.append(stored(runtime, row_id).next_attempt_at - now)
    assert waits == [timedelta(seconds=1), timedelta(minutes=5)]


@pytest.mark.parametrize("retry_after", [7.0, 0.0])
def test_retry_after_is_the_wait_exactly_even_when_it_is_zero(runtime, fake, retry_after):
    row_id = queue_push(runtime)
    now = utcnow() + timedelta(seconds=1)
    sender, row = claimed_at(runtime, row_id, now, attempts=5)
    sender.record(row, Outcome("retry", 429, "slow down", retry_after=retry_after))
    assert stored(runtime, row_id).next_attempt_at == now + timedelta(seconds=retry_after)


def test_a_row_is_retried_up_to_the_give_up_time_and_failed_after_it(runtime, fake):
    row_id = queue_push(runtime)
    created = stored(runtime, row_id).created_at
    give_up = timedelta(seconds=runtime.config.outbox_give_up_seconds)

    sender, row = claimed_at(runtime, row_id, created + give_up)
    sender.record(row, Outcome("retry", 503, "still busy"))
    assert stored(runtime, row_id).status == "pending"  # the last instant still retries

    late = created + give_up + timedelta(seconds=1)
    sender, row = claimed_at(runtime, row_id, late)
    sender.record(row, Outcome("retry", 503, "still busy"))
    row = stored(runtime, row_id)
    assert (row.status, row.finished_at, row.last_error) == ("failed", late, "still busy")


def test_a_success_after_the_give_up_time_is_still_a_success(runtime, fake):
    row_id = queue_push(runtime)
    late = stored(runtime, row_id).created_at + timedelta(days=2)
    sender, row = claimed_at(runtime, row_id, late)
    sender.record(row, Outcome("sent", 200, request_id="r-1", via="push", recipients=3))
    row = stored(runtime, row_id)
    assert (row.status, row.finished_at, row.recipients) == ("sent", late, 3)
    assert (row.sent_via, row.last_status, row.line_request_id) == ("push", 200, "r-1")


def test_a_success_clears_the_last_error_and_keeps_an_earlier_request_id(runtime, fake):
    row_id = queue_push(runtime)
    now = utcnow() + timedelta(seconds=1)
    sender, row = claimed_at(runtime, row_id, now)
    sender.record(row, Outcome("retry", 503, "busy", request_id="r-first", via="push"))
    sender, row = claimed_at(runtime, row_id, now + timedelta(hours=1), attempts=1)
    sender.record(row, Outcome("sent", 200))  # no request id, no channel in this answer
    row = stored(runtime, row_id)
    assert (row.status, row.last_error, row.attempts) == ("sent", None, 2)
    assert (row.line_request_id, row.sent_via, row.last_status) == ("r-first", "push", 200)


def test_an_outcome_for_a_row_no_longer_in_this_workers_hands_is_dropped(runtime, fake):
    row_id = queue_push(runtime)
    now = utcnow() + timedelta(seconds=1)
    sender, row = claimed_at(runtime, row_id, now)
    sender.record(row, Outcome("sent", 200, request_id="r-1"))
    sender.record(row, Outcome("failed", 400, "late echo"))  # already finished: not 'sending'
    assert (stored(runtime, row_id).status, stored(runtime, row_id).last_error) == ("sent", None)


def test_follow_ups_run_for_sent_and_failed_but_not_for_a_retry(runtime, fake):
    ran = []
    now = utcnow() + timedelta(seconds=1)
    for status in ("sent", "failed", "retry"):
        row_id = queue_push(runtime)
        sender, row = claimed_at(runtime, row_id, now)
        sender.record(row, Outcome(status, after=lambda session, r, s=status: ran.append((s, r.id))))
    assert [s for s, _ in ran] == ["sent", "failed"] and all(ran_id for _, ran_id in ran)


def test_giving_up_tells_the_kinds_on_failed_hook_in_the_same_transaction(
    runtime, fake, monkeypatch
):
    def tell(session, row):
        assert row.status == "failed"
        session.add(OutboxMessage(kind="push", target=user_id("owner"), payload={"messages": TEXT}))

    monkeypatch.setitem(executors.ON_FAILED, "push", tell)
    row_id = queue_push(runtime)
    now = utcnow() + timedelta(seconds=1)
    sender, row = claimed_at(runtime, row_id, now)
    sender.record(row, Outcome("retry", 503, "busy"))  # not given up: nobody is told
    sender, row = claimed_at(runtime, row_id, now + timedelta(hours=1))
    sender.record(row, Outcome("failed", 400, "refused"))
    with runtime.factory() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(r.target, r.status) for r in rows] == [
        (user_id("someone"), "failed"), (user_id("owner"), "pending")
    ]


# --------------------------------------------------------------------------- performing


def test_a_kind_without_executor_fails_and_a_crashing_executor_is_retried(
    runtime, fake, monkeypatch
):
    def crash(ctx, row):
        raise RuntimeError("bug in executor" + " and more" * 100)

    monkeypatch.setitem(executors.EXECUTORS, "test_crash", crash)
    with transaction(runtime.factory) as session:
        outbox.effect(session, "test_unknown", {})
        outbox.effect(session, "test_crash", {})
    sender = runtime.sender(worker="w", now=lambda: utcnow() + timedelta(seconds=1))
    assert sender.run_once() == 2
    with runtime.factory() as session:
        unknown, crashed = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    assert (unknown.status, unknown.last_error) == ("failed", "no executor for 'test_unknown'")
    assert (crashed.status, crashed.last_error) == (
        "pending", ("crash: RuntimeError: bug in executor" + " and more" * 100)[:500]
    )


def test_a_row_whose_recording_fails_does_not_stop_the_batch(runtime, fake, monkeypatch):
    first, second = queue_push(runtime, "a"), queue_push(runtime, "b")
    sender = runtime.sender(worker="w")
    record = sender.record

    def record_all_but_first(row, outcome):
        if row.id == first:
            raise OSError("database went away")
        record(row, outcome)

    monkeypatch.setattr(sender, "record", record_all_but_first)
    assert sender.run_once() == 2
    assert (stored(runtime, first).status, stored(runtime, second).status) == ("sending", "sent")


def test_a_database_busy_while_recording_is_waited_out_so_the_row_is_not_sent_twice(
        runtime, fake, monkeypatch):
    row_id = queue_push(runtime)
    sender = runtime.sender(worker="w")
    record, faults = sender.record, [OperationalError("BEGIN IMMEDIATE", {}, Exception("locked"))] * 3

    def busy_then_free(row, outcome):
        if faults:
            raise faults.pop()
        record(row, outcome)

    monkeypatch.setattr(sender, "record", busy_then_free)
    monkeypatch.setattr(sender_module, "RECORD_RETRIES", (0, 0, 0))
    assert sender.run_once() == 1
    assert stored(runtime, row_id).status == "sent" and len(fake.messages_to(user_id("someone"))) == 1


def test_a_batch_is_at_most_twenty_rows_so_their_leases_outlast_the_sending(runtime, fake):
    with transaction(runtime.factory) as session:
        for n in range(21):
            outbox.push(session, user_id(f"u{n}"), TEXT)
    now = utcnow() + timedelta(seconds=1)
    assert len(runtime.sender(worker="a", now=lambda: now).claim()) == 20
    assert runtime.sender(worker="b", now=lambda: now).run_once() == 1


def test_claim_takes_due_rows_oldest_first_up_to_the_limit(runtime, fake):
    ids = [queue_push(runtime, f"u{n}") for n in range(3)]
    now = utcnow() + timedelta(seconds=1)
    with transaction(runtime.factory) as session:
        session.get(OutboxMessage, ids[0]).next_attempt_at = now + timedelta(seconds=1)  # not due
        session.get(OutboxMessage, ids[2]).next_attempt_at = now  # due this very instant
    sender = runtime.sender(worker="w", now=lambda: now)
    assert [r.id for r in sender.claim(limit=1)] == [ids[1]]
    assert [r.id for r in sender.claim(limit=5)] == [ids[2]]
    row = stored(runtime, ids[2])
    assert (row.status, row.claimed_by, row.attempts) == ("sending", "w", 1)


# --------------------------------------------------------------------------- reply, else push


def queue_reply(runtime, fake, *, event_time, to: str = "asker") -> int:
    token = fake.issue_reply_token(user_id(to))
    with transaction(runtime.factory) as session:
        (row,) = outbox.reply(session, token, user_id(to), TEXT, event_time=event_time,
                              window_seconds=50)
        session.flush()
        return row.id


def paths(fake) -> list[tuple[str, int]]:
    return [(r.path.rsplit("/", 1)[-1], r.status) for r in fake.requests]


def test_a_fresh_reply_token_is_used_and_costs_no_quota(runtime, fake):
    now = utcnow()
    row_id = queue_reply(runtime, fake, event_time=now)
    runtime.sender(worker="w", now=lambda: now + timedelta(seconds=49)).run_once()
    row = stored(runtime, row_id)
    assert (row.status, row.sent_via, row.recipients) == ("sent", "reply", 0)
    assert paths(fake) == [("reply", 200)]


def test_at_the_reply_deadline_the_message_goes_by_push_without_trying_the_token(runtime, fake):
    now = utcnow()
    row_id = queue_reply(runtime, fake, event_time=now)
    runtime.sender(worker="w", now=lambda: now + timedelta(seconds=50)).run_once()
    row = stored(runtime, row_id)
    assert (row.status, row.sent_via, row.recipients) == ("sent", "push", 1)
    assert paths(fake) == [("push", 200)]


def test_a_reply_row_without_a_deadline_goes_by_push(runtime, fake):
    with transaction(runtime.factory) as session:
        row = OutboxMessage(kind="reply", target=user_id("asker"), reply_token="t" * 32,
                            payload={"messages": TEXT})
        session.add(row)
    runtime.sender(worker="w").run_once()
    assert paths(fake) == [("push", 200)]


def test_a_reply_refused_for_its_content_fails_and_is_not_pushed(runtime, fake):
    now = utcnow()
    row_id = queue_reply(runtime, fake, event_time=now)
    fake.fail_next(1, 400, path="/v2/bot/message/reply",
                   body={"message": "The request body has 1 error(s)"})
    runtime.sender(worker="w", now=lambda: now + timedelta(seconds=1)).run_once()
    row = stored(runtime, row_id)
    assert (row.status, row.last_status) == ("failed", 400)
    assert paths(fake) == [("reply", 400)]


def test_a_reply_that_met_a_server_error_is_tried_again_as_a_reply(runtime, fake):
    now = utcnow()
    row_id = queue_reply(runtime, fake, event_time=now)
    fake.fail_next(1, 500, path="/v2/bot/message/reply")
    sender = runtime.sender(worker="w", now=lambda: now + timedelta(seconds=10))
    sender.run_once()
    assert stored(runtime, row_id).status == "pending"
    sender, row = claimed_at(runtime, row_id, now + timedelta(seconds=20), attempts=1)
    sender.perform(row)
    assert (stored(runtime, row_id).status, stored(runtime, row_id).sent_via) == ("sent", "reply")
    assert paths(fake) == [("reply", 500), ("reply", 200)]


def test_once_fallen_back_to_push_a_reply_row_never_tries_its_token_again(runtime, fake):
    now = utcnow()
    row_id = queue_reply(runtime, fake, event_time=now)
    fake.expire_reply_token(stored(runtime, row_id).reply_token)  # LINE refuses it early
    fake.fail_next(1, 503, path="/v2/bot/message/push")
    runtime.sender(worker="w", now=lambda: now + timedelta(seconds=1)).run_once()
    assert (stored(runtime, row_id).status, stored(runtime, row_id).sent_via) == ("pending", "push")
    sender, row = claimed_at(runtime, row_id, now + timedelta(seconds=5), attempts=1)
    sender.perform(row)
    assert paths(fake) == [("reply", 400), ("push", 503), ("push", 200)]


def test_a_reply_lost_on_the_network_is_tried_again_with_its_token_never_pushed(
    runtime, fake, monkeypatch
):
    now = utcnow()
    row_id = queue_reply(runtime, fake, event_time=now)

    def lost(*args, **kwargs):
        raise urllib3.exceptions.ProtocolError("connection reset")

    with monkeypatch.context() as patch:
        patch.setattr(runtime.clients.api, "reply_message_with_http_info", lost)
        runtime.sender(worker="w", now=lambda: now + timedelta(seconds=1)).run_once()
    row = stored(runtime, row_id)
    # LINE may have performed it: maybe delivered, so only the token (single-use) may go again.
    assert (row.status, row.sent_via, row.last_error) == ("pending", "reply?", "network: ProtocolError")
    sender, row = claimed_at(runtime, row_id, now + timedelta(seconds=5), attempts=1)
    sender.perform(row)  # it had not been performed: the token still works, delivered once
    assert (stored(runtime, row_id).status, stored(runtime, row_id).sent_via) == ("sent", "reply")
    assert paths(fake) == [("reply", 200)]


def test_a_maybe_delivered_reply_whose_token_is_spent_is_sent_and_not_pushed(runtime, fake):
    now = utcnow()
    row_id = queue_reply(runtime, fake, event_time=now)
    fake.fail_next(1, 500, path="/v2/bot/message/reply", after_delivery=True)
    runtime.sender(worker="w", now=lambda: now + timedelta(seconds=1)).run_once()
    assert (stored(runtime, row_id).status, stored(runtime, row_id).sent_via) == ("pending", "reply?")
    sender, row = claimed_at(runtime, row_id, now + timedelta(seconds=3), attempts=1)
    sender.perform(row)
    row = stored(runtime, row_id)
    assert (row.status, row.sent_via, row.last_status, row.recipients) == ("sent", "reply?", 400, 0)
    assert row.last_error.startswith("reply token spent by an earlier try whose answer was lost")
    assert paths(fake) == [("reply", 500), ("reply", 400)]
    assert len(fake.messages_to(user_id("asker"))) == 1


def test_a_maybe_delivered_reply_past_its_window_is_sent_without_calling_line(runtime, fake):
    now = utcnow()
    row_id = queue_reply(runtime, fake, event_time=now)
    fake.fail_next(1, 503, path="/v2/bot/message/reply", body={"message": "busy"})
    runtime.sender(worker="w", now=lambda: now + timedelta(seconds=1)).run_once()
    sender, row = claimed_at(runtime, row_id, now + timedelta(seconds=50), attempts=1)
    sender.perform(row)
    row = stored(runtime, row_id)
    assert (row.status, row.sent_via, row.last_status) == ("sent", "reply?", 503)
    assert row.last_error == '{"message": "busy"}'  # why it is only maybe delivered
    assert paths(fake) == [("reply", 503)]  # no push of the same messages


@pytest.mark.parametrize("error", [
    urllib3.exceptions.NewConnectionError(None, "refused"),
    urllib3.exceptions.ConnectTimeoutError("connect timed out"),
    urllib3.exceptions.MaxRetryError(None, "/v2/bot/message/reply",
                                     urllib3.exceptions.NewConnectionError(None, "refused")),
])
def test_a_reply_that_never_reached_line_is_not_maybe_delivered(runtime, fake, monkeypatch, error):
    now = utcnow()
    row_id = queue_reply(runtime, fake, event_time=now)

    def unreachable(*args, **kwargs):
        raise error

    with monkeypatch.context() as patch:
        patch.setattr(runtime.clients.api, "reply_message_with_http_info", unreachable)
        runtime.sender(worker="w", now=lambda: now + timedelta(seconds=1)).run_once()
    assert (stored(runtime, row_id).status, stored(runtime, row_id).sent_via) == ("pending", None)
    sender, row = claimed_at(runtime, row_id, now + timedelta(seconds=50), attempts=1)
    sender.perform(row)  # past the window, and surely never delivered: a push
    assert (stored(runtime, row_id).status, stored(runtime, row_id).sent_via) == ("sent", "push")
    assert paths(fake) == [("push", 200)]


def test_a_rate_limited_reply_is_not_maybe_delivered(runtime, fake):
    now = utcnow()
    row_id = queue_reply(runtime, fake, event_time=now)
    fake.fail_next(1, 429, path="/v2/bot/message/reply", headers={"Retry-After": "1"})
    runtime.sender(worker="w", now=lambda: now + timedelta(seconds=1)).run_once()
    assert (stored(runtime, row_id).status, stored(runtime, row_id).sent_via) == ("pending", None)


def test_the_database_says_what_a_call_in_flight_may_deliver(runtime, fake, monkeypatch):
    """A process killed during the call leaves the truth: "reply?" while a reply is in flight,
    "push" once the token was refused and the push is in flight."""
    now = utcnow()
    row_id = queue_reply(runtime, fake, event_time=now)
    fake.expire_reply_token(stored(runtime, row_id).reply_token)
    seen = []
    for name in ("reply_message_with_http_info", "push_message_with_http_info"):
        call = getattr(runtime.clients.api, name)

        def spy(*args, _call=call, _name=name, **kwargs):
            seen.append((_name.split("_")[0], stored(runtime, row_id).sent_via))
            return _call(*args, **kwargs)

        monkeypatch.setattr(runtime.clients.api, name, spy)
    runtime.sender(worker="w", now=lambda: now + timedelta(seconds=1)).run_once()
    assert seen == [("reply", "reply?"), ("push", "push")]
    assert (stored(runtime, row_id).status, stored(runtime, row_id).sent_via) == ("sent", "push")


def test_a_push_lost_on_the_network_is_retried(runtime, fake, monkeypatch):
    row_id = queue_push(runtime)

    def lost(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(runtime.clients.api, "push_message_with_http_info", lost)
    runtime.sender(worker="w").run_once()
    row = stored(runtime, row_id)
    assert (row.status, row.last_status, row.last_error) == ("pending", None, "network: OSError")


# --------------------------------------------------------------------------- what a push costs


def test_a_groups_size_is_asked_once_an_hour_and_a_failed_count_keeps_the_last_one(runtime, fake):
    group = "C" + "b" * 32
    fake.add_group(group, "ฝ่ายบริหาร", member_ids=[f"U{n:032x}" for n in range(3)])
    clock = [utcnow()]
    sender = runtime.sender(worker="w", now=lambda: clock[0])

    def push_to_group() -> int:
        with transaction(runtime.factory) as session:
            (row,) = outbox.push(session, group, TEXT)
            row.next_attempt_at = clock[0]
            session.flush()
            row_id = row.id
        sender.run_once()
        return stored(runtime, row_id).recipients

    def counts() -> int:
        return sum(r.path.endswith("/members/count") for r in fake.requests)

    assert push_to_group() == 3
    fake.add_group(group, "ฝ่ายบริหาร", member_ids=[f"U{n:032x}" for n in range(4)])
    clock[0] += timedelta(minutes=59)
    assert (push_to_group(), counts()) == (3, 1)  # still the count from the first push
    clock[0] += timedelta(minutes=1)
    assert (push_to_group(), counts()) == (4, 2)  # an hour old: asked again
    clock[0] += timedelta(hours=2)
    fake.fail_next(1, 500, path=f"/v2/bot/group/{group}/members/count")
    assert push_to_group() == 4  # LINE could not say: the last known size
    assert fake.pushes_count == 3 + 4 + 4 + 4


def test_a_group_push_whose_size_cannot_be_learnt_counts_once(runtime, fake):
    group = "C" + "d" * 32
    fake.add_group(group, "ฝ่ายการเงิน", member_ids=[f"U{n:032x}" for n in range(5)])
    fake.fail_next(1, 500, path=f"/v2/bot/group/{group}/members/count")
    with transaction(runtime.factory) as session:
        (row,) = outbox.push(session, group, TEXT)
        session.flush()
        row_id = row.id
    runtime.sender(worker="w").run_once()
    assert stored(runtime, row_id).recipients == 1


def test_a_push_to_a_room_costs_its_member_count(runtime, fake):
    room = "R" + "e" * 32
    fake.add_group(room, "ห้องประชุม", member_ids=[f"U{n:032x}" for n in range(2)])
    with transaction(runtime.factory) as session:
        (row,) = outbox.push(session, room, TEXT)
        session.flush()
        row_id = row.id
    runtime.sender(worker="w").run_once()
    row = stored(runtime, row_id)
    (push,) = [r for r in fake.requests if r.path == "/v2/bot/message/push"]
    assert (row.recipients, row.sent_via, row.last_status) == (2, "push", 200)
    assert row.line_request_id == push.request_id  # LINE's id, for asking LINE about it later
    assert fake.requests[-1].path == f"/v2/bot/room/{room}/members/count"


# --------------------------------------------------------------------------- the operator's view


def test_describe_names_what_and_where_and_lines_reason_but_never_the_text(runtime, fake):
    row_id = queue_push(runtime)
    now = utcnow() + timedelta(seconds=1)
    sender, row = claimed_at(runtime, row_id, now)
    sender.record(row, Outcome("failed", 400, '{"message": "Invalid reply token"}'))
    line = describe(stored(runtime, row_id))
    assert line.startswith(f"#{row_id} push      failed   attempts=1 to={user_id('someone')} ")
    assert line.endswith("Z Invalid reply token")
    assert TEXT[0]["text"] not in line


@pytest.mark.parametrize(
    ("last_error", "shown"),
    [
        (None, ""),
        ("network: OSError", "network: OSError"),  # not JSON
        ('["not", "an", "object"]', '["not", "an", "object"]'),
        ('{"details": []}', '{"details": []}'),  # JSON without LINE's message
        ('{"message": "' + "ก" * 200 + '"}', "ก" * 120),
    ],
)
def test_describe_shows_lines_message_or_the_error_as_it_is_within_120_characters(
    last_error, shown
):
    row = OutboxMessage(id=7, kind="download", status="pending", attempts=0, target=None,
                        last_error=last_error, created_at=utcnow())
    assert describe(row) == (f"#7 download  pending  attempts=0 to=- "
                             f"created={row.created_at:%Y-%m-%d %H:%M}Z {shown}")


# --------------------------------------------------------------------------- LINE calls


def test_every_line_call_carries_the_clients_timeout(runtime, fake, monkeypatch):
    """A LINE that hangs must not hold the sender: each call is bounded by the timeout."""
    timeouts = []
    for name in ("push_message_with_http_info", "reply_message_with_http_info",
                 "get_group_member_count", "get_room_member_count"):
        call = getattr(runtime.clients.api, name)

        def spy(*args, _call=call, _name=name, **kwargs):
            timeouts.append((_name, kwargs.get("_request_timeout")))
            return _call(*args, **kwargs)

        monkeypatch.setattr(runtime.clients.api, name, spy)
    group, room = "C" + "f" * 32, "R" + "f" * 32
    fake.add_group(group, "กลุ่ม", member_ids=[user_id("a")])
    fake.add_group(room, "ห้อง", member_ids=[user_id("a")])
    now = utcnow()
    queue_reply(runtime, fake, event_time=now)
    with transaction(runtime.factory) as session:
        outbox.push(session, group, TEXT)
        outbox.push(session, room, TEXT)
    runtime.sender(worker="w", now=lambda: now + timedelta(seconds=1)).run_once()
    limit = runtime.clients.timeout
    assert sorted(timeouts) == sorted([
        ("reply_message_with_http_info", limit),
        ("push_message_with_http_info", limit), ("get_group_member_count", limit),
        ("push_message_with_http_info", limit), ("get_room_member_count", limit),
    ])


# --------------------------------------------------------------------------- the loop


def test_the_loop_sends_survives_its_own_errors_and_stops_when_told(runtime, fake, monkeypatch):
    sender = runtime.sender(worker="w")
    run_once = sender.run_once
    calls = []

    def flaky_run_once():
        calls.append(len(calls))
        if len(calls) == 1:
            raise OSError("database restarting")
        return run_once()

    monkeypatch.setattr(sender, "run_once", flaky_run_once)
    row_id = queue_push(runtime)
    stop = threading.Event()
    loop = threading.Thread(target=sender.run_forever, args=(stop, 0.01), daemon=True)
    loop.start()
    try:
        deadline = time.monotonic() + 10
        while stored(runtime, row_id).status != "sent" and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        loop.join(timeout=5)
    assert not loop.is_alive()
    assert stored(runtime, row_id).status == "sent" and calls[:2] == [0, 1]
    assert len(fake.messages_to(user_id("someone"))) == 1


def idle() -> int:
    return 0


def database_down() -> int:
    raise OSError("database down")


@pytest.mark.parametrize("run_once", [idle, database_down])
def test_the_loop_rests_a_poll_when_idle_and_after_an_error(runtime, fake, monkeypatch, run_once):
    """Neither an empty outbox nor a database that is down may turn the loop into a busy spin."""
    sender = runtime.sender(worker="w")
    calls = []

    def counted() -> int:
        calls.append(1)
        return run_once()

    monkeypatch.setattr(sender, "run_once", counted)
    stop = threading.Event()
    loop = threading.Thread(target=sender.run_forever, args=(stop, 0.1), daemon=True)
    loop.start()
    time.sleep(0.5)
    stop.set()
    loop.join(timeout=5)
    assert 1 <= len(calls) <= 10  # about one call per poll; a spin makes thousands
