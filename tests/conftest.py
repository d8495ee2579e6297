"""Fixtures: the app on SQLite (or PostgreSQL when TEST_DATABASE_URL is set), the fake LINE API,
a driver that speaks LINE's webhook, and the office's personas loaded from examples/office.yaml."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.office.org import create_invite, person_by_key
from bot.office.orgfile import load
from bot.sandbox.line_fake import FakeLine
from bot.spine.config import Config
from bot.spine.db import make_engine, migrate, transaction
from models import Base, Person, utcnow
from tests.line_driver import LineDriver, user_id
from webhook import create_app

SECRET = "test-channel-secret"
TOKEN = "test-access-token"
ROOT = Path(__file__).resolve().parent.parent
OFFICE_YAML = (ROOT / "examples" / "office.yaml").read_text(encoding="utf-8")
PG_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def fake_line_server():
    fake = FakeLine(access_token=TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(fake_line_server):
    """The fake LINE API; every message the bot sent in the test must have passed its schema checks."""
    fake_line_server.reset()
    yield fake_line_server
    errors = list(fake_line_server.validation_errors)
    fake_line_server.reset()
    assert errors == [], f"the bot sent requests LINE would refuse: {errors}"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """Migrate once per run; each test then gets a copy (SQLite) or emptied tables (PostgreSQL)."""
    if PG_URL:
        engine = make_engine(Config(database_url=PG_URL).validated().database_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        migrate(engine)
        engine.dispose()
        return None
    path = tmp_path_factory.mktemp("template") / "prakat.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


def _empty_postgres(url: str) -> None:
    engine = make_engine(url)
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        conn.execute(text("DROP TABLE IF EXISTS scheduler_jobs"))
    engine.dispose()


@pytest.fixture
def database_url(tmp_path, migrated_template):
    if PG_URL:
        url = Config(database_url=PG_URL).validated().database_url
        _empty_postgres(url)
        return url
    target = tmp_path / "prakat.db"
    shutil.copy(migrated_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def config(tmp_path, fake, database_url) -> Config:
    return Config(
        line_channel_secret=SECRET, line_channel_access_token=TOKEN,
        line_api_base=fake.url, line_data_api_base=fake.url, database_url=database_url,
        public_base_url="https://prakat.example.go.th", data_dir=str(tmp_path / "data"),
        secret_key="test-secret-key", instance_path=str(tmp_path / "instance"), testing=True,
    ).validated()


@pytest.fixture
def app(config):
    app = create_app(config)
    yield app
    app.extensions["prakat"].stop()


@pytest.fixture
def runtime(app):
    return app.extensions["prakat"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def line(client, fake, runtime) -> LineDriver:
    return LineDriver(client, fake, runtime, SECRET)


@pytest.fixture
def office(runtime):
    """The example office, loaded as an administrator would."""
    with transaction(runtime.factory) as session:
        load(session, OFFICE_YAML)
    return runtime


def link(runtime, key: str) -> str:
    """Link KEY's LINE account directly (the invite flow itself is tested in test_org)."""
    with transaction(runtime.factory) as session:
        person = person_by_key(session, key)
        create_invite(session, person, utcnow())
        person.line_user_id, person.linked_at = user_id(key), utcnow()
    return user_id(key)


@pytest.fixture
def people(office):
    """Link the personas the procedure needs: staff, their unit director, the office director, ICT."""
    for key in ("kanya", "prasert", "somchai", "pimchanok", "nittaya", "wanpen", "suda", "manee"):
        link(office, key)
    return office


def person(runtime, key: str) -> Person:
    with runtime.factory() as session:
        return person_by_key(session, key)


@pytest.fixture
def browser():
    """A headless Chromium (tests/browser.py), for the tests that drive pages."""
    from tests.browser import chromium

    with chromium() as running:
        yield running


@pytest.fixture
def sandbox(database_url, tmp_path):
    """The app in sandbox mode on a free port, with the fake LINE: (base URL, runtime)."""
    from tests.sandbox_server import sandbox_app

    with sandbox_app(database_url, tmp_path) as running:
        yield running


# CI installs Chromium, Tesseract and WordPress (.ci/setup), so there a test that skips for want
# of one is a broken setup, not a missing option: REQUIRE_TEST_TOOLS=1 turns those skips into
# failures. On a developer's machine without them they stay skips.
TOOL_SKIPS = (".ci/setup", "WordPress", "tesseract", "chromium")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or not os.environ.get("REQUIRE_TEST_TOOLS"):
        return
    reason = str(report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr)
    if any(tool.lower() in reason.lower() for tool in TOOL_SKIPS):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where .ci/setup installs its tools: {reason}"
