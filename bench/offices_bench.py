"""Many offices in one deployment: what it accepts, how fast each office is answered, and whether
one office's burst delays the others.

Real processes on PostgreSQL: the fake LINE (every call takes 50 ms) accepting every office's
access token and noting which one each send came with; Prakat as a nation-wide deployment runs it
(`gunicorn -w W 'webhook:create_app()'`, stateless, plus N `flask --app webhook worker`
processes: the handler stage and the outbox senders); the offices generated from
examples/office.yaml and loaded by the org loader with a channel of their own each
(bench/offices_data.py). Traffic is signed per office with that office's channel secret, half to
/callback/<key> and half to /callback (found by the body's `destination`): staff texts, menu
postbacks, อนุมัติ taps on real pending steps, follows (5 : 2 : 2 : 1), at a steady `--rate`
across all offices, and in the middle third of the run one office bursts at `--burst`
times its share on top.

Measured from outside: events/s acknowledged and ack p50/p99; event → reply accepted by LINE per
office; the other offices' reply p50/p99 before, during and after the burst (the fairness bound);
that every reply used its own office's token; CPU per process kind.

    .venv/bin/python -m bench.offices_bench --database postgresql://postgres@127.0.0.1:5432/bench_scale
    .venv/bin/python -m bench.offices_bench --quick [--database …]   # 3 offices, 10 s (a test runs it)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import secrets
import shlex
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from bench import fake_line, offices_data
from bench.load import Planned, Traffic, open_loop, percentile
from bench.offices_data import BenchOffice
from bench.procs import BenchError, Processes, stop_on_sigterm, wait_until
from bench.reply_bench import answered_events, collect_answers
from bench.stacks import (
    BOOT_SECONDS,
    ROOT,
    TOKEN,
    _gunicorn,
    _line_env,
    _python,
    empty_postgres,
    park_leftover_events,
    park_leftover_sends,
    start_fake,
)
from bot.spine.config import Config
from bot.spine.db import make_engine
from models import InboundEvent, OutboxMessage

LATENCY = 0.05
SEALING_KEY = "bench-sealing-key"
MIX = (("text", 5), ("postback", 2), ("approve", 2), ("follow", 1))
TEXTS = ("วิธีใช้", "รายการของฉัน")
MENUS = ("v1/menu?m=mine", "v1/menu?m=help", "v1/menu?m=pending")
PHASES = ("before", "burst", "after")
WAIT_SECONDS = 120.0
# burst: the bursting office's rate, × its share (50 doubles the full run's load for a third)
FULL = {"offices": 50, "rate": 10.0, "seconds": 45.0, "web": 4, "workers": 2, "pending": 4, "burst": 50.0}
QUICK = {"offices": 3, "rate": 9.0, "seconds": 10.0, "web": 2, "workers": 1, "pending": 2, "burst": 10.0}


@dataclass(frozen=True)
class Due:
    """One planned event: when (seconds from the start), which office, what."""

    at: float
    office: int
    kind: str
    burst: bool = False


def schedule(offices: int, rate: float, seconds: float, burst_office: int, burst_factor: float,
             seed: int = 7) -> list[Due]:
    """`rate` events/s spread over the offices at random for `seconds`, plus office
    `burst_office` at `burst_factor` × its share on top in the middle third; ordered by time.
    Each office's events follow the mix in shuffled blocks of ten."""
    rng = random.Random(seed)
    blocks: dict[int, list[str]] = defaultdict(list)

    def kind(office: int) -> str:
        if not blocks[office]:
            blocks[office] = [k for k, weight in MIX for _ in range(weight)]
            rng.shuffle(blocks[office])
        return blocks[office].pop()

    steady = [Due(n / rate, o, kind(o)) for n in range(int(rate * seconds))
              for o in [rng.randrange(offices)]]
    burst_rate = burst_factor * rate / offices
    start, end = seconds / 3, 2 * seconds / 3
    extra = [Due(start + n / burst_rate, burst_office, kind(burst_office), True)
             for n in range(int(burst_rate * (end - start)))] if burst_factor > 0 else []
    return sorted(steady + extra, key=lambda d: d.at)


def phase(at: float, seconds: float) -> str:
    return PHASES[min(2, int(at // (seconds / 3)))]


class OfficeTraffic(Traffic):
    """Each event from its office's people, signed with its office's secret; even-numbered
    bodies to /callback/<key>, odd ones to /callback with the office's bot as `destination`."""

    def __init__(self, offices: list[BenchOffice], dues: list[Due], fake_url: str | None, seed: int = 11):
        """Reply tokens from the fake LINE at `fake_url` (None: made up, for tests of the bodies)."""
        rng = random.Random(seed)
        self.offices, self.dues = offices, dues
        self.data: list[str | None] = []
        taps: dict[int, int] = defaultdict(int)
        planned = []
        for due in dues:
            office = offices[due.office]
            if due.kind == "approve" and office.pending:
                user = office.approver
                k = taps[due.office] = taps[due.office] + 1
                self.data.append(office.pending[min(k, len(office.pending)) - 1])  # then stale taps
            else:
                user = rng.choice(office.users)
                self.data.append(MENUS[len(self.data) % len(MENUS)] if due.kind in ("postback", "approve") else None)
            planned.append(Planned(due.kind, user, None))
        tokens = (fake_line.prepare(fake_url, [p.user_id for p in planned], [], b"", "text/plain")
                  if fake_url else [secrets.token_hex(16) for _ in planned])
        super().__init__("", planned, tokens)

    def event(self, i: int) -> dict:
        event = super().event(i)
        if self.data[i] is not None:  # a menu postback, or a tap on an approval card
            event.pop("message", None)
            event.pop("follow", None)
            event["type"], event["postback"] = "postback", {"data": self.data[i]}
        return event

    def by_key(self, n: int) -> bool:
        return n % 2 == 0

    def payload(self, n: int) -> dict:
        return {**super().payload(n), "destination": self.offices[self.dues[n].office].bot_user_id}

    def body(self, n: int) -> tuple[bytes, dict]:
        self.secret = self.offices[self.dues[n].office].secret
        return super().body(n)

    def url(self, n: int, callback_url: str) -> str:
        return f"{callback_url}/{self.offices[self.dues[n].office].key}" if self.by_key(n) else callback_url


@dataclass
class Deployment:
    fake_url: str
    callback_url: str
    database_url: str
    offices: list[BenchOffice]
    procs: Processes
    command: str
    loaded_seconds: float = 0.0


@contextlib.contextmanager
def deployment(workdir: Path, database_url: str, offices: list[BenchOffice], *, web: int, workers: int,
               pending: int):
    """Fake LINE, the offices loaded, gunicorn and the workers; all stopped on the way out."""
    own = len(offices) > 1  # one office: a one-office deployment, its channel in the settings
    with Processes(workdir / "fake") as fake_procs, Processes(workdir / "prakat") as procs:
        # The settings' token too: a send made with it is counted (wrong_token), not refused.
        fake_url = start_fake(fake_procs, LATENCY, [o.token for o in offices] + [TOKEN])
        if database_url.startswith("postgresql"):
            empty_postgres(database_url)
        started = time.monotonic()
        offices_data.load(database_url, offices, sealing_key=SEALING_KEY, data_dir=workdir / "data",
                          pending_per_office=pending, own_channels=own)
        loaded = time.monotonic() - started
        env = {**_line_env(fake_url), "DATABASE_URL": database_url, "DATA_DIR": str(workdir / "data"),
               "SECRET_KEY": "bench-secret-key", "PUBLIC_BASE_URL": "https://prakat.bench.example",
               "PRAKAT_SECRET_KEY": SEALING_KEY}
        if not own:
            env.update(LINE_CHANNEL_SECRET=offices[0].secret, LINE_CHANNEL_ACCESS_TOKEN=offices[0].token)
        for k in range(workers):
            procs.start(f"worker-{k + 1}", _python("-m", "flask", "--app", "webhook", "worker"), env=env, cwd=ROOT)
        callback = _gunicorn(procs, "webhook:create_app()", env, workdir, web)
        for k in range(workers):
            wait_until(lambda k=k: "worker started" in procs.log_tail(f"worker-{k + 1}", 50),
                       timeout=BOOT_SECONDS, processes=procs, what=f"worker {k + 1}")
        command = f"gunicorn -w {web} 'webhook:create_app()' + {workers} × flask --app webhook worker"
        yield Deployment(fake_url, callback, database_url, offices, procs, command, loaded)


def unfinished(database_url: str) -> tuple[int, int]:
    """Events not yet handled, and outbox rows not yet sent (pending or sending)."""
    engine = make_engine(Config(database_url=database_url).validated().database_url)
    try:
        with engine.connect() as conn:
            events = conn.scalar(select(func.count()).select_from(InboundEvent)
                                 .where(InboundEvent.outcome == "pending"))
            sends = conn.scalar(select(func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.status.in_(("pending", "sending"))))
        return events or 0, sends or 0
    finally:
        engine.dispose()


def drain(dep: Deployment, timeout: float) -> tuple[int, int]:
    """Wait until the stage and the outbox have nothing left (or `timeout`), park what is left."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(unfinished(dep.database_url)):
        time.sleep(0.5)
    return park_leftover_events(dep.database_url), park_leftover_sends(dep.database_url)


def _cpu_by_kind(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for name, used in after.items():
        out[name.split("-")[0] if name.startswith("worker-") else name] += used - before.get(name, 0.0)
    return dict(out)


def _figures(waits: list[float]) -> dict:
    values = sorted(waits)
    return {"n": len(values), "p50_ms": percentile(values, 50) * 1000, "p99_ms": percentile(values, 99) * 1000,
            "unanswered": sum(1 for w in values if not math.isfinite(w))}


def run(dep: Deployment, rate: float, seconds: float, burst_office: int, burst_factor: float,
        warmup_seconds: float = 2.0) -> dict:
    offices = dep.offices
    warm = OfficeTraffic(offices, schedule(len(offices), rate, warmup_seconds, 0, 0, seed=3), dep.fake_url, seed=5)
    asyncio.run(open_loop(dep.callback_url, warm, rate=rate, seconds=warmup_seconds,
                          schedule=[d.at for d in warm.dues]))
    parked_before = drain(dep, 60)
    fake_line.set_latency(dep.fake_url, LATENCY)

    dues = schedule(len(offices), rate, seconds, burst_office, burst_factor)
    traffic = OfficeTraffic(offices, dues, dep.fake_url)
    cursor = fake_line.stats(dep.fake_url)["requests"]
    cpu = dep.procs.cpu_seconds()
    loaded = asyncio.run(open_loop(dep.callback_url, traffic, rate=rate, seconds=seconds,
                                   schedule=[d.at for d in dues]))
    dep.procs.check_alive()
    got = collect_answers(dep.fake_url, cursor, set(traffic.tokens), len(dues), WAIT_SECONDS,
                          pushes_answer=False)  # an approval pushes cards to others
    cpu = _cpu_by_kind(cpu, dep.procs.cpu_seconds())
    answers, by_reply, by_push = answered_events(loaded.samples, traffic, got)
    parked_after = drain(dep, 30)

    start = min(s.due for s in loaded.samples)
    due_of = {s.body: s.due - start for s in loaded.samples}
    per_office: dict[int, list[float]] = defaultdict(list)
    others: dict[str, list[float]] = defaultdict(list)
    burster: dict[str, list[float]] = defaultdict(list)
    wrong_token = 0
    for i, wait, send in answers:
        due = dues[i]
        per_office[due.office].append(wait)
        (burster if due.office == burst_office else others)[phase(due_of[i], seconds)].append(wait)
        wrong_token += send is not None and send["token"] != offices[due.office].token
    acks = {route: sorted(s.seconds for s in loaded.samples if traffic.by_key(s.body) == (route == "key"))
            for route in ("key", "destination")}
    office_p99 = {offices[o].key: _figures(w)["p99_ms"] for o, w in sorted(per_office.items())}
    return {
        "offices": len(offices), "rate": rate, "seconds": seconds, "events": len(dues),
        "burst_office": offices[burst_office].key, "burst_factor": burst_factor,
        "burst_events": sum(d.burst for d in dues), "ack": loaded.summary(),
        "ack_p99_ms_by_route": {r: percentile(v, 99) * 1000 for r, v in acks.items()},
        "reply": _figures([w for _i, w, _s in answers]), "by_reply": by_reply, "by_push": by_push,
        "wrong_token": wrong_token,
        "others": {p: _figures(others[p]) for p in PHASES}, "burster": {p: _figures(burster[p]) for p in PHASES},
        "office_p99_ms": office_p99, "cpu_seconds": cpu,
        "parked": {"warm-up": parked_before, "after": parked_after},
    }


def report(result: dict) -> str:
    ack, reply = result["ack"], result["reply"]
    p99s = sorted(result["office_p99_ms"].values())
    lines = [
        f"offices={result['offices']} events={result['events']} rate={result['rate']:g}/s over {result['seconds']:g} s; "
        f"office {result['burst_office']} bursts at {result['burst_factor']:g}× its share in the middle third "
        f"(+{result['burst_events']} events)",
        f"accepted {ack['acked_events']} events at {ack['events_per_s']:.1f}/s, errors {ack['errors']}; "
        f"ack p50 {ack['p50_ms']:.1f} ms p99 {ack['p99_ms']:.1f} ms "
        f"(/callback/<key> p99 {result['ack_p99_ms_by_route']['key']:.1f} ms, "
        f"/callback by destination p99 {result['ack_p99_ms_by_route']['destination']:.1f} ms)",
        f"event → reply: p50 {reply['p50_ms']:.0f} ms p99 {reply['p99_ms']:.0f} ms, by reply {result['by_reply']}, "
        f"by push {result['by_push']}, unanswered {reply['unanswered']}, on another office's token "
        f"{result['wrong_token']}",
        f"per-office reply p99: min {p99s[0]:.0f} ms, median {percentile(p99s, 50):.0f} ms, max {p99s[-1]:.0f} ms",
        "| phase | other offices: n | p50 | p99 | bursting office: n | p50 | p99 |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in PHASES:
        o, b = result["others"][p], result["burster"][p]
        lines.append(f"| {p} | {o['n']} | {o['p50_ms']:.0f} ms | {o['p99_ms']:.0f} ms | {b['n']} | "
                     f"{b['p50_ms']:.0f} ms | {b['p99_ms']:.0f} ms |")
    before, during = result["others"]["before"]["p99_ms"], result["others"]["burst"]["p99_ms"]
    lines.append(f"fairness: the other offices' reply p99 during the burst is {during:.0f} ms against {before:.0f} ms "
                 f"before it ({during - before:+.0f} ms)")
    lines.append("CPU seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(result["cpu_seconds"].items())))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="a PostgreSQL URL the bench owns (its public schema is dropped); "
                                           "default: a new SQLite file (one worker's figures only)")
    parser.add_argument("--quick", action="store_true", help="3 offices, 10 s: the harness works")
    for name, value in FULL.items():
        parser.add_argument(f"--{name}", type=type(value), default=None, help=f"default {value} (quick: {QUICK[name]})")
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    settings = {k: getattr(args, k) if getattr(args, k) is not None else v
                for k, v in (QUICK if args.quick else FULL).items()}
    database = None if args.database in (None, "sqlite") else args.database
    stop_on_sigterm()
    offices = offices_data.make_offices(settings["offices"])
    load_before = os.getloadavg()[0]  # the figures mean what the machine's other work left them
    with tempfile.TemporaryDirectory(prefix="offices-bench-") as workdir:
        url = database or f"sqlite:///{Path(workdir) / 'prakat.db'}"
        with deployment(Path(workdir), url, offices, web=settings["web"], workers=settings["workers"],
                        pending=settings["pending"]) as dep:
            result = run(dep, settings["rate"], settings["seconds"], burst_office=len(offices) // 2,
                         burst_factor=settings["burst"])
    if result["reply"]["n"] == 0:
        raise BenchError("no event was sent")
    print(f"\n$ {shlex.join(['python', '-m', 'bench.offices_bench', *argv])}   "
          f"({'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}; {dep.command}; "
          f"fake LINE {LATENCY * 1000:.0f} ms a call; {len(offices)} offices loaded in {dep.loaded_seconds:.0f} s; "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, {os.cpu_count()} cores)")
    print(report(result))


if __name__ == "__main__":
    main()
