"""How fast the ITA pages and the vote answer with 100,000 published items, in process (Flask's
test client: the app's own time, without HTTP). The public /ita/<year> page, the private
readiness view, the XLSX export, the item page that now carries the vote form, and the vote POST.

    .venv/bin/python -m bench.ita_bench                 # SQLite in a temporary folder
    .venv/bin/python -m bench.ita_bench --database-url postgresql://postgres@127.0.0.1:5432/bench_ita
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from bench import portal_data
from bench.load import percentile
from bench.stacks import empty_postgres
from bot.ita.links import readiness_url
from bot.office.org import person_by_key
from bot.office.orgfile import load
from bot.spine.config import Config
from bot.spine.db import transaction
from bot.thai.dates import fiscal_year_of
from models import Office, Person, Publication, Unit, utcnow
from webhook import create_app

ROOT = Path(__file__).resolve().parent.parent
AGENT = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"


def timed(fn, n: int) -> list[float]:
    out = []
    for i in range(n):
        started = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url")
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=100)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ita-bench-"))
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    if args.database_url:
        empty_postgres(url)
    config = Config(database_url=url, public_base_url="https://prakat.bench.example",
                    data_dir=str(tmp / "data"), secret_key="bench-secret-key",
                    line_channel_secret="x", line_channel_access_token="y",
                    instance_path=str(tmp / "instance")).validated()
    app = create_app(config)
    runtime = app.extensions["prakat"]
    with transaction(runtime.factory) as session:
        load(session, (ROOT / "examples" / "office.yaml").read_text(encoding="utf-8"))
    with runtime.factory() as session:
        office_id = session.scalar(select(Office.id))
        units = list(session.scalars(select(Unit.id).order_by(Unit.id)))
        people = list(session.scalars(select(Person.id).order_by(Person.id)))
        approvers = (person_by_key(session, "prasert").id, person_by_key(session, "somchai").id)
    archive = portal_data.generate(args.items, office_id=office_id, unit_ids=units, people=people,
                                   approvers=approvers, end=utcnow())
    with runtime.engine.begin() as conn:
        portal_data.insert_archive(conn, archive)
    with runtime.factory() as session:
        live = list(session.scalars(select(Publication.id).where(Publication.retracted_at.is_(None))))
    year = fiscal_year_of(utcnow())
    client = app.test_client()
    rng = random.Random(7)
    private = readiness_url(config, office_id, year).removeprefix(config.public_base_url)

    def get(path):
        response = client.get(path, headers={"User-Agent": AGENT})
        assert response.status_code == 200, (path, response.status_code)
        return response

    def vote(i):
        pid = rng.choice(live)
        page = get(f"/p/{pid}").get_data(as_text=True)
        token = re.search(r'name="t" value="([^"]+)"', page).group(1)
        response = client.post(f"/p/{pid}/vote", headers={"User-Agent": f"{AGENT} {i}"},
                               environ_base={"REMOTE_ADDR": f"10.0.{i // 250}.{i % 250}"},
                               data={"t": token, "helpful": "yes", "comment": "อ่านง่าย"})
        assert response.status_code == 303, response.status_code

    pages = {
        f"/ita/{year}": lambda i: get(f"/ita/{year}"),
        f"/ita/{year - 1}": lambda i: get(f"/ita/{year - 1}"),
        "readiness": lambda i: get(private),
        "item /p/<id>": lambda i: get(f"/p/{rng.choice(live)}"),
        "xlsx (whole year)": lambda i: get(f"/ita/{year - 1}.xlsx"),
        "vote (GET item + POST)": vote,
    }
    print(f"{args.items:,} items, {'PostgreSQL' if args.database_url else 'SQLite'}, in process")
    for name, fn in pages.items():
        n = 10 if "xlsx" in name else args.requests
        fn(0)  # warm
        ms = sorted(timed(fn, n))
        print(f"  {name:<24} n={n:<4} p50 {percentile(ms, 50):7.1f} ms  p99 {percentile(ms, 99):7.1f} ms")


if __name__ == "__main__":
    main()
