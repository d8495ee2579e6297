"""The statements every webhook and every handled event runs are compiled once, not per use.

SQLAlchemy never caches its dialects' `INSERT … ON CONFLICT` constructs; compiling one costs
more than the rest of the acknowledgement (bench/webhook_bench.py). So the webhook's INSERT and
the chat state's lookup must hit SQLAlchemy's statement cache from the second use on.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine.default import CACHE_HIT


def _watch(engine) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(conn, cursor, statement, parameters, context, executemany):
        if context is not None and context.compiled is not None:
            seen.append((statement, context.cache_hit))

    return seen


def test_the_webhook_insert_is_compiled_once(line, runtime):
    line.post(line.text_event("kanya", "สวัสดี"), handle=False)
    seen = _watch(runtime.engine)
    for _ in range(2):
        assert line.post(line.text_event("kanya", "สวัสดี"), handle=False).status_code == 200
    inserts = [hit for sql, hit in seen if sql.startswith("INSERT INTO inbound_events")]
    assert inserts == [CACHE_HIT, CACHE_HIT]


def test_handling_a_known_user_compiles_nothing_new(people, line, runtime):
    assert line.text("kanya", "วิธีใช้")  # her chat state is created here
    assert line.text("kanya", "วิธีใช้")
    seen = _watch(runtime.engine)
    said = line.text("kanya", "วิธีใช้")
    assert "สิ่งที่ทำได้ในแชตนี้" in said[0]["text"]
    fresh = [sql for sql, hit in seen if hit != CACHE_HIT and not sql.startswith(("SAVEPOINT", "RELEASE"))]
    assert fresh == []
