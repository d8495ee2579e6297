"""One load against one running bot, and what came of it: what the acknowledgement benches share.

A load is a closed loop (C concurrent senders) or an open loop (a fixed rate) of signed bodies,
with real reply tokens from the fake LINE. Against Prakat a load is followed by settling: wait
until the web workers have served what the load gave up on, note how far the handler stage got,
then park what it left (events not yet handled, sends not yet made), so the next load starts on an
idle worker rather than on this one's backlog.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bench import fake_line
from bench.load import LoadResult, Traffic, closed_loop, open_loop, plan
from bench.procs import wait_idle
from bench.stacks import SECRET, Bot, Stack, event_counts, park_leftover_events, park_leftover_sends

SETTLE_SECONDS = 300.0  # at most, between two loads on the same Prakat
WARMUP_BODIES = 200  # before the first load: every web worker has its connection and warm code


@dataclass(frozen=True)
class Load:
    kind: str  # closed | open
    amount: float  # senders, or events a second
    seconds: float
    max_events: int

    @property
    def label(self) -> str:
        return f"{int(self.amount)} senders" if self.kind == "closed" else f"{self.amount:g} ev/s"


def full_loads(seconds: float) -> list[Load]:
    """20 and 100 senders, then 300 events/s; enough events that the plan never runs out first."""
    return [Load("closed", 20, seconds, int(3000 * seconds)), Load("closed", 100, seconds, int(3000 * seconds)),
            Load("open", 300, seconds, int(300 * seconds))]


SMOKE_LOADS = [Load("closed", 2, 10, 12), Load("open", 10, 1, 10)]


@dataclass
class Row:
    latency: float
    load: Load
    bot: str
    summary: dict
    planned_events: int
    database: str = ""
    line_calls: dict = field(default_factory=dict)  # what the fake LINE saw while this load ran
    refused: list = field(default_factory=list)  # requests the fake refused as LINE would (should be none)
    handled: int | None = None  # Prakat: events the handler stage had finished when the load ended
    leftover_events: int | None = None  # Prakat: events still unhandled once it had settled (parked)
    leftover_sends: int | None = None  # Prakat: outbox rows still pending once it had settled (parked)
    settle_seconds: float | None = None  # Prakat: how long it took to serve the requests given up on
    cpu: dict = field(default_factory=dict)  # Prakat: CPU seconds of each process group during the load


def send(bot: Bot, latency: float, load: Load, fake_url: str, users: list[str]) -> Row:
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
    return Row(latency, load, bot.name, result.summary(), len(traffic.planned), line_calls=
               fake_line.calls_between(before, after), refused=after.get("validation_errors", []))


def warm_up(bot: Bot, fake_url: str, users: list[str], bodies: int = WARMUP_BODIES) -> None:
    """Bodies not measured, with LINE instant: the first request of each web worker opens its
    connections and runs code paths for the first time (and so would be timed unfairly)."""
    if bodies:
        send(bot, 0.0, Load("closed", 4, 120, bodies), fake_url, users)


def settle(stack: Stack, row: Row | None = None) -> None:
    """After a load on Prakat: how far the stage got, then wait out the web backlog and park the rest."""
    counts = event_counts(stack.database_url)
    seconds = wait_idle(stack.base_url + "/healthz", timeout=SETTLE_SECONDS)
    events, sends = park_leftover_events(stack.database_url), park_leftover_sends(stack.database_url)
    if row is not None:
        row.database, row.handled = stack.database, counts.get("handled", 0)
        row.settle_seconds, row.leftover_events, row.leftover_sends = seconds, events, sends


def run_prakat(stack: Stack, loads: list[Load], latencies: list[float], rows: list[Row], echo=print) -> None:
    """Every (latency, load) against one running Prakat, settled in between; appends to `rows`."""
    for latency in latencies:
        for load in loads:
            echo(f"-- {stack.database} prakat: fake LINE {latency:g} s, {load.label}", flush=True)
            before, cpu = event_counts(stack.database_url).get("handled", 0), stack.procs.cpu_seconds()
            row = send(stack.prakat, latency, load, stack.fake_url, stack.users)
            row.cpu = {k: v - cpu.get(k, 0.0) for k, v in stack.procs.cpu_seconds().items()}
            stack.procs.check_alive()  # a server that died mid-load makes the figures meaningless
            settle(stack, row)
            row.handled -= before
            rows.append(row)


def notes(rows: list[Row]) -> str:
    """Per row: the generator's share of the CPU, the LINE calls made, what Prakat left behind."""
    out = []
    for row in rows:
        s = row.summary
        calls = ", ".join(f"{k}: {v}" for k, v in sorted(row.line_calls.items()))
        left = "" if row.leftover_sends is None else (
            f"; the stage had handled {row.handled} of {s['acked_events']} when the load ended; settled in "
            f"{row.settle_seconds:.0f} s, then parked {row.leftover_events} events and {row.leftover_sends} sends")
        if row.cpu and s["acked_events"]:
            left += "; CPU " + ", ".join(
                f"{name} {seconds / s['seconds']:.0%} of a core ({seconds * 1000 / (row.handled or 1):.1f} ms "
                f"an event handled)" if name == "worker" else
                f"{name} {seconds / s['seconds']:.0%} of a core (all its processes)" if name == "postgres" else
                f"{name} {seconds / s['seconds']:.0%} of a core ({seconds * 1000 / s['acked_events']:.2f} ms an ack)"
                for name, seconds in row.cpu.items()
                if name != "postgres" or row.database == "PostgreSQL")  # another's server otherwise
        out.append(f"{row.database + ' ' if row.database else ''}{row.latency:g} s {row.load.label} {row.bot}: "
                   f"sent {s['bodies']} bodies (generator: {s['gen_cpu_core']:.0%} of a core, "
                   f"{s['gen_share_of_busy']:.0%} of the machine's busy CPU, lag max {s['max_lag_ms']:.0f} ms); "
                   f"LINE saw {calls or 'nothing'}{left}" + (f"; REFUSED {row.refused}" if row.refused else ""))
    return "\n".join(out)


def verdict(ok: bool, text: str) -> str:
    return f"{'MET ' if ok else 'MISSED'} {text}"
