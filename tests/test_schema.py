"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL, and
a PostgreSQL server that keeps Bangkok time reads back every time as it was written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, select

import models
from bot.spine.db import transaction
from models import InboundEvent
from tests.conftest import PG_URL


def _include(name, type_, _parents) -> bool:  # as migrations/env.py: the search index has no model
    return not (type_ == "table" and name and name.startswith("publication_search"))


def test_the_migrated_schema_is_the_models_schema(runtime):
    with runtime.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": _include})
        assert compare_metadata(context, models.Base.metadata) == []


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL's session TimeZone")
def test_a_server_on_bangkok_time_reads_the_queues_times_back_as_written(runtime):
    @event.listens_for(runtime.engine, "connect")
    def _bangkok(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'Asia/Bangkok'")

    runtime.engine.dispose()  # every connection from here on is a Bangkok one
    try:
        due = datetime(2027, 1, 4, 2, 30, tzinfo=UTC)
        with transaction(runtime.factory) as session:
            session.add(InboundEvent(webhook_event_id="tz-1", type="message", chat_key="U1", timestamp_ms=1,
                                     outcome="pending", payload={}, received_at=due, next_attempt_at=due,
                                     handled_at=due))
        with runtime.factory() as session:
            row = session.scalars(select(InboundEvent).where(InboundEvent.webhook_event_id == "tz-1")).one()
            assert (row.received_at, row.next_attempt_at, row.handled_at) == (due, due, due)
    finally:
        event.remove(runtime.engine, "connect", _bangkok)
        runtime.engine.dispose()
