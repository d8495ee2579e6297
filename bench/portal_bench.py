"""How fast the public portal answers with 100,000 published items, from outside, and how much
memory the web and worker processes reach.

Real processes over loopback, as in production: `gunicorn -w 4 'webhook:create_app()'` and one
`flask --app webhook worker` (bench/stacks.py), the example office loaded, then an archive
bulk-inserted (bench/portal_data.py) and indexed for search. A closed loop of readers (one by
default) asks for the home page, category pages (mostly the first page, some deep ones), item
pages (which count a view: a write), searches from a mix of what readers type, and the Atom
feeds, in random order; each page's p50/p90/p99 is printed (target p99 <= 50 ms). Then a few
notices (PDF) and title images (PNG) are drawn, the worker sets a rich menu for every person,
and the peak RSS (VmHWM) of every gunicorn worker and of the flask worker is read (target <= 200 MB).

    .venv/bin/python -m bench.portal_bench                  # SQLite in a temporary folder
    .venv/bin/python -m bench.portal_bench --database-url postgresql://postgres@127.0.0.1:5432/bench_portal
    .venv/bin/python -m bench.portal_bench --smoke          # the harness works (a test runs it)
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shlex
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from sqlalchemy import func, select, text

from bench import portal_data
from bench.load import percentile
from bench.procs import BenchError, Processes, wait_until
from bench.stacks import empty_postgres, start_fake, start_prakat
from bot.office import richmenus
from bot.office.org import person_by_key, roles_of
from bot.spine.config import Config
from bot.spine.db import make_engine, make_sessionmaker, transaction
from models import Office, OutboxMessage, Person, Publication, Unit, utcnow

TARGET_MS = 50.0
RSS_TARGET_MB = 200.0
PAGES = ("home", "category", "item", "search", "atom")
BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"


@dataclass
class Result:
    database: str
    items: int
    live: int
    seed_seconds: float
    samples: dict[str, list[float]] = field(default_factory=dict)  # page -> seconds
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    renders: dict[str, list[float]] = field(default_factory=dict)
    load_average: tuple[float, float] = (0.0, 0.0)  # the machine's 1-minute load, before and after
    web_hwm_mb: list[float] = field(default_factory=list)
    worker_hwm_mb: float = 0.0
    menus_linked: int = 0

    def summary(self, page: str) -> dict:
        values = sorted(self.samples.get(page, []))
        ms = [v * 1000 for v in values]
        return {"n": len(ms), "p50_ms": percentile(ms, 50), "p90_ms": percentile(ms, 90),
                "p99_ms": percentile(ms, 99), "max_ms": ms[-1] if ms else 0.0}


def vm_hwm_mb(pid: int) -> float:
    """Peak resident memory of a process (the kernel's VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmHWM for {pid}")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def seed(database_url: str, n: int, seed_value: int) -> tuple[int, int, float]:
    """Bulk-insert the archive; returns (items, live items, seconds)."""
    engine = make_engine(Config(database_url=database_url).validated().database_url)
    try:
        factory = make_sessionmaker(engine)
        with factory() as session:
            office_id = session.scalar(select(Office.id))
            units = list(session.scalars(select(Unit.id).order_by(Unit.id)))
            people = list(session.scalars(select(Person.id).order_by(Person.id)))
            approvers = (person_by_key(session, "prasert").id, person_by_key(session, "somchai").id)
        archive = portal_data.generate(n, office_id=office_id, unit_ids=units, people=people,
                                       approvers=approvers, end=utcnow(), seed=seed_value)
        started = time.perf_counter()
        with engine.begin() as conn:
            live = portal_data.insert_archive(conn, archive)
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))  # what autovacuum does after a bulk load
        return n, live, time.perf_counter() - started
    finally:
        engine.dispose()


def plan(database_url: str, per_page: int, rng: random.Random) -> list[tuple[str, str]]:
    """(page, path) requests in random order, `per_page` of each page."""
    engine = make_engine(Config(database_url=database_url).validated().database_url)
    try:
        with engine.connect() as conn:
            live = conn.scalars(select(Publication.id).where(Publication.retracted_at.is_(None))).all()
            per_category = dict(conn.execute(
                select(Publication.category_code, func.count()).where(Publication.retracted_at.is_(None))
                .group_by(Publication.category_code)).all())
    finally:
        engine.dispose()
    codes = sorted(per_category)
    searches = portal_data.queries(rng, per_page)
    requests: list[tuple[str, str]] = []
    for i in range(per_page):
        code = rng.choice(codes)
        pages = max(1, -(-per_category[code] // 20))
        depth = rng.random()
        page = 1 if depth < 0.8 else rng.randint(2, min(10, pages)) if depth < 0.95 else rng.randint(1, pages)
        requests += [
            ("home", "/"),
            ("category", f"/c/{code}" + (f"?page={page}" if page > 1 else "")),
            ("item", f"/p/{rng.choice(live)}"),
            ("search", "/search?q=" + quote(searches[i])),
            ("atom", "/feed.atom" if rng.random() < 0.7 else f"/c/{rng.choice(codes)}/feed.atom"),
        ]
    rng.shuffle(requests)
    return requests


def get(base: str, path: str, timeout: float = 30.0) -> tuple[int, float]:
    """(status, seconds) for one GET on a new connection (gunicorn's sync workers close each)."""
    host = urlsplit(base)
    started = time.perf_counter()
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"User-Agent": BROWSER})
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        conn.close()


def load(base: str, requests: list[tuple[str, str]], clients: int, result: Result) -> None:
    """A closed loop: `clients` readers, each asking for the next request when answered."""
    lock, it = threading.Lock(), iter(requests)

    def reader():
        while True:
            with lock:
                nxt = next(it, None)
            if nxt is None:
                return
            page, path = nxt
            status, seconds = get(base, path)
            with lock:
                result.samples.setdefault(page, []).append(seconds)
                counts = result.statuses.setdefault(page, {})
                counts[status] = counts.get(status, 0) + 1

    threads = [threading.Thread(target=reader) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def queue_menus(database_url: str) -> int:
    """Give the worker real work: a rich menu (drawn with Pillow, sent to LINE) for everyone."""
    engine = make_engine(Config(database_url=database_url).validated().database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            people = session.scalars(select(Person).where(Person.line_user_id.is_not(None))).all()
            for person in people:
                richmenus.queue_link(session, person, roles_of(session, person))
            return len(people)
    finally:
        engine.dispose()


def pending_effects(database_url: str) -> int:
    engine = make_engine(Config(database_url=database_url).validated().database_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.kind == "richmenu_link", OutboxMessage.status.in_(("pending", "sending"))))
    finally:
        engine.dispose()


def run(database_url: str | None, items: int, per_page: int, clients: int, workers: int,
        workdir: Path, seed_value: int = 7, echo=print) -> Result:
    rng = random.Random(seed_value)
    with Processes(workdir / "logs") as procs:
        fake_url = start_fake(procs, latency=0.05)
        if database_url:
            empty_postgres(database_url)
        url = database_url or f"sqlite:///{workdir / 'prakat.db'}"
        bot, _ = start_prakat(procs, fake_url, url, workdir, workers)
        base = bot.callback_url.removesuffix("/callback")
        echo(f"-- seeding {items:,} published items", flush=True)
        n, live, seconds = seed(url, items, seed_value)
        result = Result("postgresql" if database_url else "sqlite", n, live, seconds)
        requests = plan(url, per_page, rng)
        echo(f"-- warming up, then {len(requests):,} requests from {clients} reader(s)", flush=True)
        load(base, plan(url, max(2, 3 * workers), random.Random(seed_value + 1)), clients,
             Result(result.database, 0, 0, 0))
        before = os.getloadavg()[0]
        load(base, requests, clients, result)
        result.load_average = (before, os.getloadavg()[0])
        procs.check_alive()
        for pid in rng.sample(range(1, n + 1), min(3, n)):  # drawn once, then served from the cache
            for kind in ("notice.pdf", "card.png"):
                status, seconds = get(base, f"/p/{pid}/{kind}")
                if status in (200, 410):
                    result.renders.setdefault(kind, []).append(seconds)
        result.menus_linked = queue_menus(url)
        wait_until(lambda: pending_effects(url) == 0, timeout=120, processes=procs,
                   what="the worker setting rich menus")
        result.web_hwm_mb = [vm_hwm_mb(pid) for pid in children(procs.pid("gunicorn"))]
        result.worker_hwm_mb = vm_hwm_mb(procs.pid("worker"))
    return result


def report(result: Result, command: str, clients: int, workers: int) -> str:
    lines = [f"$ {command}",
             f"{result.database}: {result.items:,} published items ({result.live:,} live), seeded and "
             f"indexed in {result.seed_seconds:.0f} s; gunicorn -w {workers}, {clients} reader(s); "
             f"load average {result.load_average[0]:.1f} -> {result.load_average[1]:.1f} "
             f"on {os.cpu_count()} cores",
             f"{'page':>10} {'n':>6} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}  status"]
    for page in PAGES:
        s = result.summary(page)
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(result.statuses.get(page, {}).items()))
        lines.append(f"{page:>10} {s['n']:>6} {s['p50_ms']:>8.1f} {s['p90_ms']:>8.1f} {s['p99_ms']:>8.1f} "
                     f"{s['max_ms']:>8.1f}  {statuses}")
    worst = max((result.summary(p)["p99_ms"] for p in PAGES), default=0.0)
    lines.append(f"worst p99 {worst:.1f} ms; target <= {TARGET_MS:.0f} ms: "
                 f"{'met' if worst <= TARGET_MS else 'MISSED'}")
    for kind, values in result.renders.items():
        lines.append(f"first {kind}: " + ", ".join(f"{v * 1000:.0f} ms" for v in values))
    web = max(result.web_hwm_mb, default=0.0)
    lines.append(f"peak RSS: web workers {', '.join(f'{m:.0f}' for m in result.web_hwm_mb)} MB; "
                 f"flask worker {result.worker_hwm_mb:.0f} MB after {result.menus_linked} rich menus; "
                 f"target <= {RSS_TARGET_MB:.0f} MB: "
                 f"{'met' if max(web, result.worker_hwm_mb) <= RSS_TARGET_MB else 'MISSED'}")
    return "\n".join(lines)


SMOKE = {"items": 300, "per_page": 4, "workers": 1}


def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL database the bench owns (emptied first); "
                                               "default: SQLite in a temporary folder")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--per-page", type=int, default=400, help="requests of each page")
    parser.add_argument("--clients", type=int, default=1, help="concurrent readers")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (production: 4)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="a tiny run that proves the harness works")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.smoke:
        args.items, args.per_page, args.workers = SMOKE["items"], SMOKE["per_page"], SMOKE["workers"]
    command = shlex.join([Path(sys.executable).name, "-m", "bench.portal_bench",
                          *(sys.argv[1:] if argv is None else argv)])
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as workdir:
        result = run(args.database_url, args.items, args.per_page, args.clients, args.workers,
                     Path(workdir), args.seed)
    print(report(result, command, args.clients, args.workers))
    return result


if __name__ == "__main__":
    main()
