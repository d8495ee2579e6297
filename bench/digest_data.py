"""Generated publishing history for the digest: every submission state, return rounds, approval
steps, publications (some retracted), page views and LINE pushes, as plain rows for bulk insert.

The rows are what the approval workflow would have written; tests compute the expected digest
from them in Python, and the benchmark loads 100,000 of them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, insert, select, text

from models import (
    ApprovalStep,
    OutboxMessage,
    PageView,
    Publication,
    Submission,
    SubmissionVersion,
)

CATEGORIES = [f"1.{i}" for i in range(1, 19)]
STATE_WEIGHTS = {
    "draft": 3, "cancelled": 2, "expired": 2, "pending": 6, "returned": 4, "approved": 3,
    "published": 62, "retracted": 3, "rejected": 8, "withdrawn": 7,
}
CHAINS = {"document": ["unit_director", "office_director"], "photos": ["unit_director"],
          "announcement": ["unit_director", "office_director"]}


@dataclass
class History:
    submissions: list[dict] = field(default_factory=list)
    versions: list[dict] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)
    publications: list[dict] = field(default_factory=list)
    page_views: list[dict] = field(default_factory=list)
    outbox: list[dict] = field(default_factory=list)

    def extend(self, other: History) -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))


class _Ids:
    def __init__(self, start: dict[str, int]):
        self.next = dict(start)

    def __call__(self, table: str) -> int:
        self.next[table] += 1
        return self.next[table]


def _hours(rng: random.Random, mean: float) -> timedelta:
    return timedelta(seconds=rng.expovariate(1 / (mean * 3600)) + rng.random())


def generate(n: int, *, office_id: int, unit_ids: list[int | None], people: list[int],
             start: datetime, end: datetime, seed: int = 1,
             id_start: dict[str, int] | None = None) -> History:
    """`n` submissions created between `start` and `end` (aware datetimes), spread over units."""
    rng = random.Random(seed)
    ids = _Ids(id_start or {"submissions": 0, "publications": 0, "steps": 0, "versions": 0})
    h = History()
    states, weights = zip(*STATE_WEIGHTS.items(), strict=True)
    span = (end - start).total_seconds()
    for _ in range(n):
        status = rng.choices(states, weights)[0]
        created = start + timedelta(seconds=rng.random() * span)
        _submission(h, rng, ids, office_id=office_id, unit_id=rng.choice(unit_ids),
                    submitter=rng.choice(people), status=status, created=created)
    for pub in h.publications:
        _views_and_push(h, rng, pub, office_id)
    for _ in range(n // 10):  # other traffic: approval cards, replies, failures
        at = start + timedelta(seconds=rng.random() * span)
        kind, via, status, recipients = rng.choice([
            ("push", "push", "sent", 1), ("reply", "reply", "sent", 0),
            ("reply", "push", "sent", 1), ("push", None, "failed", 0),
            ("push", "push", "sent", rng.randint(3, 12)),
        ])
        h.outbox.append({"office_id": office_id, "kind": kind, "status": status, "sent_via": via,
                         "recipients": recipients, "purpose": f"approval:{rng.randint(1, n)}",
                         "payload": {}, "retry_key": f"k{len(h.outbox)}", "created_at": at,
                         "next_attempt_at": at, "finished_at": at})
    return h


def _submission(h: History, rng: random.Random, ids: _Ids, *, office_id: int,
                unit_id: int | None, submitter: int, status: str, created: datetime) -> None:
    """One item through bot.workflow: submit builds the chain; each waiting step is approved,
    returned (a corrected version comes back to a new step at that position), rejected or left
    waiting; withdrawal cancels open steps; publication sets finished_at (approval does not)."""
    sid = ids("submissions")
    kind = rng.choice(list(CHAINS))
    row = {"id": sid, "office_id": office_id, "submitter_id": submitter, "unit_id": unit_id,
           "kind": kind, "category_code": rng.choice(CATEGORIES), "status": status,
           "current_version": 1, "created_at": created, "updated_at": created,
           "submitted_at": None, "finished_at": None}
    h.submissions.append(row)
    h.versions.append({"id": ids("versions"), "submission_id": sid, "number": 1,
                       "title": f"เรื่องที่ {sid} ประชาสัมพันธ์กิจกรรม", "description": "",
                       "created_at": created})
    if status in ("draft", "cancelled", "expired"):
        if status != "draft":
            row["finished_at"] = created + _hours(rng, 72)
        return
    at = row["submitted_at"] = created + _hours(rng, 6)
    chain = [_step(ids, sid, position, role) for position, role in
             enumerate(CHAINS[kind], start=1)]
    h.steps.extend(chain)
    returns = rng.choices([0, 1, 2], [70, 22, 8])[0] + (status == "returned")
    # Where the item's story ends: at which position, if it does not get through.
    stop = {"pending": "waiting", "returned": "returned", "rejected": "rejected",
            "withdrawn": "withdrawn"}.get(status)
    stop_at = rng.randrange(len(chain)) if stop else None
    i = 0
    while i < len(chain):
        step = chain[i]
        step["version"] = row["current_version"]
        if rng.random() < 0.05 and stop_at != i:  # the submitter is this step's approver
            step.update(status="skipped", decided_at=at)
            i += 1
            continue
        step.update(status="waiting", waiting_since=at)
        final_return = stop == "returned" and i == stop_at
        # A returned item keeps its last return for the position where its story ends.
        if final_return or (returns > (stop == "returned") and (stop != "returned" or i < stop_at)
                            and rng.random() < 0.4):
            at = _decide(step, rng, at, "returned")
            returns -= 1
            if final_return and returns == 0:
                return
            at += _hours(rng, 20)  # the submitter corrects it and sends it again
            row["current_version"] += 1
            h.versions.append({"id": ids("versions"), "submission_id": sid,
                               "number": row["current_version"],
                               "title": f"เรื่องที่ {sid} ฉบับแก้ไข {row['current_version']}",
                               "description": "", "created_at": at})
            chain[i] = _step(ids, sid, step["position"], step["role"])
            h.steps.append(chain[i])
            continue
        if i == stop_at and stop in ("waiting", "rejected", "withdrawn"):
            if stop == "rejected":
                row["finished_at"] = _decide(step, rng, at, "rejected")
            elif stop == "withdrawn":
                row["finished_at"] = at + _hours(rng, 10)
            if stop != "waiting":
                for other in chain[i:]:
                    if other["status"] in ("queued", "waiting"):
                        other["status"] = "cancelled"
            return
        at = _decide(step, rng, at, "approved")
        i += 1
    if status in ("published", "retracted"):
        published_at = at if rng.random() < 0.6 else at + _hours(rng, 8)  # portal | ict mode
        row["finished_at"] = published_at
        pub = {"id": ids("publications"), "office_id": office_id, "submission_id": sid,
               "version": row["current_version"], "category_code": row["category_code"],
               "unit_id": unit_id, "published_at": published_at, "views": 0,
               "retracted_at": None}
        if status == "retracted":
            pub["retracted_at"] = published_at + _hours(rng, 24 * 20)
        h.publications.append(pub)


def _step(ids: _Ids, sid: int, position: int, role: str) -> dict:
    return {"id": ids("steps"), "submission_id": sid, "position": position, "role": role,
            "status": "queued", "version": None, "waiting_since": None, "decided_at": None,
            "reminders_sent": 0}


def _decide(step: dict, rng: random.Random, at: datetime, status: str) -> datetime:
    decided = at + _hours(rng, 18)
    step.update(status=status, waiting_since=at, decided_at=decided)
    return decided


def _views_and_push(h: History, rng: random.Random, pub: dict, office_id: int) -> None:
    views = rng.choices([0, 1, 2, 3, 5, 8], [10, 25, 25, 20, 12, 8])[0]
    days = sorted({rng.randrange(0, 90) for _ in range(views)})
    for day in days:
        h.page_views.append({"publication_id": pub["id"], "visitor": f"v{rng.randrange(10**9)}",
                             "day": (pub["published_at"] + timedelta(days=day)).date()})
    pub["views"] = len(days)
    sent = pub["published_at"] + timedelta(seconds=rng.randint(1, 90))
    h.outbox.append({"office_id": office_id, "kind": "push", "status": "sent", "sent_via": "push",
                     "recipients": rng.randint(4, 25), "purpose": f"publication:{pub['id']}",
                     "payload": {}, "retry_key": f"p{pub['id']}", "created_at": sent,
                     "next_attempt_at": sent, "finished_at": sent})


def next_ids(conn: Connection) -> dict[str, int]:
    """Current highest ids, so generated rows never collide with existing ones."""
    return {
        name: conn.execute(select(func.coalesce(func.max(model.id), 0))).scalar()
        for name, model in (("submissions", Submission), ("publications", Publication),
                            ("steps", ApprovalStep), ("versions", SubmissionVersion))
    }


def insert_history(conn: Connection, h: History, chunk: int = 20_000) -> None:
    """Bulk insert through SQLAlchemy core (executemany), parents before children."""
    for model, rows in ((Submission, h.submissions), (SubmissionVersion, h.versions),
                        (ApprovalStep, h.steps), (Publication, h.publications),
                        (PageView, h.page_views), (OutboxMessage, h.outbox)):
        for i in range(0, len(rows), chunk):
            conn.execute(insert(model), rows[i : i + chunk])
    if conn.dialect.name == "postgresql":
        # Explicit ids leave the sequences behind; later ORM inserts must not collide.
        for table in ("submissions", "submission_versions", "approval_steps", "publications"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
