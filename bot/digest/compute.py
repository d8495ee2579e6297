"""The quarterly digest (ข้อ ๔): what the office and each unit published, how the approval flow
went, what it reached and what it cost, and what the units reported as problems.

Every number is an SQL aggregate (counts, sums, and percentiles from window functions, which
SQLite and PostgreSQL both have); Python only assembles the grouped results. Each event counts in
the quarter in which it happened. docs/DIGEST.md defines every number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from bot.digest.sql import count_if, percentiles, seconds_between, unindexed
from bot.ita.evidence import readiness
from bot.ita.votes import Tally, quarter_tallies
from bot.office import categories as office_categories
from bot.office.org import ROLE_NAMES, role_name
from bot.publishing.minimum_set import MinimumItem, minimum_set_status
from bot.thai.dates import BANGKOK, FiscalQuarter
from models import (
    ApprovalStep,
    Office,
    OutboxMessage,
    PageView,
    Publication,
    QuarterFeedback,
    Submission,
    SubmissionVersion,
    Unit,
    utcnow,
)

APPROVED_STATES = ("approved", "published", "retracted")  # the final decision was "approve"
OPEN_STATES = ("pending", "returned")  # submitted, no final decision yet
DECIDED_STEP_STATES = ("approved", "returned", "rejected")
PUBLISH_STAGE = "publish"  # pseudo-step: from the final approval to publication
STAGE_LABELS = {**ROLE_NAMES, PUBLISH_STAGE: "นำขึ้นเว็บไซต์ (หลังอนุมัติ)"}
NO_UNIT_NAME = "ไม่ระบุกลุ่ม/หน่วย"
TOP_N = 5


@dataclass(frozen=True)
class Timing:
    """Durations in seconds: how many, the median and the 90th percentile (linear interpolation
    between closest ranks, as PostgreSQL's percentile_cont and Excel's PERCENTILE.INC)."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True)
class Flow:
    submitted: int = 0
    approved: int = 0
    returned: int = 0  # items sent back for correction at least once in the quarter
    rejected: int = 0
    withdrawn: int = 0
    pending: int = 0  # submitted and still undecided at the quarter's end


@dataclass(frozen=True)
class Item:
    publication_id: int
    submission_id: int
    title: str
    unit_id: int | None
    category_code: str
    published_at: datetime
    views: int
    retracted_at: datetime | None


@dataclass(frozen=True)
class Feedback:
    """A unit's problems and suggestions; `none` means it answered ไม่มี."""

    asked_at: datetime | None
    answered_at: datetime | None
    none: bool
    text: str

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


@dataclass(frozen=True)
class UnitDigest:
    """The figures of one unit (or, as `Digest.total`, of the whole office)."""

    unit_id: int | None
    name: str
    published: int = 0
    retracted: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_month: tuple[int, int, int] = (0, 0, 0)
    views: int = 0  # views so far of the items published in the quarter
    views_in_quarter: int = 0  # portal views during the quarter, of any of its items
    flow: Flow = Flow()
    to_publication: Timing = Timing()
    feedback: Feedback | None = None
    helpful: Tally = Tally()  # readers' votes in the quarter on the unit's items (any year's)


@dataclass(frozen=True)
class StageTiming:
    stage: str  # an approval step's role, or PUBLISH_STAGE
    label: str
    timing: Timing


@dataclass(frozen=True)
class PushCost:
    """Pushes sent in the quarter; LINE counts `recipients` (a group push counts each member)."""

    messages: int = 0
    recipients: int = 0
    publication_recipients: int = 0  # of which: publication confirmations


@dataclass(frozen=True)
class ItaLine:
    """ITA readiness of the quarter's fiscal year at the quarter's end (bot.ita)."""

    fiscal_year: int
    green: int
    stale: int
    missing: int
    total: int


@dataclass(frozen=True)
class Digest:
    office_id: int
    office_name: str
    office_short_name: str
    quarter: FiscalQuarter
    computed_at: datetime
    months: tuple[date, date, date]  # first day of each month of the quarter
    total: UnitDigest
    units: list[UnitDigest]
    stages: list[StageTiming]
    items: list[Item]
    top: list[Item]
    pushes: PushCost
    minimum_set: list[MinimumItem]
    ita: ItaLine | None = None
    helpful_by_category: dict[str, Tally] = field(default_factory=dict)
    # The office's categories as they were: (code, name, short label), in the office's order.
    categories: tuple[tuple[str, str, str], ...] = ()

    @property
    def category_names(self) -> dict[str, str]:
        return {code: name for code, name, _ in self.categories}

    def category_label(self, code: str) -> str:
        short = next((s for c, _, s in self.categories if c == code), code)
        return f"{code} {short}"

    def unit_name(self, unit_id: int | None) -> str:
        return next((u.name for u in self.units if u.unit_id == unit_id), NO_UNIT_NAME)


def month_starts(quarter: FiscalQuarter) -> tuple[date, date, date]:
    first = quarter.first_day
    return (first, date(first.year, first.month + 1, 1), date(first.year, first.month + 2, 1))


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=BANGKOK)


def _timing(found: tuple | None) -> Timing:
    if not found:
        return Timing()
    count, median, p90 = found
    return Timing(int(count), float(median), float(p90))


def _published_in(office_id: int, quarter: FiscalQuarter):
    return and_(unindexed(Publication.office_id) == office_id,
                Publication.published_at >= quarter.start, Publication.published_at < quarter.end)


def _publications(session: Session, office_id: int, quarter: FiscalQuarter):
    """What went on the website: (unit, category, month, count, views) rows; retractions and
    portal views in the quarter per unit."""
    months = month_starts(quarter)
    month_of = case((Publication.published_at < _at(months[1]), 0),
                    (Publication.published_at < _at(months[2]), 1), else_=2)
    published = session.execute(
        select(Publication.unit_id, Publication.category_code, month_of, func.count(),
               func.coalesce(func.sum(Publication.views), 0))
        .where(_published_in(office_id, quarter))
        .group_by(Publication.unit_id, Publication.category_code, month_of)
    ).all()
    retracted = dict(session.execute(
        select(Publication.unit_id, func.count())
        .where(unindexed(Publication.office_id) == office_id,
               Publication.retracted_at >= quarter.start, Publication.retracted_at < quarter.end)
        .group_by(Publication.unit_id)
    ).all())
    unit_of = unindexed(Publication.unit_id)  # group by scanning, not by walking an index
    views = dict(session.execute(
        select(unit_of, func.count(PageView.id))
        .join(PageView, PageView.publication_id == Publication.id)
        .where(unindexed(Publication.office_id) == office_id, PageView.day >= quarter.first_day,
               PageView.day <= quarter.last_day)
        .group_by(unit_of)
    ).all())
    return published, retracted, views


def _flow(session: Session, office_id: int, quarter: FiscalQuarter) -> dict[int | None, Flow]:
    """Submitted, approved, returned, rejected, withdrawn and pending-at-end items per unit.

    An item's final approval is its last step decision (the workflow sets finished_at only when
    the item is published): nothing is decided on an item after it, so "approved in the quarter"
    means a step decided in the quarter and none after it.
    """
    start, end = quarter.start, quarter.end
    # One pass over the steps decided since the quarter began, shared by three membership tests.
    recent = (select(ApprovalStep.submission_id, ApprovalStep.status, ApprovalStep.decided_at)
              .where(ApprovalStep.decided_at >= start).cte("recent_steps"))
    decided_in_q = select(recent.c.submission_id).where(recent.c.decided_at < end)
    decided_later = select(recent.c.submission_id).where(recent.c.decided_at >= end)
    returned_in_q = select(recent.c.submission_id).where(recent.c.decided_at < end,
                                                         recent.c.status == "returned")
    approved = Submission.status.in_(APPROVED_STATES)
    ended = and_(Submission.finished_at >= start, Submission.finished_at < end)
    unit_of = unindexed(Submission.unit_id)
    rows = session.execute(
        select(
            unit_of,
            count_if(and_(Submission.submitted_at >= start, Submission.submitted_at < end)),
            count_if(and_(approved, Submission.id.in_(decided_in_q),
                           Submission.id.not_in(decided_later))),
            count_if(Submission.id.in_(returned_in_q)),
            count_if(and_(ended, Submission.status == "rejected")),
            count_if(and_(ended, Submission.status == "withdrawn")),
            count_if(or_(Submission.status.in_(OPEN_STATES),
                          and_(Submission.status.in_(("rejected", "withdrawn")),
                               Submission.finished_at >= end),
                          and_(approved, Submission.id.in_(decided_later)))),
        )
        # Anything decided or published before the quarter is out of it (an item returned in
        # the quarter was submitted before the return and finished, if at all, after it).
        .where(unindexed(Submission.office_id) == office_id, Submission.submitted_at.is_not(None),
               Submission.submitted_at < end,
               or_(Submission.finished_at.is_(None), Submission.finished_at >= start))
        .group_by(unit_of)
    ).all()
    return {row[0]: Flow(*(int(n) for n in row[1:])) for row in rows}


def _timings(session: Session, office_id: int, quarter: FiscalQuarter):
    """Submission to publication per unit and for the office; each approval step by role; and
    the wait from the final approval to the website."""
    in_q = _published_in(office_id, quarter)

    def to_publication(group) -> Select:
        return (select(group.label("g"),
                       seconds_between(session, Publication.published_at, Submission.submitted_at)
                       .label("v"))
                .join(Submission, Submission.id == Publication.submission_id)
                .where(in_q, Submission.submitted_at.is_not(None)))

    per_unit = percentiles(session, to_publication(Publication.unit_id))
    office = percentiles(session, to_publication(literal(0))).get(0)
    approved_at = (select(ApprovalStep.submission_id, func.max(ApprovalStep.decided_at).label("at"))
                   .where(ApprovalStep.submission_id.in_(
                       select(Publication.submission_id).where(in_q)),
                          ApprovalStep.decided_at.is_not(None))
                   .group_by(ApprovalStep.submission_id).subquery())
    steps = (
        select(ApprovalStep.role.label("g"),
               seconds_between(session, ApprovalStep.decided_at, ApprovalStep.waiting_since).label("v"))
        .join(Submission, Submission.id == ApprovalStep.submission_id)
        .where(unindexed(Submission.office_id) == office_id,
               unindexed(ApprovalStep.status).in_(DECIDED_STEP_STATES),
               ApprovalStep.decided_at >= quarter.start, ApprovalStep.decided_at < quarter.end,
               ApprovalStep.waiting_since.is_not(None))
    ).union_all(
        select(literal(PUBLISH_STAGE).label("g"),
               seconds_between(session, Publication.published_at, approved_at.c.at).label("v"))
        .join(approved_at, approved_at.c.submission_id == Publication.submission_id)
        .where(in_q)
    )
    order = [*ROLE_NAMES, PUBLISH_STAGE]
    office_row = session.get(Office, office_id)
    labels = {**STAGE_LABELS, "office_director": role_name(office_row, "office_director")}
    stages = [StageTiming(stage, labels.get(stage, stage), _timing(found))
              for stage, found in sorted(
                  percentiles(session, select(steps.subquery())).items(),
                  key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0]))]
    return per_unit, _timing(office), stages


def _items(session: Session, office_id: int,
           quarter: FiscalQuarter) -> tuple[list[Item], list[Item]]:
    """Every item published in the quarter (in order), and the most viewed of them."""
    with_title = (
        select(Publication.id, Publication.submission_id,
               func.coalesce(SubmissionVersion.title, ""), Publication.unit_id,
               Publication.category_code, Publication.published_at, Publication.views,
               Publication.retracted_at)
        .outerjoin(SubmissionVersion, and_(
            SubmissionVersion.submission_id == Publication.submission_id,
            SubmissionVersion.number == Publication.version))
        .where(_published_in(office_id, quarter))
    )
    items = session.execute(with_title.order_by(Publication.published_at, Publication.id))
    top = session.execute(with_title.order_by(Publication.views.desc(), Publication.published_at,
                                              Publication.id).limit(TOP_N))
    return [Item(*row) for row in items], [Item(*row) for row in top]


def _pushes(session: Session, office_id: int, quarter: FiscalQuarter) -> PushCost:
    """Pushes LINE accepted in the quarter (replies that fell back to a push included)."""
    sent = session.execute(
        select(func.count(), func.coalesce(func.sum(OutboxMessage.recipients), 0),
               func.coalesce(func.sum(case((OutboxMessage.purpose.like("publication:%"),
                                            OutboxMessage.recipients), else_=0)), 0))
        .where(OutboxMessage.office_id == office_id, unindexed(OutboxMessage.status) == "sent",
               OutboxMessage.sent_via == "push", OutboxMessage.kind.in_(("push", "reply")),
               OutboxMessage.finished_at >= quarter.start, OutboxMessage.finished_at < quarter.end)
    ).one()
    return PushCost(*(int(n) for n in sent))


def compute_digest(session: Session, office_id: int, quarter: FiscalQuarter,
                   now: datetime | None = None) -> Digest:
    """The digest of `quarter` for the office, per unit and in total (docs/DIGEST.md)."""
    office = session.get(Office, office_id)
    if office is None:
        raise LookupError(f"no office {office_id}")
    published, retracted, views_in_q = _publications(session, office_id, quarter)
    flows = _flow(session, office_id, quarter)
    per_unit_timing, office_timing, stages = _timings(session, office_id, quarter)
    items, top = _items(session, office_id, quarter)
    feedback = {
        row.unit_id: Feedback(row.asked_at, row.answered_at, row.none, row.text)
        for row in session.scalars(select(QuarterFeedback).where(
            QuarterFeedback.office_id == office_id, QuarterFeedback.quarter == quarter.code))
    }

    votes = quarter_tallies(session, office_id, quarter)
    helpful_by_unit: dict[int | None, Tally] = {}
    helpful_by_category: dict[str, Tally] = {}
    for (unit_id, code), tally in votes.items():
        helpful_by_unit[unit_id] = helpful_by_unit.get(unit_id, Tally()) + tally
        helpful_by_category[code] = helpful_by_category.get(code, Tally()) + tally

    # Assemble per unit: a few grouped rows, not data rows.
    acc: dict[int | None, dict] = {}
    for unit_id, code, month, count, views in published:
        u = acc.setdefault(unit_id, {"published": 0, "by_category": {}, "by_month": [0, 0, 0],
                                     "views": 0})
        u["published"] += count
        u["by_category"][code] = u["by_category"].get(code, 0) + count
        u["by_month"][month] += count
        u["views"] += int(views)
    known = session.execute(select(Unit.id, Unit.name, Unit.active)
                            .where(Unit.office_id == office_id).order_by(Unit.id)).all()
    names = {uid: name for uid, name, _ in known}
    touched = (set(acc) | set(retracted) | set(views_in_q) | set(flows) | set(feedback)
               | set(helpful_by_unit))
    unit_ids = [uid for uid, _, active in known if active or uid in touched]
    unit_ids += sorted((uid for uid in touched if uid not in names), key=lambda u: (u is None, u))
    units = []
    for uid in unit_ids:
        u = acc.get(uid, {"published": 0, "by_category": {}, "by_month": [0, 0, 0], "views": 0})
        units.append(UnitDigest(
            unit_id=uid, name=names.get(uid, NO_UNIT_NAME), published=u["published"],
            retracted=retracted.get(uid, 0), by_category=_by_code(u["by_category"]),
            by_month=tuple(u["by_month"]), views=u["views"],
            views_in_quarter=views_in_q.get(uid, 0), flow=flows.get(uid, Flow()),
            to_publication=_timing(per_unit_timing.get(uid)), feedback=feedback.get(uid),
            helpful=helpful_by_unit.get(uid, Tally()),
        ))
    return Digest(
        office_id=office_id, office_name=office.name, office_short_name=office.short_name,
        quarter=quarter, computed_at=now or utcnow(), months=month_starts(quarter),
        total=_sum_units(units, office.name, office_timing), units=units, stages=stages,
        items=items, top=top, pushes=_pushes(session, office_id, quarter),
        minimum_set=minimum_set_status(session, office_id, quarter.end - timedelta(microseconds=1)),
        ita=_ita_line(session, office, quarter),
        helpful_by_category=_by_code(helpful_by_category),
        categories=tuple((c.code, c.name, c.short_name)
                         for c in office_categories.all_categories(session, office_id)),
    )


def _ita_line(session: Session, office: Office, quarter: FiscalQuarter) -> ItaLine | None:
    found = readiness(session, office, quarter.fiscal_year, quarter.end - timedelta(microseconds=1),
                      limit=1)
    if found is None:
        return None
    return ItaLine(quarter.fiscal_year, found.count("green"), found.count("stale"),
                   found.count("missing"), len(found.indicators))


def _by_code(counts: dict) -> dict:
    """Categories in the announcement's order (1.2 before 1.10)."""
    return dict(sorted(counts.items(), key=lambda kv: office_categories.code_key(kv[0])))


def _sum_units(units: list[UnitDigest], name: str, timing: Timing) -> UnitDigest:
    """The office total of the per-unit figures (the timing is computed over all items)."""
    by_category: dict[str, int] = {}
    for u in units:
        for code, count in u.by_category.items():
            by_category[code] = by_category.get(code, 0) + count
    return UnitDigest(
        unit_id=None, name=name,
        published=sum(u.published for u in units), retracted=sum(u.retracted for u in units),
        by_category=_by_code(by_category),
        by_month=(sum(u.by_month[0] for u in units), sum(u.by_month[1] for u in units),
                  sum(u.by_month[2] for u in units)),
        views=sum(u.views for u in units),
        views_in_quarter=sum(u.views_in_quarter for u in units),
        helpful=sum((u.helpful for u in units), Tally()),
        flow=Flow(*(sum(getattr(u.flow, k) for u in units) for k in Flow.__dataclass_fields__)),
        to_publication=timing,
    )
