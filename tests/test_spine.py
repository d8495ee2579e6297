"""The spine: signed intake, once-only handling, the outbox sender and its failure modes."""

from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from bot.spine import messages
from models import Base, InboundEvent, OutboxMessage
from tests.line_driver import sign, user_id


def count_rows(runtime) -> int:
    with runtime.engine.connect() as conn:
        return sum(conn.execute(select(func.count()).select_from(t)).scalar()
                   for t in Base.metadata.sorted_tables)


def test_verify_button_empty_events_answers_200(line):
    assert line.post().status_code == 200


def test_forged_missing_and_wrong_secret_signatures_write_nothing(line, runtime):
    before = count_rows(runtime)
    event = line.text_event("stranger", "สวัสดี")
    body = line.body(event)
    assert line.post(raw=body, signature="").status_code == 400
    assert line.post(raw=body, signature=sign("another-secret", body)).status_code == 400
    assert line.post(raw=body, signature="bm90IGEgc2lnbmF0dXJl").status_code == 400
    tampered = body.replace("สวัสดี".encode(), "ลาก่อน".encode())
    assert line.post(raw=tampered, signature=sign(line.secret, body)).status_code == 400
    assert count_rows(runtime) == before


def test_valid_signature_over_malformed_json_is_400_and_stores_nothing(line, runtime):
    before = count_rows(runtime)
    body = b'{"destination": "U1", "events": [ {"type": '
    assert line.post(raw=body, signature=sign(line.secret, body)).status_code == 400
    assert count_rows(runtime) == before


def test_body_over_one_mib_is_413(line):
    body = json.dumps({"destination": "U", "events": [], "pad": "x" * (1024 * 1024)}).encode()
    assert line.post(raw=body, signature=sign(line.secret, body)).status_code == 413


def test_a_body_over_one_mib_without_a_length_is_413_and_stores_nothing(app, line, runtime):
    body = json.dumps({"destination": "U", "events": [], "pad": "x" * (1024 * 1024)}).encode()
    before = count_rows(runtime)
    response = app.test_client().post("/callback", input_stream=io.BytesIO(body), headers={  # no length
        "X-Line-Signature": sign(line.secret, body), "Content-Type": "application/json"})
    assert response.status_code == 413 and count_rows(runtime) == before


def test_callback_takes_only_post(app, runtime):
    before = count_rows(runtime)
    response = app.test_client().get("/callback")
    assert (response.status_code, response.headers["Allow"]) == (405, "POST")
    assert count_rows(runtime) == before


def test_same_event_three_times_is_handled_once(line, runtime, fake):
    event = line.text_event("stranger", "สวัสดี")
    assert line.post(event).status_code == 200
    redelivered = {**event, "deliveryContext": {"isRedelivery": True}}
    assert line.post(redelivered).status_code == 200
    assert line.post(event).status_code == 200
    line.drain()
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(InboundEvent)) == 1
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert len(fake.messages_to(user_id("stranger"))) == 1


def test_unknown_event_types_are_recorded_and_ignored(line, runtime):
    event = line.event("membershipUnheard", user="stranger", reply=False)
    body = json.dumps({"destination": "U" + "0" * 32, "events": [event]}).encode()
    assert line.post(raw=body, signature=sign(line.secret, body)).status_code == 200
    with runtime.factory() as session:
        row = session.scalars(select(InboundEvent)).one()
    assert (row.type, row.outcome) == ("membershipUnheard", "ignored")
    assert line.drain() == []


def test_standby_events_are_recorded_and_not_answered(line, runtime):
    event = line.text_event("stranger", "สวัสดี")
    event["mode"] = "standby"
    del event["replyToken"]
    assert line.post(event).status_code == 200
    with runtime.factory() as session:
        assert session.scalars(select(InboundEvent)).one().outcome == "standby"
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_events_in_one_body_are_handled_in_timestamp_order(line, runtime):
    first = line.text_event("a", "one")
    second = line.text_event("b", "two")
    first["timestamp"], second["timestamp"] = 2000, 1000
    assert line.post(first, second).status_code == 200
    with runtime.factory() as session:
        order = [r.line_user_id for r in session.scalars(select(InboundEvent).order_by(InboundEvent.id))]
    assert order == [user_id("b"), user_id("a")]


def test_500_three_times_then_200_delivers_once_with_one_retry_key(line, fake):
    fake.fail_next(3, status=500, path="/v2/bot/message/push")
    event = line.text_event("stranger", "สวัสดี")
    fake.expire_reply_token(event["replyToken"])  # force the push path
    line.post(event)
    line.drain()
    pushes = [r for r in fake.requests if r.path == "/v2/bot/message/push"]
    assert [r.status for r in pushes] == [500, 500, 500, 200]
    keys = {r.headers.get("x-line-retry-key") for r in pushes}
    assert len(keys) == 1 and None not in keys
    assert len(fake.messages_to(user_id("stranger"))) == 1


def test_429_retry_after_is_honoured(line, fake, runtime):
    fake.fail_next(1, status=429, path="/v2/bot/message/push", headers={"Retry-After": "2"})
    event = line.text_event("stranger", "สวัสดี")
    fake.expire_reply_token(event["replyToken"])
    line.post(event)
    sender = runtime.sender(worker="t", backoff_base=0.001)
    sender.run_once()
    assert sender.run_once() == 0  # not due yet
    import time

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not fake.messages_to(user_id("stranger")):
        sender.run_once()
        time.sleep(0.1)
    pushes = [r for r in fake.requests if r.path == "/v2/bot/message/push"]
    assert [r.status for r in pushes] == [429, 200]
    assert pushes[1].at - pushes[0].at >= 2.0


def test_monthly_quota_429_fails_the_row_without_hammering(line, fake, runtime):
    fake.monthly_quota_exhausted = True
    event = line.text_event("stranger", "สวัสดี")
    fake.expire_reply_token(event["replyToken"])
    line.post(event)
    line.drain()
    pushes = [r for r in fake.requests if r.path == "/v2/bot/message/push"]
    assert len(pushes) == 1
    with runtime.factory() as session:
        row = session.scalars(select(OutboxMessage)).one()
    assert row.status == "failed" and row.last_error.startswith("monthly quota")


def test_other_4xx_fails_at_once_with_lines_error_body(line, fake, runtime):
    fake.fail_next(1, status=400, path="/v2/bot/message/push",
                   body={"message": "The request body has 1 error(s)"})
    event = line.text_event("stranger", "สวัสดี")
    fake.expire_reply_token(event["replyToken"])
    line.post(event)
    line.drain()
    with runtime.factory() as session:
        row = session.scalars(select(OutboxMessage)).one()
    assert row.status == "failed" and "1 error(s)" in row.last_error and row.attempts == 1


def test_expired_reply_token_falls_back_to_push(line, fake):
    event = line.text_event("stranger", "สวัสดี")
    fake.expire_reply_token(event["replyToken"])
    line.post(event)
    line.drain()
    kinds = [d.kind for d in fake.deliveries]
    assert kinds == ["push"]
    replies = [r for r in fake.requests if r.path == "/v2/bot/message/reply"]
    assert [r.status for r in replies] == [400]


def test_fresh_reply_token_is_used_and_costs_no_push(line, fake):
    line.text("stranger", "สวัสดี")
    assert [d.kind for d in fake.deliveries] == ["reply"]
    assert fake.pushes_count == 0


def test_give_up_after_bounded_time_marks_row_failed(line, fake, runtime):
    from datetime import timedelta

    fake.fail_next(100, status=503, path="/v2/bot/message/push")
    event = line.text_event("stranger", "สวัสดี")
    fake.expire_reply_token(event["replyToken"])
    line.post(event)
    with runtime.factory() as session, session.begin():
        row = session.scalars(select(OutboxMessage)).one()
        row.created_at -= timedelta(seconds=runtime.config.outbox_give_up_seconds + 1)
    line.drain()
    with runtime.factory() as session:
        row = session.scalars(select(OutboxMessage)).one()
    assert row.status == "failed" and row.attempts == 1


def test_healthz(client, runtime):
    assert client.get("/healthz").status_code == 200
    runtime.engine.dispose()
    original = runtime.engine.url
    from bot.spine.db import make_engine

    runtime.engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none"
                                 if original.get_backend_name() == "sqlite" else "sqlite:////nonexistent/dir/x.db")
    assert client.get("/healthz").status_code == 503


def test_a_crashing_handler_rolls_back_apologises_and_is_not_rerun(line, runtime, monkeypatch):
    from handlers import enrol
    from handlers.router import Handler

    def boom(ctx, _found):
        ctx.session.add(OutboxMessage(kind="push", target="U-half-written", payload={}))
        raise RuntimeError("bug")

    monkeypatch.setattr(enrol, "HANDLER", Handler("enrol", enrol.HANDLER.check, boom))

    event = line.text_event("stranger", "สวัสดี")
    for _ in range(2):  # the redelivery is not handled again
        assert line.post(event).status_code == 200
    assert line.handle() == 0  # and the stage does not retry a bug
    with runtime.factory() as session:
        assert session.scalars(select(InboundEvent)).one().outcome == "error"
        rows = session.scalars(select(OutboxMessage)).all()
    assert [r.target for r in rows] == [user_id("stranger")]  # the apology, not the half-written row
    line.drain()
    assert line.texts_to("stranger") == [messages.SORRY_ERROR]
    assert "ยังอยู่ครบ" not in messages.SORRY_ERROR  # it promises nothing it cannot keep


def test_a_push_to_a_group_records_its_member_count_as_the_quota_cost(runtime, fake):
    from bot.spine import outbox
    from bot.spine.db import transaction

    fake.add_group("C" + "a" * 32, "งานประชาสัมพันธ์", member_ids=[f"U{n:032x}" for n in range(5)])
    with transaction(runtime.factory) as session:
        outbox.push(session, "C" + "a" * 32, [{"type": "text", "text": "แจ้งการเผยแพร่"}])
        outbox.push(session, user_id("someone"), [{"type": "text", "text": "แจ้ง"}])
    sender = runtime.sender(worker="t")
    sender.run_once()
    with runtime.factory() as session:
        assert [r.recipients for r in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))] == [5, 1]
    assert fake.pushes_count == 6


def test_a_failing_follow_up_fails_its_row_and_the_batch_goes_on(runtime, fake, monkeypatch):
    from bot.app import executors
    from bot.spine import outbox, sender
    from bot.spine.db import transaction

    def broken_follow_up(ctx, row):
        def after(session, _row):
            session.add(OutboxMessage(kind="push", target="U-half", payload={}))
            raise OSError("disk full")

        return sender.Outcome("sent", 200, after=after)

    monkeypatch.setitem(executors.EXECUTORS, "test_effect", broken_follow_up)
    with transaction(runtime.factory) as session:
        outbox.effect(session, "test_effect", {})
        outbox.push(session, user_id("someone"), [{"type": "text", "text": "ถัดไป"}])
    runtime.sender(worker="t").run_once()
    with runtime.factory() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(r.kind, r.status) for r in rows] == [("test_effect", "failed"), ("push", "sent")]
    assert "disk full" in rows[0].last_error
