"""The outside-in benches: their traffic is what LINE sends, their figures are computed right, and
a tiny run of each against real processes (gunicorn, worker, fake LINE, the baseline bot) gets
every event acknowledged, every reply matched and every approval published. No timing is
asserted: the machine's load is not the code's business."""

from __future__ import annotations

import json
import math
import os
from collections import Counter

import pytest
from linebot.v3 import WebhookParser

from bench import ack_bench, ack_cpu, approval_bench, reply_bench, sender_burst_bench, versus_bench
from bench.acks import SMOKE_LOADS, run_prakat
from bench.load import (
    MIX,
    LoadResult,
    Planned,
    Sample,
    Traffic,
    line_user_id,
    loopback_only,
    office_keys,
    plan,
)
from bench.stacks import prakat_stack
from tests.webhook_schema import validate_body


def test_traffic_is_signed_valid_line_webhooks_in_the_mix():
    users = [line_user_id(k) for k in office_keys()]
    planned = plan(40, users)
    for block in range(4):
        assert Counter(p.kind for p in planned[block * 10:(block + 1) * 10]) == dict(MIX)
    traffic = Traffic.made_up("the-secret", planned, per_body=2)
    assert traffic.bodies == 20
    parser = WebhookParser("the-secret")
    ids = set()
    for n in range(traffic.bodies):
        raw, headers = traffic.body(n)
        payload = json.loads(raw)
        validate_body(payload)  # LINE's webhook.yml, concrete event, source and message schemas
        events = parser.parse(raw.decode(), headers["X-Line-Signature"])  # raises on a bad signature
        assert len(events) == 2
        ids.update(e["webhookEventId"] for e in payload["events"])
    assert len(ids) == 40


def test_the_in_app_ack_bench_posts_signed_bodies_the_webhook_accepts():
    assert ack_cpu.run(20, None) > 0  # it exits if any body is not answered 200


def test_only_loopback_targets():
    assert loopback_only("http://127.0.0.1:8000/callback")
    for url in ("http://localhost:8000/callback", "https://example.com/callback", "http://10.0.0.1/callback"):
        with pytest.raises(ValueError):
            loopback_only(url)


def test_summary_percentiles_late_and_errors():
    samples = [Sample(i / 100, 200, 1) for i in range(1, 101)]  # 10 ms … 1000 ms
    samples += [Sample(2.5, 200, 1), Sample(10.0, 0, 1), Sample(0.1, 500, 1)]
    summary = LoadResult("closed 1", samples, wall_seconds=2.0, cpu_seconds=0.5).summary()
    assert summary["acked_events"] == 101
    assert summary["events_per_s"] == pytest.approx(50.5)
    # Nearest rank over all 103 answers, failed ones included: the 52nd is 510 ms (the 500's 100 ms
    # sits below it), the 102nd is the late 2.5 s.
    assert (summary["p50_ms"], summary["p99_ms"]) == (pytest.approx(510), pytest.approx(2500))
    assert (summary["late"], summary["errors"]) == (1, 2)
    assert summary["gen_cpu_core"] == pytest.approx(0.25)


def test_replies_are_matched_by_token_and_pushes_by_user_in_order():
    users = ["Ua", "Ub"]
    planned = [Planned("text", users[n % 2], None) for n in range(4)]
    traffic = Traffic.made_up("s", planned)
    samples = [Sample(0.001, 200, 1, n, 10.0 + n) for n in range(4)]
    deliveries = [
        {"kind": "reply", "reply_token": traffic.tokens[0], "to": "Ua", "at": 10.2},
        {"kind": "push", "reply_token": None, "to": "Ub", "at": 9.0},  # before event 1: not its answer
        {"kind": "push", "reply_token": None, "to": "Ub", "at": 11.5},  # event 1's, by push
        {"kind": "reply", "reply_token": traffic.tokens[2], "to": "Ua", "at": 12.1},
    ]  # event 3 (Ub, due at 13) got nothing
    waits, by_reply, by_push = reply_bench.match(samples, traffic, deliveries)
    assert waits == [pytest.approx(0.2), pytest.approx(0.5), pytest.approx(0.1), math.inf]
    assert (by_reply, by_push) == (2, 1)


def test_every_submitter_has_a_unit_director_who_is_someone_else():
    pairs = approval_bench.submitters()
    assert len(pairs) >= 10
    assert all(staff != director and director != "somchai" for staff, director in pairs)


# The harness starts its own SQLite Prakat whatever the suite's database: run it in one pass only.
real_processes = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                                    reason="the bench harness runs on its own SQLite; once per CI run is enough")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """One production-shaped Prakat (gunicorn -w 4 + worker + fake LINE) for the smoke runs."""
    with prakat_stack(tmp_path_factory.mktemp("bench"), None) as running:
        yield running


@real_processes
def test_smoke_approval_reaches_the_portal_and_the_pr_group(stack):
    # First, while every chat is fresh: two documents driven to their final step over webhooks.
    result = approval_bench.run(stack, 2)
    assert result["items"] == 2
    assert 0 < result["page_p50_ms"] <= result["both_max_ms"] and result["pr_card_p50_ms"] > 0


@real_processes
def test_smoke_acknowledges_every_event_and_says_how_far_the_stage_got(stack):
    rows = []
    run_prakat(stack, SMOKE_LOADS, [0.05], rows, echo=lambda *a, **k: None)
    assert [r.load for r in rows] == SMOKE_LOADS
    for row in rows:
        s = row.summary
        assert s["errors"] == 0 and s["acked_events"] == s["bodies"] == row.planned_events, s
        assert s["p50_ms"] > 0 and s["p99_ms"] >= s["p90_ms"] >= s["p50_ms"] and s["events_per_s"] > 0
        assert row.refused == [] and row.database == "SQLite"
        assert row.handled is not None and row.leftover_events is not None and "gunicorn" in row.cpu
    assert ack_bench.table(rows).count("SQLite") == 2
    assert [line.split()[0] for line in ack_bench.targets(rows)] in (["MET"], ["MISSED"])  # no 300/s load here


@real_processes
def test_smoke_against_the_baseline_gives_both_sides_and_the_ratio(stack, tmp_path):
    loads = SMOKE_LOADS[:1]
    rows = []
    run_prakat(stack, loads, [0.05], rows, echo=lambda *a, **k: None)
    rows += versus_bench.run_baseline(loads, [0.05], stack.fake_url, stack.users, tmp_path, warmup=4,
                                      echo=lambda *a, **k: None)
    rows = versus_bench.in_order(rows, loads, [0.05])
    assert [r.bot for r in rows] == ["prakat", "baseline"]
    baseline = rows[1]
    assert baseline.summary["errors"] == 0 and baseline.refused == []
    # it replied to every event inside the request, with a real token
    assert baseline.line_calls.get("POST /v2/bot/message/reply 200") == baseline.planned_events
    printed = versus_bench.table(rows)
    assert " | " in printed and printed.rstrip().endswith("x")
    assert len(versus_bench.targets(rows)) == 1


@real_processes
def test_smoke_every_event_is_answered_by_its_reply(stack):
    result = reply_bench.run(stack, rate=10, seconds=1, warmup=0)
    assert result["events"] == 10 and result["unanswered"] == 0 and result["ack_errors"] == 0
    assert result["by_reply"] == 10 and result["by_push"] == 0
    assert 0 < result["reply_p50_ms"] <= result["reply_p95_ms"] <= result["reply_max_ms"]


@real_processes
def test_smoke_sender_burst_delivers_every_reply_as_a_reply(tmp_path):
    smoke = sender_burst_bench.SMOKE
    rows = sender_burst_bench.run_all(smoke["threads"], smoke["replies"], smoke["latency"], None,
                                      tmp_path, echo=lambda *a, **k: None)
    assert [r.threads for r in rows] == smoke["threads"]
    for row in rows:
        assert (row.by_reply, row.by_push, row.unfinished) == (smoke["replies"], 0, 0), row
        assert row.line_calls == {"POST /v2/bot/message/reply 200": smoke["replies"]}, row
        assert 0 < row.median_seconds <= row.last_seconds
    assert sender_burst_bench.HEADER.count("|") == row.line().count("|") * 2
