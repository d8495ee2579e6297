"""The app factory, configuration errors, sandbox mode and the operator's outbox commands."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import select

from bot.spine.config import SANDBOX_SECRET, Config, ConfigError
from models import OutboxMessage
from tests.conftest import ROOT
from tests.line_driver import LineDriver, user_id
from webhook import create_app


@pytest.mark.parametrize("env, name", [
    ({"PORT": "eighty"}, "PORT"),
    ({"PORT": "70000"}, "PORT"),
    ({"PUBLIC_BASE_URL": "prakat.example"}, "PUBLIC_BASE_URL"),
    ({"LINE_API_BASE": "ftp://x"}, "LINE_API_BASE"),
    ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
    ({"LINE_CHANNEL_SECRET": "only-the-secret"}, "LINE_CHANNEL_ACCESS_TOKEN"),
    ({"MAX_FILE_MB": "0"}, "MAX_FILE_MB"),
    ({"SENDER_THREADS": "0"}, "SENDER_THREADS"),
    ({"SENDER_THREADS": "eight"}, "SENDER_THREADS"),
])
def test_a_malformed_setting_is_refused_naming_it(env, name, tmp_path):
    with pytest.raises(ConfigError, match=name):
        Config.from_env(env, instance_path=str(tmp_path))


def test_python_webhook_py_stops_with_one_clear_line(tmp_path):
    result = subprocess.run([sys.executable, "webhook.py"], cwd=ROOT, capture_output=True, text=True,
                            env={"PORT": "eighty", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                            timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: PORT must be a whole number, got 'eighty'"]


def test_postgres_urls_use_psycopg3(tmp_path):
    config = Config.from_env({"DATABASE_URL": "postgresql://u@db/prakat"}, instance_path=str(tmp_path))
    assert config.database_url == "postgresql+psycopg://u@db/prakat"


def test_sandbox_mode_answers_through_the_in_process_fake(tmp_path, fake, caplog):
    app = create_app(Config(database_url=f"sqlite:///{tmp_path}/s.db", data_dir=str(tmp_path / "d"),
                            instance_path=str(tmp_path)).validated())
    runtime = app.extensions["prakat"]
    try:
        assert runtime.config.sandbox
        driver = LineDriver(app.test_client(), runtime.clients and runtime.fake_line, runtime,
                            SANDBOX_SECRET)
        assert "sandbox mode" in caplog.text
        driver.text("visitor", "สวัสดี")
        [message] = runtime.fake_line.messages_to(user_id("visitor"))
        assert "ยังไม่ได้เชื่อม" in message["text"]
    finally:
        runtime.stop()


def test_outbox_commands_list_and_requeue_a_failed_row(app, line, fake, runtime):
    fake.fail_next(1, status=400, path="/v2/bot/message/push", body={"message": "bad"})
    event = line.text_event("stranger", "สวัสดี")
    fake.expire_reply_token(event["replyToken"])
    line.post(event)
    line.drain()
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["outbox"])
    assert "failed" in listing.output and "bad" in listing.output
    with runtime.factory() as session:
        row_id = session.scalars(select(OutboxMessage.id)).one()
    assert "requeued" in runner.invoke(args=["outbox", "retry", str(row_id)]).output
    line.drain()
    assert runner.invoke(args=["outbox"]).output.strip() == "outbox is empty: nothing pending or failed"
    assert len(fake.messages_to(user_id("stranger"))) == 1
    assert runner.invoke(args=["outbox", "retry", "999"]).exit_code != 0


def test_events_command_shows_what_waits_and_what_failed(app, line, runtime, monkeypatch):
    from handlers import enrol
    from handlers.router import Handler

    runner = app.test_cli_runner()
    assert "no events recorded yet" in runner.invoke(args=["events"]).output
    line.post(line.text_event("waiting", "สวัสดี"), handle=False)

    def boom(ctx, _found):
        raise RuntimeError("handler bug")

    listing = runner.invoke(args=["events"]).output
    assert "pending=1" in listing and "#1 pending" in listing
    monkeypatch.setattr(enrol, "HANDLER", Handler("enrol", enrol.HANDLER.check, boom))
    line.handle()
    listing = runner.invoke(args=["events"]).output
    assert "error=1" in listing and "RuntimeError: handler bug" in listing
