"""Publishing an approved item (ข้อ ๓.๑ ๖)–๗)): the publication row, its audit entry, the
confirmations to PR, the submitter and ICT, retraction, and who may do which.

Everything here runs inside the caller's transaction and only writes rows: confirmations are
outbox rows, and publisher targets (bot.publishing.targets) do the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.files import links as signed
from bot.office.org import registered_group, roles_of
from bot.publishing import cards
from bot.publishing.addresses import links, preview_url
from bot.publishing.errors import PublishError
from bot.publishing.item import ItemView, describe
from bot.publishing.publishers import publishers
from bot.publishing.targets import PublishedItem
from bot.spine import audit, messages, outbox
from bot.spine.config import Config
from bot.thai.dates import thai_date
from bot.workflow import states
from bot.workflow.submissions import file_hashes
from models import Office, Person, Publication, Submission

log = logging.getLogger("prakat.publishing")

PUBLISHER_ROLES = frozenset({"ict", "admin"})
RECORD_ROLES = frozenset({"unit_director", "office_director", "ict", "admin"})
MAX_REASON = 500

Reply = Callable[[dict], None]


def ict_people(session: Session, office_id: int) -> list[Person]:
    """Active, LINE-linked people holding the ICT role: they publish in `ict` mode."""
    people = session.scalars(select(Person).where(
        Person.office_id == office_id, Person.active.is_(True), Person.line_user_id.is_not(None))
        .order_by(Person.id))
    return [p for p in people if "ict" in (p.roles or []) and "ict" in roles_of(session, p)]


def can_publish(session: Session, person: Person | None, office_id: int) -> bool:
    return (person is not None and person.office_id == office_id
            and bool(roles_of(session, person) & PUBLISHER_ROLES))


def can_read_record(session: Session, person: Person | None, office_id: int) -> bool:
    return (person is not None and person.office_id == office_id
            and bool(roles_of(session, person) & RECORD_ROLES))


# --- the procedure --------------------------------------------------------------------------

def on_final_approval(session: Session, submission: Submission, *, actor_id: int | None,
                      event_id: str | None, now: datetime, reply: Reply | None,
                      config: Config) -> Publication | None:
    """Called by the workflow inside the deciding transaction, status already "approved".

    Portal mode publishes now and returns the Publication (the submitter is told by it, so the
    workflow need not push them an "approved" message too); ict mode hands the item to the
    linked ICT people with a "เผยแพร่" card and returns None.
    """
    office = session.get(Office, submission.office_id)
    if office.publish_mode != "ict":
        try:
            return publish(session, submission, publisher_id=None, actor_id=actor_id,
                           event_id=event_id, now=now, reply=reply, config=config)
        except PublishError as exc:  # the approval itself still stands
            log.warning("submission %s approved but not published: %s", submission.id, exc.code)
            if reply is not None:
                reply(messages.text(f"อนุมัติแล้วค่ะ แต่ยังเผยแพร่ไม่ได้: {exc}"))
            return None
    actor = session.get(Person, actor_id) if actor_id else None
    view = describe(session, submission)
    hero, urls = None, links(session, config, office.id)
    if view.photos and urls.base.startswith("https://"):  # LINE shows images only over https
        hero = signed.attachment_url(config, view.photos[0].id, audience="publisher", preview=True,
                                     base=urls.base)
    card = cards.publish_request_card(view, preview_url(config, submission.id, urls), hero)
    people = ict_people(session, office.id)
    for person in people:
        if reply is not None and actor is not None and person.line_user_id == actor.line_user_id:
            reply(card)
            continue
        outbox.push(session, person.line_user_id, [card], office_id=office.id,
                    purpose=f"publish-request:{submission.id}", event_id=event_id)
    audit.record(session, "send_to_ict", office_id=office.id, submission_id=submission.id,
                 actor_id=actor_id, from_state="approved", to_state="approved",
                 version=submission.current_version, event_id=event_id,
                 data={"ict": [p.id for p in people]})
    if not people:
        log.warning("submission %s approved in ict mode but no ICT person is linked", submission.id)
    if reply is not None:
        reply(messages.text(cards.handed_to_ict_text(view, len(people))))
    return None


def publish(session: Session, submission: Submission, *, publisher_id: int | None,
            event_id: str | None, now: datetime, actor_id: int | None = None,
            reply: Reply | None = None, config: Config) -> Publication:
    """Publish an approved submission: the row, the audit entry, the targets, the confirmations.

    `publisher_id` is the ICT person who tapped "เผยแพร่" (None when the portal published at the
    final approval); `actor_id` defaults to them; `reply`, when given, answers the actor for free.
    Raises PublishError (and changes nothing) unless the submission is still "approved".
    """
    actor_id = publisher_id if actor_id is None else actor_id
    if not submission.category_code:
        raise PublishError("no_category", "เรื่องนี้ยังไม่ได้ระบุหมวดข้อมูล จึงเผยแพร่ไม่ได้ค่ะ")
    # A savepoint: a target's refusal undoes the status change and the row, nothing else.
    with session.begin_nested():
        return _publish(session, submission, publisher_id=publisher_id, actor_id=actor_id,
                        event_id=event_id, now=now, reply=reply, cfg=config)


def _publish(session: Session, submission: Submission, *, publisher_id: int | None,
             actor_id: int | None, event_id: str | None, now: datetime, reply: Reply | None,
             cfg: Config) -> Publication:
    # The status guard is in the UPDATE itself, so two simultaneous taps cannot both publish.
    if not states.try_move(session, submission, "publish", now):
        raise _not_publishable(session, submission)
    version = submission.version()
    pub = Publication(
        office_id=submission.office_id, submission_id=submission.id, version=version.number,
        category_code=submission.category_code, unit_id=submission.unit_id, published_at=now,
        published_by_id=publisher_id,
    )
    session.add(pub)
    session.flush()
    urls = links(session, cfg, pub.office_id)
    item = PublishedItem(session, pub, submission, urls.item(pub.id), cfg, event_id)
    taken = [target.name for target in publishers() if target.publish(item)]
    held = any(target.holds_announcement(item) for target in publishers())
    office = session.get(Office, submission.office_id)
    audit.record(
        session, "publish", office_id=office.id, submission_id=submission.id, actor_id=actor_id,
        from_state="approved", to_state="published", version=version.number,
        file_hashes=file_hashes(version),
        event_id=event_id,
        data={"publication_id": pub.id, "url": item.url, "mode": office.publish_mode,
              "targets": taken, "automatic": publisher_id is None},
    )
    view = describe(session, submission, pub)
    purpose = f"publication:{pub.id}"
    if not held:  # else the target that holds it announces, with the address it was given
        announce(session, pub, config=cfg, event_id=event_id, view=view)

    actor = session.get(Person, actor_id) if actor_id else None
    answered = None
    if reply is not None:
        if actor is not None:
            answered = actor.line_user_id
            reply(cards.published_card(view, urls, can_retract=can_publish(session, actor, office.id),
                                       can_record=can_read_record(session, actor, office.id)))
        else:
            # The deciding director, unnamed: the record button's role is checked when tapped.
            reply(cards.published_card(view, urls, can_retract=False, can_record=True))
    told: dict[str, dict] = {}
    submitter = session.get(Person, submission.submitter_id)
    if submitter is not None and submitter.active and submitter.line_user_id:
        told[submitter.line_user_id] = messages.text(cards.submitter_published_text(view, urls))
    if office.publish_mode != "ict":
        # In ict mode the ICT person who tapped is answered above; the others learn it, free,
        # if they tap their own card.
        for person in ict_people(session, office.id):
            told[person.line_user_id] = cards.published_card(view, urls, can_retract=True,
                                                             can_record=True)
    for line_user_id, message in told.items():
        if line_user_id != answered:
            outbox.push(session, line_user_id, [message], office_id=office.id, purpose=purpose,
                        event_id=event_id)
    return pub


def announce(session: Session, publication: Publication, *, config: Config, event_id: str | None,
             site_url: str | None = None, view: ItemView | None = None) -> None:
    """The PR group's card and share text for a publication (with its address on the office's
    own website, when it has one)."""
    pr = registered_group(session, publication.office_id, "pr")
    if pr is None:
        log.warning("publication %s: no PR group registered, nobody posts it on social media",
                    publication.id)
        return
    urls = links(session, config, publication.office_id)
    view = view or describe(session, publication.submission, publication)
    outbox.push(session, pr.group_id, [cards.pr_card(view, urls, site_url),
                                       messages.text(cards.share_text(view, urls, site_url))],
                office_id=publication.office_id, purpose=f"publication:{publication.id}",
                event_id=event_id)


def _not_publishable(session: Session, submission: Submission) -> PublishError:
    if submission.status == "published":
        pub = publication_of(session, submission.id)
        when = f" เมื่อ {thai_date(pub.published_at, short=True)}" if pub else ""
        return PublishError("already_published", f"เรื่องนี้เผยแพร่แล้ว{when}ค่ะ")
    if submission.status == "retracted":
        return PublishError("retracted", "เรื่องนี้ถูกถอนการเผยแพร่แล้ว จึงเผยแพร่ซ้ำไม่ได้ค่ะ")
    return PublishError("not_approved", "เรื่องนี้ยังไม่ได้รับอนุมัติครบ จึงยังเผยแพร่ไม่ได้ค่ะ")


def publication_of(session: Session, submission_id: int) -> Publication | None:
    return session.scalars(select(Publication).where(Publication.submission_id == submission_id)).first()


def retract(session: Session, publication: Publication, *, actor_id: int | None, reason: str,
            event_id: str | None, now: datetime, reply: Reply | None = None,
            config: Config) -> Publication:
    """Take a publication off the portal with a reason; PR and the submitter are told.

    The portal then answers 410 Gone with the reason. Raises PublishError (and changes nothing)
    if already retracted or the reason is empty.
    """
    reason = " ".join((reason or "").split())
    if len(reason) < 3:
        raise PublishError("no_reason", "กรุณาระบุเหตุผลที่ถอนการเผยแพร่ค่ะ")
    if len(reason) > MAX_REASON:
        raise PublishError("long_reason", f"เหตุผลยาวเกิน {MAX_REASON} ตัวอักษร กรุณาพิมพ์ให้สั้นลงค่ะ")
    with session.begin_nested():
        return _retract(session, publication, actor_id=actor_id, reason=reason, event_id=event_id,
                        now=now, reply=reply, cfg=config)


def _retract(session: Session, publication: Publication, *, actor_id: int | None, reason: str,
             event_id: str | None, now: datetime, reply: Reply | None, cfg: Config) -> Publication:
    won = session.execute(
        update(Publication).where(Publication.id == publication.id,
                                  Publication.retracted_at.is_(None))
        .values(retracted_at=now, retracted_by_id=actor_id, retract_reason=reason)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if won != 1:
        session.refresh(publication)
        raise PublishError("already_retracted", "เรื่องนี้ถูกถอนการเผยแพร่ไปแล้วค่ะ")
    submission = publication.submission
    states.move(session, submission, "retract", now)
    urls = links(session, cfg, publication.office_id)
    item = PublishedItem(session, publication, submission, urls.item(publication.id), cfg, event_id)
    for target in publishers():
        target.retract(item)
    audit.record(session, "retract", office_id=publication.office_id, submission_id=submission.id,
                 actor_id=actor_id, from_state="published", to_state="retracted",
                 version=publication.version, event_id=event_id,
                 data={"publication_id": publication.id, "reason": reason})
    view = describe(session, submission, publication)
    purpose = f"retraction:{publication.id}"
    pr = registered_group(session, publication.office_id, "pr")
    if pr is not None:
        outbox.push(session, pr.group_id, [messages.text(cards.retracted_pr_text(view, urls))],
                    office_id=publication.office_id, purpose=purpose, event_id=event_id)
    actor = session.get(Person, actor_id) if actor_id else None
    submitter = session.get(Person, submission.submitter_id)
    if reply is not None:
        reply(messages.text(cards.retracted_actor_text(view)))
    if (submitter is not None and submitter.active and submitter.line_user_id
            and not (reply is not None and actor is not None and actor.id == submitter.id)):
        outbox.push(session, submitter.line_user_id,
                    [messages.text(cards.retracted_submitter_text(view))],
                    office_id=publication.office_id, purpose=purpose, event_id=event_id)
    return publication

