"""From the office director's final approval tap to the item on the portal and the PR group's card.

Real processes: the fake LINE (every call takes 50 ms), Prakat as in production (gunicorn -w 4 +
one flask worker) with the example office, everyone linked and a registered PR group. Staff send
documents over signed webhooks (file, category, title, no description, send for approval) and
their unit directors approve them from the cards LINE delivered, so every item waits at its final
step. Then the office director taps อนุมัติ on each card, one after another, and each tap is timed
to (a) GET /p/N answering 200 and (b) the PR group's card for /p/N accepted by LINE; the larger of
the two is the tap's time. Target: p95 ≤ 1 s.

    .venv/bin/python -m bench.approval_bench [--items 40] [--database postgresql://…] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import create_engine, select

from bench import fake_line
from bench.acks import verdict
from bench.chat import Chat, Inbox
from bench.load import line_user_id, percentile
from bench.procs import BenchError, stop_on_sigterm
from bench.stacks import SECRET, Stack, prakat_stack, register_group
from bot.spine.config import Config
from models import InboundEvent, Publication, Submission
from tests.flex import actions, arabic, data, joined
from tests.line_driver import group_id
from tests.samples import pdf

ROOT = Path(__file__).resolve().parent.parent
LATENCY = 0.05
TARGET_SECONDS = 1.0
PR_GROUP = group_id("bench-pr-group")
CATEGORY = "1.3"
WAIT = 60.0


@dataclass
class Item:
    submitter: str
    director: str
    title: str
    submission_id: int = 0
    final_card: dict | None = None


def submitters(path: Path = ROOT / "examples" / "office.yaml") -> list[tuple[str, str]]:
    """(staff, their unit director) for every person of a unit who is not its director."""
    office = yaml.safe_load(path.read_text(encoding="utf-8"))
    directors = {u["key"]: u["director"] for u in office["units"]}
    chief = office["office"]["director"]
    return [(p["key"], directors[p["unit"]]) for p in office["people"]
            if p.get("unit") and p["key"] not in (directors[p["unit"]], chief)]


def _card(inbox: Inbox, director: str, title: str, step: str) -> dict:
    """The approval card LINE delivered to `director` for `title` at `step` ("ขั้นที่ ๑ จาก ๒"):
    the whole title, or item 1 would take item 12's card."""
    to = line_user_id(director)

    def card(deliveries):
        return next((m for d in deliveries if d["to"] == to for m in d["messages"]
                     if m["type"] == "flex" and m.get("altText", "").endswith(": " + title) and step in joined(m)
                     and "อนุมัติ" in actions(m)), None)

    return inbox.wait_for(card, WAIT)


def _submit(chat: Chat, item: Item, chief: str) -> None:
    """One document from the staff member's first message to the card waiting at its final step."""
    said = chat.send(chat.file_event(item.submitter, f"{item.title}.pdf", pdf(1), "application/pdf"))
    picker = next(m for m in said if m["type"] == "flex")
    chat.tap(item.submitter, data(picker, next(k for k in actions(picker) if arabic(k).startswith(CATEGORY + " "))))
    chat.text(item.submitter, item.title)
    card = chat.text(item.submitter, "ข้าม")[-1]
    submit = data(card, "ส่งขออนุญาตเผยแพร่")
    item.submission_id = int(dict(kv.split("=") for kv in submit.split("?", 1)[1].split("&"))["d"])
    chat.tap(item.submitter, submit)
    first = _card(chat.inbox, item.director, item.title, "ขั้นที่ ๑ จาก ๒")
    chat.tap(item.director, data(first, "อนุมัติ"))
    item.final_card = _card(chat.inbox, chief, item.title, "ขั้นที่ ๒ จาก ๒")


def seed(stack: Stack, count: int, chief: str = "somchai") -> list[Item]:
    """`count` documents waiting for the office director, several staff at a time."""
    pairs = submitters()
    items = [Item(*pairs[n % len(pairs)], f"ประกาศทดสอบความเร็ว {n + 1}") for n in range(count)]
    inbox = Inbox(stack.fake_url)
    errors: list[BaseException] = []

    def staff_member(mine: list[Item]) -> None:
        chat = Chat(stack.base_url, stack.fake_url, SECRET)
        chat.inbox = inbox
        try:
            for item in mine:
                _submit(chat, item, chief)
        except BaseException as exc:  # surfaced below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=staff_member, args=(items[k::len(pairs)],)) for k in range(len(pairs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:  # with what the worker and the web workers last said: why nothing came
        raise BenchError(f"{errors[0]}\n--- worker ---\n{stack.procs.log_tail('worker', 40)}"
                         f"\n--- gunicorn ---\n{stack.procs.log_tail('gunicorn', 20)}") from errors[0]
    return items


def _page_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # Python's agent: not counted as a view
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def time_final_tap(stack: Stack, chat: Chat, item: Item, chief: str, engine) -> tuple[float, float]:
    """Tap อนุมัติ; seconds until the page answers and until the PR group's card was accepted."""
    cursor = fake_line.stats(stack.fake_url)["requests"]
    event = chat.postback_event(chief, data(item.final_card, "อนุมัติ"))
    tapped = time.monotonic()
    chat.post(event, handle=False)
    page = card = None
    deadline = tapped + WAIT
    publication = None
    with engine.connect() as conn:
        while (page is None or card is None) and time.monotonic() < deadline:
            if publication is None:
                publication = conn.scalar(select(Publication.id).where(
                    Publication.submission_id == item.submission_id))
                conn.rollback()  # a fresh snapshot on the next look
            if publication is not None and page is None and _page_answers(f"{stack.base_url}/p/{publication}"):
                page = time.monotonic() - tapped
            if publication is not None and card is None:
                sent, _ = fake_line.deliveries(stack.fake_url, cursor, to=PR_GROUP, messages=True)
                card = next((d["at"] - tapped for d in sent if f"/p/{publication}" in json.dumps(d["messages"])),
                            None)
            time.sleep(0.01)
    if page is None or card is None:
        with engine.connect() as conn:
            status = conn.scalar(select(Submission.status).where(Submission.id == item.submission_id))
            tap = conn.execute(select(InboundEvent.outcome, InboundEvent.last_error).where(
                InboundEvent.webhook_event_id == event["webhookEventId"])).first()
        raise BenchError(f"item {item.submission_id} ({status}; the tap: {tap}): page {page}, "
                         f"PR card {card} after {WAIT:g} s\n{stack.procs.log_tail('worker', 30)}")
    return page, card


def run(stack: Stack, count: int, chief: str = "somchai") -> dict:
    fake_line.set_latency(stack.fake_url, LATENCY)
    register_group(stack.database_url, PR_GROUP, "pr")
    fake_line.add_group(stack.fake_url, PR_GROUP, "งานประชาสัมพันธ์", [line_user_id(k) for k in ("nittaya", "sakda")])
    started = time.monotonic()
    items = seed(stack, count, chief)
    seeded = time.monotonic() - started
    chat = Chat(stack.base_url, stack.fake_url, SECRET)
    engine = create_engine(Config(database_url=stack.database_url).validated().database_url)
    pages, cards, both = [], [], []
    try:
        for item in items:
            page, card = time_final_tap(stack, chat, item, chief, engine)
            pages.append(page)
            cards.append(card)
            both.append(max(page, card))
            time.sleep(0.2)  # the director reads the next card; the last tap's pushes go out meanwhile
    finally:
        engine.dispose()
    stack.procs.check_alive()
    return {"items": count, "seeded_s": seeded, **_figures("page", pages), **_figures("pr_card", cards),
            **_figures("both", both)}


def _figures(name: str, seconds: list[float]) -> dict:
    values = sorted(seconds)
    return {f"{name}_p50_ms": percentile(values, 50) * 1000, f"{name}_p95_ms": percentile(values, 95) * 1000,
            f"{name}_max_ms": values[-1] * 1000}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=40, help="final approvals to time")
    parser.add_argument("--database", help="a PostgreSQL URL the bench owns (its public schema is dropped); "
                                           "default: a new SQLite file")
    parser.add_argument("--smoke", action="store_true", help="three items: the bench works")
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    database = None if args.database in (None, "sqlite") else args.database
    stop_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="approval-bench-") as workdir, \
            prakat_stack(Path(workdir), database, LATENCY) as stack:
        result = run(stack, 3 if args.smoke else args.items)
    print(f"\n$ {shlex.join(['python', '-m', 'bench.approval_bench', *argv])}   ({stack.database}, "
          f"fake LINE {LATENCY * 1000:.0f} ms a call)")
    print(" ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()))
    if not args.smoke:
        p95 = result["both_p95_ms"] / 1000
        print(verdict(p95 <= TARGET_SECONDS, f"final tap → page and PR card p95 {p95 * 1000:.0f} ms "
                                             f"(target ≤ {TARGET_SECONDS * 1000:.0f} ms)"))


if __name__ == "__main__":
    main()
