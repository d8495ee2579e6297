"""Durability with real processes: SIGKILL between commit and send; two workers on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.spine import outbox
from bot.spine.db import transaction
from models import OutboxMessage, utcnow
from tests.conftest import PG_URL, ROOT, SECRET, TOKEN
from tests.line_driver import sign, user_id


def _run_until_killed(args, wait_for: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    seen = None
    try:
        for line in proc.stdout:  # the child prints READY or SENT, then waits to be killed
            if line.strip() in ("READY", "SENT"):
                seen = line.strip()
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert seen == wait_for


@pytest.mark.parametrize("mode", ["after_record", "after_commit", "after_claim", "after_send"])
def test_killed_process_sends_once_after_restart(mode, line, fake, runtime, config, tmp_path):
    event = line.text_event("stranger", "สวัสดี")
    fake.expire_reply_token(event["replyToken"])  # the reply goes by push: retry keys matter
    body = line.body(event)
    body_file = tmp_path / "body.json"
    body_file.write_bytes(body)
    wait_for = "SENT" if mode == "after_send" else "READY"
    _run_until_killed(
        [
            "tests.crash_process",
            config.database_url,
            fake.url,
            SECRET,
            TOKEN,
            str(body_file),
            sign(SECRET, body),
            mode,
        ],
        wait_for,
    )

    # "Restart": a new sender in this process, after the dead worker's lease has run out.
    later = utcnow() + timedelta(minutes=2)
    assert runtime.stage().run_until_idle() == (1 if mode == "after_record" else 0)
    sender = runtime.sender(worker="restarted", now=lambda: later)
    while sender.run_once():
        pass
    assert len(fake.messages_to(user_id("stranger"))) == 1
    with runtime.factory() as session:
        row = session.scalars(select(OutboxMessage)).one()
    assert row.status == "sent"
    if mode == "after_send":
        statuses = [r.status for r in fake.requests if r.path == "/v2/bot/message/push"]
        assert statuses == [200, 409]


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_two_workers_on_postgres_deliver_500_pushes_exactly_once_each_chat_in_order(runtime, fake, config):
    with transaction(runtime.factory) as session:
        for n in range(500):
            outbox.push(
                session, user_id(f"user{n % 50}"), [{"type": "text", "text": f"ข้อความที่ {n}"}]
            )
    env = {
        **os.environ,
        "DATABASE_URL": config.database_url,
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_BASE": fake.url,
        "LINE_DATA_API_BASE": fake.url,
        "OUTBOX_POLL_SECONDS": "0.05",
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "webhook", "worker", "--no-scheduler",
             "--senders", "4"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with runtime.factory() as session:
                left = session.scalars(
                    select(OutboxMessage).where(OutboxMessage.status != "sent")
                ).all()
            if not left:
                break
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=20)
    assert left == []
    pushes = [r for r in fake.requests if r.path == "/v2/bot/message/push"]
    assert len(pushes) == 500 and {r.status for r in pushes} == {200}
    texts = sorted(m["text"] for d in fake.deliveries for m in d.messages)
    assert texts == sorted(f"ข้อความที่ {n}" for n in range(500))
    for u in range(50):  # two processes of many threads, and each chat still reads in order
        assert [m["text"] for m in fake.messages_to(user_id(f"user{u}"))] == [
            f"ข้อความที่ {n}" for n in range(u, 500, 50)]
    with runtime.factory() as session:
        claimed_by = {r.claimed_by for r in session.scalars(select(OutboxMessage))}
    assert len({name.rsplit(":", 1)[0] for name in claimed_by}) == 2  # both processes took a share
    assert len(claimed_by) > 2  # … with several sender threads each
