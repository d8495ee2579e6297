"""The many-offices bench: its schedule is the load it says, its bodies are each office's own
signed LINE webhooks to each office's addresses, and a quick run against real processes (gunicorn,
a worker, the fake LINE, three offices loaded by the org loader with channels of their own) gets
every event acknowledged and answered by a reply on the event's own office's channel. No timing
is asserted: the machine's load is not the code's business."""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
from linebot.v3 import WebhookParser

from bench import claim_query_bench, offices_bench, stage_query_bench, turns
from bench.offices_bench import MIX, OfficeTraffic, phase, schedule
from bench.offices_data import make_offices, office_names, org_file, person_line_id
from bot.office.orgfile import parse
from tests.webhook_schema import validate_body


def test_steady_rate_over_all_offices_and_one_office_bursting_in_the_middle_third():
    dues = schedule(5, rate=20, seconds=9, burst_office=2, burst_factor=10)
    steady = [d for d in dues if not d.burst]
    burst = [d for d in dues if d.burst]
    assert len(steady) == 180 and {d.office for d in steady} == set(range(5))
    assert len(burst) == 10 * 20 / 5 * 3 and {d.office for d in burst} == {2}
    assert all(phase(d.at, 9) == "burst" for d in burst)
    assert [d.at for d in dues] == sorted(d.at for d in dues)
    first_ten = Counter(d.kind for d in [d for d in dues if d.office == 2][:10])
    assert first_ten == dict(MIX)  # each office's events follow the mix in blocks of ten


def test_each_office_gets_its_own_name_key_host_and_people():
    offices = make_offices(30)
    assert len({o.key for o in offices}) == len({o.bot_user_id for o in offices}) == 30
    assert len({office_names(o.n) for o in offices}) == 30
    spec = parse(org_file(offices[7]))
    assert spec.key == offices[7].key and spec.hosts == [f"{offices[7].key}.prakat.bench.example"]
    assert spec.office["name"] == office_names(7)[0]
    text = org_file(offices[7])
    assert "ตาก" not in text  # the example office's name is nowhere in another office's file
    assert person_line_id(offices[0], "somchai") != person_line_id(offices[1], "somchai")


def test_bodies_are_each_offices_signed_webhooks_half_by_key_half_by_destination():
    offices = make_offices(3)
    for office in offices:
        office.users = [person_line_id(office, k) for k in ("kanya", "wilai", "somsak")]
        office.approver = person_line_id(office, "wilai")
        office.pending = ["v1/decide?s=1&v=1&a=approve", "v1/decide?s=2&v=1&a=approve"]
    dues = schedule(3, rate=30, seconds=2, burst_office=1, burst_factor=5)
    traffic = OfficeTraffic(offices, dues, None)
    routes = Counter()
    for n, due in enumerate(dues):
        office = offices[due.office]
        raw, headers = traffic.body(n)
        payload = json.loads(raw)
        validate_body(payload)
        (event,) = WebhookParser(office.secret).parse(raw.decode(), headers["X-Line-Signature"])
        assert payload["destination"] == office.bot_user_id
        assert payload["events"][0]["source"]["userId"] in office.users
        url = traffic.url(n, "http://127.0.0.1:1/callback")
        routes[url.rsplit("/", 1)[-1]] += 1
        if due.kind == "approve":
            assert event.postback.data in office.pending and event.source.user_id == office.approver
    assert sum(routes[o.key] for o in offices) == (len(dues) + 1) // 2  # even-numbered bodies
    assert routes["callback"] == len(dues) // 2


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                    reason="the bench harness runs on its own SQLite; once per CI run is enough")
def test_quick_run_answers_every_event_by_reply_on_its_own_offices_channel(tmp_path):
    offices = make_offices(3)
    url = f"sqlite:///{tmp_path / 'prakat.db'}"
    with offices_bench.deployment(tmp_path, url, offices, web=2, workers=1, pending=2) as dep:
        result = offices_bench.run(dep, rate=6, seconds=3, burst_office=1, burst_factor=5, warmup_seconds=1)
    assert result["ack"]["errors"] == 0 and result["ack"]["acked_events"] == result["events"]
    assert result["reply"]["unanswered"] == 0 and result["by_reply"] == result["events"]
    assert result["wrong_token"] == 0  # every reply went out on its own office's channel
    assert set(result["office_p99_ms"]) == {o.key for o in offices}
    assert result["others"]["burst"]["n"] > 0 and result["burster"]["burst"]["n"] > 0
    assert "gunicorn" in result["cpu_seconds"] and "worker" in result["cpu_seconds"]
    assert "fairness:" in offices_bench.report(result)


@pytest.mark.parametrize("bench", [stage_query_bench, claim_query_bench], ids=["stage", "claim"])
def test_the_query_benches_time_both_orders_at_each_backlog(bench, tmp_path):
    rows = turns.run(f"sqlite:///{tmp_path / 'q.db'}", 3, [30, 10], bench.grow, bench.timed)
    assert [backlog for backlog, _turns, _fifo in rows] == [10, 30]
    assert all(in_turns > 0 and fifo > 0 for _backlog, in_turns, fifo in rows)
