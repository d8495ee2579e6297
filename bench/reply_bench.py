"""Event → reply delivered, at a fixed 300 events/s: how long a user waits for the bot's answer.

Real processes: the fake LINE (every call takes 50 ms), Prakat as in production (gunicorn -w 4 +
one flask worker), signed traffic from bench/load.py (text 6 : postback 2 : image 1 : follow 1)
in an open loop. Each event carries its own reply token, so the fake's record of accepted replies
(`at`, on the clock every process here shares) matches each to the moment its event was due to be
sent; an event answered by push instead (its token expired before the bot got to it) is matched to
the next unmatched push to its user. Whatever sends the outbox — one sender thread, a pool, woken
or polling — is measured the same way, from outside. Target: p95 ≤ 300 ms.

    .venv/bin/python -m bench.reply_bench [--rate 300] [--seconds 10] [--database postgresql://…] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import shlex
import sys
import tempfile
import time
from collections import defaultdict, deque
from pathlib import Path

from bench import fake_line
from bench.acks import WARMUP_BODIES, settle, verdict, warm_up
from bench.load import Sample, Traffic, open_loop, percentile, plan
from bench.procs import stop_on_sigterm
from bench.stacks import SECRET, Stack, prakat_stack

LATENCY = 0.05
TARGET_P95_MS = 300.0
WAIT_SECONDS = 120.0  # after the load, for the last answers


def match(samples: list[Sample], traffic: Traffic, deliveries: list[dict]) -> tuple[list[float], int, int]:
    """Seconds from each event's due time to its answer (inf: none came); and how many were
    answered by reply, and by push."""
    answers, by_reply, by_push = answered_events(samples, traffic, deliveries)
    return [wait for _event, wait, _send in answers], by_reply, by_push


def answered_events(samples: list[Sample], traffic: Traffic,
                    deliveries: list[dict]) -> tuple[list[tuple[int, float, dict | None]], int, int]:
    """For each event (by its due time): its number in the traffic, the seconds to its answer
    (inf: none came) and the send that answered it; and how many were answered by reply, and by
    push."""
    replies = {d["reply_token"]: d for d in deliveries if d["kind"] == "reply"}
    pushes: dict[str, deque] = defaultdict(deque)
    for d in sorted((d for d in deliveries if d["kind"] == "push"), key=lambda d: d["at"]):
        pushes[d["to"]].append(d)
    out, by_reply, by_push = [], 0, 0
    for sample in sorted(samples, key=lambda s: s.due):
        for i in range(sample.body * traffic.per_body, (sample.body + 1) * traffic.per_body):
            answered = replies.get(traffic.tokens[i])
            if answered is not None:
                by_reply += 1
            else:
                queue = pushes[traffic.planned[i].user_id]
                while queue and queue[0]["at"] < sample.due:
                    queue.popleft()  # a push from before this event is not its answer
                answered = queue.popleft() if queue else None
                by_push += answered is not None
            out.append((i, math.inf if answered is None else answered["at"] - sample.due, answered))
    return out, by_reply, by_push


def collect_answers(fake_url: str, cursor: int, tokens: set[str], expected: int, wait: float, *,
                    pushes_answer: bool = True) -> list[dict]:
    """The replies and pushes from `cursor` on, once every token has its reply, or the sends have
    stopped coming for a while, or after `wait` seconds. `pushes_answer=False`: pushes are not
    answers to the events (a bot that also pushes cards to others), only replies count."""
    deadline, got, quiet_since = time.monotonic() + wait, [], time.monotonic()
    while time.monotonic() < deadline:
        new, cursor = fake_line.deliveries(fake_url, cursor)
        got.extend(new)
        if new:
            quiet_since = time.monotonic()
        replied = sum(1 for d in got if d["reply_token"] in tokens)
        pushed = sum(1 for d in got if d["kind"] == "push") if pushes_answer else 0
        if replied + pushed >= expected or time.monotonic() - quiet_since > 15:
            break
        time.sleep(0.2)
    return got


def run(stack: Stack, rate: float, seconds: float, *, warmup: int = WARMUP_BODIES) -> dict:
    warm_up(stack.prakat, stack.fake_url, stack.users, warmup)
    settle(stack)
    fake_line.set_latency(stack.fake_url, LATENCY)
    traffic = Traffic.with_fake_line(SECRET, plan(int(rate * seconds), stack.users), stack.fake_url)
    cursor = fake_line.stats(stack.fake_url)["requests"]
    result = asyncio.run(open_loop(stack.prakat.callback_url, traffic, rate=rate, seconds=seconds))
    stack.procs.check_alive()
    sent = result.summary()
    got = collect_answers(stack.fake_url, cursor, set(traffic.tokens), len(traffic.planned), WAIT_SECONDS)
    waits, by_reply, by_push = match(result.samples, traffic, got)
    waits.sort()
    answered = [w for w in waits if math.isfinite(w)]
    return {"events": len(waits), "rate": rate, "by_reply": by_reply, "by_push": by_push,
            "unanswered": len(waits) - len(answered), "reply_p50_ms": percentile(waits, 50) * 1000,
            "reply_p95_ms": percentile(waits, 95) * 1000, "reply_p99_ms": percentile(waits, 99) * 1000,
            "reply_max_ms": (answered[-1] if answered else math.inf) * 1000,
            "ack_p99_ms": sent["p99_ms"], "ack_errors": sent["errors"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=300.0, help="events a second (open loop)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database", help="a PostgreSQL URL the bench owns (its public schema is dropped); "
                                           "default: a new SQLite file")
    parser.add_argument("--smoke", action="store_true", help="ten events at 10 a second: the bench works")
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    database = None if args.database in (None, "sqlite") else args.database
    rate, seconds = (10.0, 1.0) if args.smoke else (args.rate, args.seconds)
    stop_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="reply-bench-") as workdir, \
            prakat_stack(Path(workdir), database, LATENCY) as stack:
        result = run(stack, rate, seconds, warmup=20 if args.smoke else WARMUP_BODIES)
    print(f"\n$ {shlex.join(['python', '-m', 'bench.reply_bench', *argv])}   ({stack.database}, "
          f"fake LINE {LATENCY * 1000:.0f} ms a call)")
    print(" ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()))
    if not args.smoke:
        p95 = result["reply_p95_ms"]
        print(verdict(p95 <= TARGET_P95_MS, f"event → reply p95 {p95:.0f} ms at {rate:g} events/s "
                                            f"(target ≤ {TARGET_P95_MS:g} ms)"))


if __name__ == "__main__":
    main()
