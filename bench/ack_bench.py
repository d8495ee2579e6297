"""How fast Prakat acknowledges LINE's webhooks from outside, against a bot that calls LINE in-request.

Real processes over loopback: the fake LINE (every call takes 50 ms, then 3 s), Prakat as in
production (gunicorn -w 4 + one flask worker, on SQLite or PostgreSQL) and the kitchen-sink-style
baseline (bench/baseline_bot.py, gunicorn -w 4). Loads: 20 and 100 concurrent senders (closed
loop), then a fixed 300 events/s (open loop), each at both latencies. Prakat serves every load from
one start (booting it costs a minute of CPU), its outbox backlog parked between loads so none
inherits another's; the baseline is restarted for each load. The table gives acknowledged
events/s, ack p50/p90/p99, acks later than LINE's 2 s, errors (no answer or not 200), the load
generator's CPU (of one core), and baseline p99 / Prakat p99.

    .venv/bin/python -m bench.ack_bench [--database-url postgresql://…] [--seconds 10] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import shlex
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import fake_line
from bench.load import LoadResult, Traffic, closed_loop, open_loop, plan
from bench.procs import Processes, wait_idle
from bench.stacks import (
    SECRET,
    Bot,
    empty_postgres,
    park_leftover_sends,
    start_baseline,
    start_fake,
    start_prakat,
)


@dataclass(frozen=True)
class Load:
    kind: str  # closed | open
    amount: float  # senders, or events a second
    seconds: float
    max_events: int

    @property
    def label(self) -> str:
        return f"{int(self.amount)} senders" if self.kind == "closed" else f"{self.amount:g} ev/s"


@dataclass
class Row:
    latency: float
    load: Load
    bot: str
    summary: dict
    planned_events: int
    line_calls: dict = field(default_factory=dict)  # what the fake LINE saw while this load ran
    refused: list = field(default_factory=list)  # requests the fake refused as LINE would (should be none)
    leftover_sends: int | None = None  # Prakat: outbox rows still pending once it had settled
    settle_seconds: float | None = None  # Prakat: how long it took to serve the requests given up on


def full_loads(seconds: float) -> list[Load]:
    # Enough events that the plan never runs out before the time does (300/s is the open loop's own).
    return [Load("closed", 20, seconds, int(2000 * seconds)), Load("closed", 100, seconds, int(2000 * seconds)),
            Load("open", 300, seconds, int(300 * seconds))]


SMOKE_LOADS = [Load("closed", 2, 10, 12), Load("open", 10, 1, 10)]
SMOKE_LATENCIES = [0.05]
SETTLE_SECONDS = 300.0  # at most, between two loads on the same Prakat


def _send(bot: Bot, latency: float, load: Load, fake_url: str, users: list[str]) -> Row:
    """Send one load to a running bot; what LINE saw is the fake's count before and after."""
    fake_line.set_latency(fake_url, latency)
    traffic = Traffic.with_fake_line(SECRET, plan(load.max_events, users), fake_url)
    before = fake_line.stats(fake_url)
    if load.kind == "closed":
        run = closed_loop(bot.callback_url, traffic, senders=int(load.amount), seconds=load.seconds)
    else:
        run = open_loop(bot.callback_url, traffic, rate=load.amount, seconds=load.seconds)
    result: LoadResult = asyncio.run(run)
    after = fake_line.stats(fake_url)
    return Row(latency, load, bot.name, result.summary(), len(traffic.planned),
               fake_line.calls_between(before, after), after.get("validation_errors", []))


def run_all(loads: list[Load], latencies: list[float], database_url: str | None, workdir: Path, *,
            workers: int = 4, echo=print) -> list[Row]:
    """Prakat first, one stack for every load (its leftover sends parked in between); then the
    baseline, restarted for each load because its workers keep serving requests the last load
    gave up on (at 3 s a call, for minutes)."""
    rows: list[Row] = []
    with Processes(workdir / "fake") as procs:
        fake_url = start_fake(procs, latencies[0])
        if database_url:
            empty_postgres(database_url)
        url = database_url or f"sqlite:///{workdir / 'prakat.db'}"
        with Processes(workdir / "prakat") as prakat_procs:
            prakat, users = start_prakat(prakat_procs, fake_url, url, workdir / "prakat", workers)
            for latency, load in itertools.product(latencies, loads):
                echo(f"-- {prakat.name}: fake LINE {latency:g} s, {load.label}", flush=True)
                rows.append(_send(prakat, latency, load, fake_url, users))
                prakat_procs.check_alive()  # a server that died mid-load makes the figures meaningless
                # Requests the load gave up on are still served; wait them out, then park what they queued.
                rows[-1].settle_seconds = wait_idle(prakat.callback_url.replace("/callback", "/healthz"),
                                                    timeout=SETTLE_SECONDS)
                rows[-1].leftover_sends = park_leftover_sends(url)
        for n, (latency, load) in enumerate(itertools.product(latencies, loads)):
            with Processes(workdir / f"baseline-{n}") as baseline_procs:
                baseline = start_baseline(baseline_procs, fake_url, workdir / f"baseline-{n}", workers)
                echo(f"-- {baseline.name}: fake LINE {latency:g} s, {load.label}", flush=True)
                rows.append(_send(baseline, latency, load, fake_url, users))
                baseline_procs.check_alive()
    rows.sort(key=lambda r: (latencies.index(r.latency), loads.index(r.load), r.bot != "prakat"))
    return rows


def table(rows: list[Row]) -> str:
    """One line per (fake latency, load, bot); the baseline's line ends with its p99 over Prakat's."""
    head = (f"{'LINE':>6} {'load':>12} {'bot':>9} {'events/s':>9} {'p50 ms':>8} {'p90 ms':>8} "
            f"{'p99 ms':>8} {'late>2s':>8} {'errors':>7} {'gen cpu':>8}  p99 ratio")
    lines = [head, "-" * len(head)]
    prakat_p99: dict[tuple, float] = {}
    for row in rows:
        s, key = row.summary, (row.latency, row.load)
        ratio = ""
        if row.bot == "prakat":
            prakat_p99[key] = s["p99_ms"]
        elif prakat_p99.get(key):
            ratio = f"{s['p99_ms'] / prakat_p99[key]:.1f}x"
        lines.append(f"{row.latency * 1000:>4.0f}ms {row.load.label:>12} {row.bot:>9} {s['events_per_s']:>9.1f} "
                     f"{s['p50_ms']:>8.1f} {s['p90_ms']:>8.1f} {s['p99_ms']:>8.1f} {s['late']:>8} "
                     f"{s['errors']:>7} {s['gen_cpu_core']:>7.0%}  {ratio}")
    return "\n".join(lines)


def notes(rows: list[Row]) -> str:
    """The LINE calls each run made (by endpoint and status), and any request the fake refused."""
    out = []
    for row in rows:
        calls = ", ".join(f"{k}: {v}" for k, v in sorted(row.line_calls.items()))
        left = "" if row.leftover_sends is None else (
            f"; settled in {row.settle_seconds:.0f} s, then {row.leftover_sends} sends still queued (parked)")
        out.append(f"{row.latency:g} s {row.load.label} {row.bot}: sent {row.summary['bodies']} bodies "
                   f"(generator: {row.summary['gen_cpu_core']:.0%} of a core, "
                   f"{row.summary['gen_share_of_busy']:.0%} of the machine's busy CPU, "
                   f"lag max {row.summary['max_lag_ms']:.0f} ms); LINE saw {calls or 'nothing'}{left}"
                   + (f"; REFUSED {row.refused}" if row.refused else ""))
    return "\n".join(out)


def _stop_on_sigterm() -> None:
    """SIGTERM ends the run like Ctrl-C does, so every started process is stopped on the way out."""
    def interrupt(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL database the bench owns (emptied before each "
                                               "load); default: a new SQLite file each load")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each load sends")
    parser.add_argument("--latency", type=float, action="append",
                        help="seconds each fake LINE call takes (repeatable; default 0.05 and 3)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers of each bot (production: 4)")
    parser.add_argument("--smoke", action="store_true", help="a tiny run that proves the harness works")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    loads = SMOKE_LOADS if args.smoke else full_loads(args.seconds)
    latencies = args.latency or (SMOKE_LATENCIES if args.smoke else [0.05, 3.0])
    _stop_on_sigterm()
    command = shlex.join([Path(sys.executable).name, "-m", "bench.ack_bench", *(argv or sys.argv[1:])])
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ack-bench-") as workdir:
        rows = run_all(loads, latencies, args.database_url, Path(workdir), workers=args.workers)
    print(f"\n$ {command}   ({time.monotonic() - started:.0f} s, "
          f"{'PostgreSQL' if args.database_url else 'SQLite'})")
    print(table(rows))
    print(notes(rows))


if __name__ == "__main__":
    main()
