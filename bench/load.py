"""Signed LINE webhook traffic against a bot on 127.0.0.1, measured from outside as LINE sees it.

Two ways to load: a closed loop (C senders, each sends its next body as soon as the last is
answered: how many events per second the bot can take) and an open loop (bodies go out at a fixed
rate whatever the bot does, the way LINE delivers: how many answers come late or fail). An ack's
time runs from when the body was due to when its whole answer was read, so a queue in the
generator or in the server's backlog is counted, not hidden.

Traffic is text 6 : postback 2 : image 1 : follow 1 from the given users, one event per body by
default, each with a fresh webhookEventId and the reply token it needs (see `Traffic`).

    .venv/bin/python -m bench.load http://127.0.0.1:8000/callback --secret S --closed 20 --seconds 10
    .venv/bin/python -m bench.load http://127.0.0.1:8000/callback --secret S --rate 300 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import io
import itertools
import json
import random
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import aiohttp
import yaml

from bench.fake_line import prepare

ROOT = Path(__file__).resolve().parent.parent
MIX = (("text", 6), ("postback", 2), ("image", 1), ("follow", 1))
TEXTS = ("วิธีใช้", "รายการของฉัน")
POSTBACKS = ("v1/menu?m=mine", "v1/menu?m=help")
BOT_ID = "U" + "0" * 31 + "b"
LATE_SECONDS = 2.0  # LINE's limit for answering a webhook

def photo() -> bytes:
    """A small real JPEG: a bot that opens what it downloads (Prakat does) must not choke on it."""
    from PIL import Image  # only where images are prepared

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 200)).save(out, "JPEG")
    return out.getvalue()

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def line_user_id(key: str) -> str:
    """The LINE user id the bench gives a person key (the same convention as the tests)."""
    return "U" + hashlib.md5(key.encode()).hexdigest()


def office_keys(path: Path = ROOT / "examples" / "office.yaml") -> list[str]:
    return [p["key"] for p in yaml.safe_load(path.read_text(encoding="utf-8"))["people"]]


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def loopback_only(url: str) -> str:
    """Refuse any target but 127.0.0.1: this tool must never load someone else's server."""
    if urlparse(url).hostname != "127.0.0.1":
        raise ValueError(f"only http://127.0.0.1 targets are allowed, got {url!r}")
    return url


@dataclass(frozen=True)
class Planned:
    kind: str
    user_id: str
    message_id: str | None  # the image's id, so its content can be put on the fake LINE first


def plan(count: int, users: list[str], seed: int = 1) -> list[Planned]:
    """`count` events in the exact mix, shuffled within each block of ten, users chosen at random."""
    rng = random.Random(seed)
    block = [kind for kind, weight in MIX for _ in range(weight)]
    out: list[Planned] = []
    while len(out) < count:
        rng.shuffle(block)
        for kind in block[: count - len(out)]:
            message_id = str(700_000_000_000_000 + len(out)) if kind == "image" else None
            out.append(Planned(kind, rng.choice(users), message_id))
    return out


class Traffic:
    """Builds signed bodies from a plan at send time, so every event carries a current timestamp.

    `tokens[i]` is event i's reply token: issued by the fake LINE (`with_fake_line`) when the bot
    will really reply, made up otherwise (a bot's reply then fails at LINE, its ack is still timed).
    """

    def __init__(self, secret: str, planned: list[Planned], tokens: list[str], per_body: int = 1):
        if len(tokens) != len(planned) or per_body < 1:
            raise ValueError("one reply token per planned event, at least one event per body")
        self.secret, self.planned, self.tokens, self.per_body = secret, planned, tokens, per_body
        self.bodies = len(planned) // per_body

    @classmethod
    def made_up(cls, secret: str, planned: list[Planned], per_body: int = 1) -> Traffic:
        return cls(secret, planned, [secrets.token_hex(16) for _ in planned], per_body)

    @classmethod
    def with_fake_line(cls, secret: str, planned: list[Planned], control_url: str,
                       per_body: int = 1) -> Traffic:
        images = [p.message_id for p in planned if p.message_id]
        tokens = prepare(control_url, [p.user_id for p in planned], images, photo(), "image/jpeg")
        return cls(secret, planned, tokens, per_body)

    def event(self, i: int) -> dict:
        p = self.planned[i]
        event = {"type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
                 "source": {"type": "user", "userId": p.user_id},
                 "webhookEventId": "".join(secrets.choice(_ALPHABET) for _ in range(26)),
                 "deliveryContext": {"isRedelivery": False}, "replyToken": self.tokens[i]}
        if p.kind == "text":
            event["message"] = {"type": "text", "id": str(800_000_000_000_000 + i),
                                "text": TEXTS[i % len(TEXTS)], "quoteToken": "q" + secrets.token_hex(8)}
        elif p.kind == "image":
            event["message"] = {"type": "image", "id": p.message_id, "quoteToken": "q" + secrets.token_hex(8),
                                "contentProvider": {"type": "line"}}
        elif p.kind == "postback":
            event["type"], event["postback"] = "postback", {"data": POSTBACKS[i % len(POSTBACKS)]}
        else:
            event["type"], event["follow"] = "follow", {"isUnblocked": False}
        return event

    def payload(self, n: int) -> dict:
        first = n * self.per_body
        return {"destination": BOT_ID, "events": [self.event(i) for i in range(first, first + self.per_body)]}

    def body(self, n: int) -> tuple[bytes, dict]:
        raw = json.dumps(self.payload(n), ensure_ascii=False, separators=(",", ":")).encode()
        return raw, {"X-Line-Signature": sign(self.secret, raw), "Content-Type": "application/json"}

    def url(self, n: int, callback_url: str) -> str:
        """Where body `n` goes: the one callback (several offices may spread their bodies)."""
        return callback_url


@dataclass
class Sample:
    seconds: float
    status: int  # 0: no answer (timeout, refused, reset)
    events: int
    body: int = -1  # which body of the traffic (its events are body * per_body onwards)
    due: float = 0.0  # time.monotonic() when it was due: the same clock in every process here


@dataclass
class LoadResult:
    mode: str
    samples: list[Sample] = field(default_factory=list)
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's CPU while it generated the load
    busy_seconds: float = 0.0  # the whole machine's busy CPU over the same time (all cores)
    max_lag_seconds: float = 0.0  # open loop: how far behind schedule the generator ever was

    def summary(self) -> dict:
        """The figures of the table: events/s acknowledged, ack percentiles (ms), late and failed."""
        times = sorted(s.seconds for s in self.samples)
        ok_events = sum(s.events for s in self.samples if s.status == 200)
        return {
            "mode": self.mode, "bodies": len(self.samples), "acked_events": ok_events,
            "seconds": self.wall_seconds,
            "events_per_s": ok_events / self.wall_seconds if self.wall_seconds else 0.0,
            "p50_ms": percentile(times, 50) * 1000, "p90_ms": percentile(times, 90) * 1000,
            "p99_ms": percentile(times, 99) * 1000,
            "late": sum(1 for s in self.samples if s.status == 200 and s.seconds > LATE_SECONDS),
            "errors": sum(1 for s in self.samples if s.status != 200),
            "gen_cpu_core": self.cpu_seconds / self.wall_seconds if self.wall_seconds else 0.0,
            "gen_share_of_busy": self.cpu_seconds / self.busy_seconds if self.busy_seconds else 0.0,
            "max_lag_ms": self.max_lag_seconds * 1000,
        }


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]


def _busy_jiffies() -> tuple[int, int]:
    """(busy, total) CPU jiffies of the machine from /proc/stat; (0, 0) where there is none."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


async def _post(session: aiohttp.ClientSession, url: str, traffic: Traffic, n: int, due: float) -> Sample:
    raw, headers = traffic.body(n)
    try:
        async with session.post(traffic.url(n, url), data=raw, headers=headers) as response:
            await response.read()
            status = response.status
    except (aiohttp.ClientError, TimeoutError, OSError):
        status = 0
    return Sample(time.monotonic() - due, status, traffic.per_body, n, due)


async def _measured(result: LoadResult, run) -> LoadResult:
    cpu0, (busy0, _), wall0 = time.process_time(), _busy_jiffies(), time.monotonic()
    await run()
    result.wall_seconds = time.monotonic() - wall0
    result.cpu_seconds = time.process_time() - cpu0
    result.busy_seconds = (_busy_jiffies()[0] - busy0) / 100  # USER_HZ is 100 on Linux
    return result


def _session(connections: int, timeout: float) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections),
                                 timeout=aiohttp.ClientTimeout(total=timeout))


async def closed_loop(url: str, traffic: Traffic, *, senders: int, seconds: float,
                      timeout: float = 10.0) -> LoadResult:
    """`senders` concurrent senders until the plan or `seconds` runs out (answers in flight finish)."""
    loopback_only(url)
    result, numbers = LoadResult(f"closed {senders}"), itertools.count()

    async def run() -> None:
        deadline = time.monotonic() + seconds
        async with _session(senders, timeout) as session:
            async def sender() -> None:
                while time.monotonic() < deadline and (n := next(numbers)) < traffic.bodies:
                    result.samples.append(await _post(session, url, traffic, n, time.monotonic()))

            await asyncio.gather(*(sender() for _ in range(senders)))

    return await _measured(result, run)


async def open_loop(url: str, traffic: Traffic, *, rate: float, seconds: float, timeout: float = 10.0,
                    connections: int = 1000, schedule: list[float] | None = None) -> LoadResult:
    """A body every 1/rate s for `seconds` (at most the plan), whatever the answers; then wait for all.
    `schedule`, when given, is instead each body's due time in seconds from the start (ascending)."""
    loopback_only(url)
    result = LoadResult(f"open {rate:g}/s")
    offsets = schedule if schedule is not None else [n / rate for n in range(int(rate * seconds))]
    count = min(len(offsets), traffic.bodies)

    async def run() -> None:
        start = time.monotonic()
        async with _session(connections, timeout) as session:
            tasks = []
            for n in range(count):
                due = start + offsets[n]
                if (wait := due - time.monotonic()) > 0.0005:
                    await asyncio.sleep(wait)
                result.max_lag_seconds = max(result.max_lag_seconds, time.monotonic() - due)
                tasks.append(asyncio.create_task(_post(session, url, traffic, n, due)))
            result.samples.extend(await asyncio.gather(*tasks))

    return await _measured(result, run)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", help="the bot's webhook, e.g. http://127.0.0.1:8000/callback")
    parser.add_argument("--secret", required=True, help="the channel secret the bot verifies with")
    how = parser.add_mutually_exclusive_group(required=True)
    how.add_argument("--closed", type=int, metavar="C", help="closed loop with C concurrent senders")
    how.add_argument("--rate", type=float, metavar="EV_PER_S", help="open loop at this many bodies a second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--events", type=int, default=20000, help="at most this many events")
    parser.add_argument("--per-body", type=int, default=1, help="events in each webhook body")
    parser.add_argument("--timeout", type=float, default=10.0, help="give up on an answer after this")
    parser.add_argument("--fake-control", help="the bench fake LINE's URL: real reply tokens and images")
    args = parser.parse_args(argv)
    users = [line_user_id(k) for k in office_keys()]
    bodies = min(args.events // args.per_body,
                 int((args.rate or 0) * args.seconds) or args.events // args.per_body)
    planned = plan(bodies * args.per_body, users)
    traffic = (Traffic.with_fake_line(args.secret, planned, args.fake_control, args.per_body)
               if args.fake_control else Traffic.made_up(args.secret, planned, args.per_body))
    if args.closed:
        run = closed_loop(args.url, traffic, senders=args.closed, seconds=args.seconds, timeout=args.timeout)
    else:
        run = open_loop(args.url, traffic, rate=args.rate, seconds=args.seconds, timeout=args.timeout)
    summary = asyncio.run(run).summary()
    print(" ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in summary.items()))


if __name__ == "__main__":
    main()
