"""The portal bench works: its archive is what publishing would have written, and a tiny run against
real gunicorn and worker processes gets every page answered. No timing is asserted."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bench import portal_bench, portal_data
from bot.publishing import search_index
from models import Office, Publication, Unit
from tests.test_search import titles


def test_the_archive_is_published_in_id_order_and_searchable(office, client):
    with office.factory() as session:
        office_id = session.scalar(select(Office.id))
        units = list(session.scalars(select(Unit.id)))
    archive = portal_data.generate(60, office_id=office_id, unit_ids=units, people=[1, 2],
                                   approvers=(1, 2), end=datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    with office.engine.begin() as conn:
        live = portal_data.insert_archive(conn, archive)
    published = [p["published_at"] for p in archive.publications]
    assert published == sorted(published) and live == sum(1 for p in archive.publications
                                                          if p["retracted_at"] is None)
    with office.factory() as session:
        assert session.scalar(select(func.count()).select_from(Publication)) == 60
        some = next(v["title"] for v, p in zip(archive.versions, archive.publications, strict=True)
                    if p["retracted_at"] is None)
    word = some.split()[0][-6:]
    with office.factory() as session:
        expected = len(search_index.search(session, office_id, [word]).ids)
    assert expected >= 1 and len(titles(client, word)) == min(expected, 20)
    mix = portal_data.queries(random.Random(1), 200)
    assert any(len(q) < search_index.MIN_CHARS for q in mix) and any(" " in q for q in mix)


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                    reason="the bench harness runs on its own SQLite; once per CI run is enough")
def test_smoke_run_answers_every_page_and_reads_the_memory_of_each_process(tmp_path):
    smoke = portal_bench.SMOKE
    result = portal_bench.run(None, smoke["items"], smoke["per_page"], 1, smoke["workers"], tmp_path,
                              echo=lambda *a, **k: None)
    assert result.items == smoke["items"] and 0 < result.live <= result.items
    for page in portal_bench.PAGES:
        assert result.statuses[page] == {200: smoke["per_page"]}, (page, result.statuses[page])
        s = result.summary(page)
        assert s["n"] == smoke["per_page"] and 0 < s["p50_ms"] <= s["p99_ms"] <= s["max_ms"]
    assert set(result.renders) == {"notice.pdf", "card.png"}
    assert len(result.web_hwm_mb) == smoke["workers"] and min(result.web_hwm_mb) > 0
    assert result.worker_hwm_mb > 0 and result.menus_linked == 26
    printed = portal_bench.report(result, "python -m bench.portal_bench --smoke", 1, smoke["workers"])
    assert all(page in printed for page in portal_bench.PAGES) and "peak RSS" in printed
