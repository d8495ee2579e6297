"""Performing the website effects: a publication becomes a WordPress post with its files, and a
retraction takes it off again.

Exactly once, through retries: every media item, the category and the post are written to the
item's website_posts row the moment the site answers (each in its own short transaction), and
before creating anything the site is asked for it by its marker (slug `prakat-<publication>`,
`prakat-<publication>-<attachment>` for files), so a try whose answer was lost is found, not
repeated. A post already made is updated, never made again. Down, 5xx and timeouts back off like
every outbox row; 401/403 and other refusals fail at once, and the ICT people are told in Thai
what to fix; `flask --app webhook outbox retry ID` resumes from what was stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from sqlalchemy.orm import Session

from bot.files import links as files
from bot.office import website as websites
from bot.office.org import registered_group
from bot.publishing import cards, procedure
from bot.publishing.addresses import links
from bot.publishing.item import ItemView, describe
from bot.publishing.website import PUBLISH, RETRACT, marker, post_of
from bot.publishing.wordpress import SiteAuthError, SiteError, SiteUnavailable, WordPress
from bot.spine import audit, messages, outbox
from bot.spine.config import Config
from bot.spine.sealed import SealError, unseal
from bot.spine.sender import Outcome, SendContext
from bot.thai.dates import thai_date
from models import Office, OutboxMessage, Publication, WebsitePost, utcnow

log = logging.getLogger("prakat.website")

# What the ICT people are told, by the reason a row failed (the part of last_error before ":").
PROBLEMS = {
    "auth": "เว็บไซต์ไม่ยอมรับชื่อผู้ใช้หรือรหัสผ่านสำหรับแอปพลิเคชัน (Application Password) "
            "กรุณาตรวจสอบผู้ใช้ในไฟล์ตั้งค่า และสร้างรหัสใหม่ในหน้าโปรไฟล์ของ WordPress "
            "แล้วบันทึกด้วยคำสั่ง flask --app webhook website password ค่ะ",
    "password": "ยังไม่ได้บันทึกรหัสผ่านสำหรับแอปพลิเคชันของเว็บไซต์ หรือเปิดด้วยกุญแจ "
                "PRAKAT_SECRET_KEY ปัจจุบันไม่ได้ กรุณาบันทึกใหม่ด้วยคำสั่ง "
                "flask --app webhook website password ค่ะ",
    "category": "ไม่พบหมวดหมู่บนเว็บไซต์ที่ตั้งค่าไว้ให้หมวดนี้ กรุณาสร้างหมวดหมู่นั้นใน WordPress "
                "หรือแก้ categories ในไฟล์ตั้งค่า (หรือเปิด create_missing_categories) ค่ะ",
    "site": "เว็บไซต์ปฏิเสธการบันทึกเรื่องนี้ กรุณาตรวจสอบเว็บไซต์หรือแจ้งผู้ดูแลเว็บไซต์ค่ะ",
    "down": "ติดต่อเว็บไซต์ไม่ได้เป็นเวลานาน กรุณาตรวจสอบว่าเว็บไซต์เปิดใช้งานอยู่ค่ะ",
    "settings": "ไม่พบการตั้งค่าเว็บไซต์ของสำนักงาน (ส่วน website ในไฟล์ตั้งค่า) ค่ะ",
}


class _Fail(Exception):
    def __init__(self, reason: str, detail: str, status: int | None = None):
        super().__init__(f"{reason}: {detail}"[:500])
        self.reason, self.status = reason, status


@dataclass
class _Job:
    publication_id: int
    office_id: int
    site: websites.Website
    password: str
    view: ItemView
    retracted: bool
    portal_url: str
    published_at: datetime


def _open(ctx: SendContext, publication_id: int) -> _Job:
    with ctx.factory() as session:
        pub = session.get(Publication, publication_id)
        office = session.get(Office, pub.office_id)
        site = websites.of(office.website)
        if site is None:
            raise _Fail("settings", "the office has no website settings")
        if not office.website_password:
            raise _Fail("password", "no application password stored")
        try:
            password = unseal(ctx.config.prakat_secret_key, office.website_password)
        except SealError as exc:
            raise _Fail("password", str(exc)) from None
        return _Job(pub.id, pub.office_id, site, password, describe(session, pub.submission, pub),
                    pub.retracted_at is not None, links(session, ctx.config, pub.office_id).item(pub.id),
                    pub.published_at)


def _client(ctx: SendContext, job: _Job) -> WordPress:
    return WordPress(job.site.url, job.site.user, job.password,
                     timeout=ctx.config.website_timeout_seconds)


def _store(ctx: SendContext, publication_id: int, **changes) -> None:
    """Write down what the site just answered, at once, in its own transaction."""
    with ctx.factory() as session, session.begin():
        post = post_of(session, publication_id)
        media = changes.pop("media_item", None)
        if media is not None:
            post.media = {**(post.media or {}), media[0]: media[1]}
        for key, value in changes.items():
            setattr(post, key, value)
        post.updated_at = utcnow()


def _stored(ctx: SendContext, publication_id: int) -> WebsitePost:
    with ctx.factory() as session:
        post = post_of(session, publication_id)
        session.expunge(post)
        return post


def _upload_files(ctx: SendContext, site: WordPress, job: _Job, known: dict) -> dict[str, dict]:
    """Every stored file of the item in the site's media library, each exactly once."""
    store = files.store(ctx.config)
    media = dict(known)
    for file in [*job.view.photos, *job.view.files]:
        key = str(file.id)
        if key in media:
            continue
        slug = f"{marker(job.publication_id)}-{file.id}"
        found = site.find_media(slug)
        if found is None:
            extension = file.download_name.rsplit(".", 1)[-1] if "." in file.download_name else "bin"
            found = site.upload_media(store.open(file.sha256), filename=f"{slug}.{extension}",
                                      mime=file.mime, fields={
                                          "slug": slug, "title": file.caption or file.name,
                                          "caption": file.caption, "alt_text": file.caption or job.view.title})
        media[key] = {"id": found["id"], "url": found.get("source_url") or found.get("link")}
        _store(ctx, job.publication_id, media_item=(key, media[key]))
    return media


def _category(ctx: SendContext, site: WordPress, job: _Job, known: int | None) -> int | None:
    if known:
        return known
    slug = job.site.categories.get(job.view.category_code)
    if slug is None:
        return None  # not mapped: the site's default category
    found = site.find_category(slug)
    if found is None:
        if not job.site.create_missing_categories:
            raise _Fail("category", f"no category '{slug}' on the site")
        name = job.view.category_short or job.view.category_name
        found = site.create_category(name, slug)
    _store(ctx, job.publication_id, category_id=found["id"])
    return found["id"]


def _paragraphs(text: str) -> str:
    return "".join(f"<!-- wp:paragraph -->\n<p>{escape(p).replace(chr(10), '<br>')}</p>\n"
                   "<!-- /wp:paragraph -->\n" for p in text.split("\n\n") if p.strip())


def content(view: ItemView, media: dict[str, dict], portal_url: str) -> str:
    """The post's body in block markup: the text, the activity date, the photos as a gallery,
    the documents (a PDF shown in place), and the line back to the item's record on the portal."""
    parts = []
    if view.kind == "photos" and view.activity_date:
        parts.append(_paragraphs(f"วันที่จัดกิจกรรม {thai_date(view.activity_date)}"))
    parts.append(_paragraphs(view.description))
    photos = [(p, media[str(p.id)]) for p in view.photos if str(p.id) in media]
    if photos:
        images = "".join(
            f'<!-- wp:image {{"id":{m["id"]},"sizeSlug":"large","linkDestination":"none"}} -->\n'
            f'<figure class="wp-block-image size-large"><img src="{escape(m["url"])}" '
            f'alt="{escape(p.caption or view.title)}" class="wp-image-{m["id"]}"/></figure>\n'
            "<!-- /wp:image -->\n" for p, m in photos)
        parts.append('<!-- wp:gallery {"linkTo":"none"} -->\n<figure class="wp-block-gallery '
                     f'has-nested-images columns-default is-cropped">\n{images}</figure>\n'
                     "<!-- /wp:gallery -->\n")
    for file in view.files:
        m = media.get(str(file.id))
        if m is None:
            continue
        url, name = escape(m["url"]), escape(file.name)
        if file.mime == "application/pdf":
            parts.append(
                f'<!-- wp:file {{"id":{m["id"]},"href":"{url}","displayPreview":true}} -->\n'
                f'<div class="wp-block-file"><object class="wp-block-file__embed" data="{url}" '
                f'type="application/pdf" style="width:100%;height:600px" aria-label="{name}"></object>'
                f'<a href="{url}">{name}</a><a href="{url}" class="wp-block-file__button" '
                'download>ดาวน์โหลด</a></div>\n<!-- /wp:file -->\n')
        else:
            parts.append(f'<!-- wp:file {{"id":{m["id"]},"href":"{url}"}} -->\n'
                         f'<div class="wp-block-file"><a href="{url}">{name}</a><a href="{url}" '
                         'class="wp-block-file__button" download>ดาวน์โหลด</a></div>\n'
                         "<!-- /wp:file -->\n")
    parts.append(_paragraphs(f"{view.category_label} · {view.office_name}"))
    parts.append(f'<!-- wp:paragraph -->\n<p>บันทึกการเผยแพร่และเอกสารต้นฉบับ: '
                 f'<a href="{escape(portal_url)}">{escape(portal_url)}</a></p>\n<!-- /wp:paragraph -->\n')
    return "".join(parts)


def _post(ctx: SendContext, site: WordPress, job: _Job, stored: WebsitePost, media: dict,
          category: int | None) -> dict:
    slug = marker(job.publication_id)
    fields = {"title": job.view.title, "slug": slug, "status": "publish",
              "content": content(job.view, media, job.portal_url),
              "date_gmt": job.published_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")}
    if category:
        fields["categories"] = [category]
    if job.view.photos and str(job.view.photos[0].id) in media:
        fields["featured_media"] = media[str(job.view.photos[0].id)]["id"]
    post_id = stored.post_id
    if post_id is None:
        found = site.find_post(slug)
        if found is not None:
            post_id = found["id"]
            _store(ctx, job.publication_id, post_id=post_id)
    if post_id is not None:
        try:
            return site.update_post(post_id, fields)
        except SiteError as exc:
            if exc.status != 404 or isinstance(exc, SiteAuthError):
                raise
            log.warning("publication %s: post %s is gone from the site; posting it again",
                        job.publication_id, post_id)
    made = site.create_post(fields)
    _store(ctx, job.publication_id, post_id=made["id"], url=made.get("link"))
    return made


def _failed(ctx: SendContext, reason: str, exc: Exception, status: int | None = None) -> Outcome:
    return Outcome("failed", status, f"{reason}: {exc}"[:500], after=_giving_up(ctx))


def _retry(ctx: SendContext, exc: SiteUnavailable) -> Outcome:
    """Try again later; `after` runs only if the sender gives up on the row instead."""
    return Outcome("retry", exc.status, f"down: {exc}"[:500], after=_giving_up(ctx))


def _giving_up(ctx: SendContext):
    def gave_up(session: Session, row: OutboxMessage) -> None:
        (publish_failed if row.kind == PUBLISH else retract_failed)(session, row, ctx.config)
    return gave_up


def send_publish(ctx: SendContext, row: OutboxMessage) -> Outcome:
    publication_id = row.payload["publication_id"]
    try:
        job = _open(ctx, publication_id)
        if job.retracted:  # retracted before the site took it: nothing to put up
            return Outcome("sent", error="retracted before it reached the website")
        stored = _stored(ctx, publication_id)
        site = _client(ctx, job)
        media = _upload_files(ctx, site, job, stored.media or {})
        category = _category(ctx, site, job, stored.category_id)
        post = _post(ctx, site, job, stored, media, category)
    except (_Fail, SiteError, SiteUnavailable) as exc:
        return _outcome_of(ctx, exc)
    url, post_id = post.get("link"), post["id"]

    def done(session: Session, row: OutboxMessage) -> None:
        record = post_of(session, publication_id)
        was_failed, announced = record.status == "failed", record.announced
        record.status, record.post_id, record.url, record.error = "published", post_id, url, None
        record.announced, record.updated_at = True, utcnow()
        pub = session.get(Publication, publication_id)
        audit.record(session, "website_publish", office_id=pub.office_id,
                     submission_id=pub.submission_id, version=pub.version,
                     data={"publication_id": pub.id, "post_id": post_id, "url": url,
                           "engine": record.engine, "retried_after_failure": was_failed})
        if not announced:
            procedure.announce(session, pub, config=ctx.config, event_id=row.webhook_event_id,
                               site_url=url)
        else:  # PR had the card without the site's address when this failed earlier
            _tell_pr(session, pub, cards.site_posted_pr_text(
                describe(session, pub.submission, pub), url), row)
    return Outcome("sent", 200, after=done)


def _tell_pr(session: Session, pub: Publication, text: str, row: OutboxMessage) -> None:
    pr = registered_group(session, pub.office_id, "pr")
    if pr is not None:
        outbox.push(session, pr.group_id, [messages.text(text)], office_id=pub.office_id,
                    purpose=f"website:{pub.id}", event_id=row.webhook_event_id)


def publish_failed(session: Session, row: OutboxMessage, config: Config) -> None:
    """Given up on (at once, or after backing off too long): the ICT people are told what to fix,
    and PR gets the card without the site's address rather than nothing."""
    publication_id = row.payload["publication_id"]
    record = post_of(session, publication_id)
    pub = session.get(Publication, publication_id)
    reason = (row.last_error or "site").split(":", 1)[0]
    record.status, record.error, record.updated_at = "failed", row.last_error, utcnow()
    audit.record(session, "website_failed", office_id=pub.office_id, submission_id=pub.submission_id,
                 version=pub.version, data={"publication_id": pub.id, "reason": reason,
                                            "outbox_id": row.id, "http_status": row.last_status})
    view = describe(session, pub.submission, pub)
    text = cards.site_failed_ict_text(view, PROBLEMS.get(reason, PROBLEMS["site"]))
    for person in procedure.ict_people(session, pub.office_id):
        outbox.push(session, person.line_user_id, [messages.text(text)], office_id=pub.office_id,
                    purpose=f"website:{pub.id}", event_id=row.webhook_event_id)
    if not record.announced and pub.retracted_at is None:
        record.announced = True
        procedure.announce(session, pub, config=config, event_id=row.webhook_event_id)


def send_retract(ctx: SendContext, row: OutboxMessage) -> Outcome:
    """The post to draft or to the trash, as the office chose; nothing to do if it never got up."""
    publication_id = row.payload["publication_id"]
    try:
        job = _open(ctx, publication_id)
        stored = _stored(ctx, publication_id)
        site = _client(ctx, job)
        post_id = stored.post_id
        if post_id is None:
            found = site.find_post(marker(publication_id))
            post_id = found["id"] if found else None
        if post_id is None:
            return Outcome("sent", error="never reached the website: nothing to take down")
        to = job.site.on_retract
        try:
            if to == "trash":
                site.trash_post(post_id)
            else:
                site.update_post(post_id, {"status": "draft"})
        except SiteError as exc:
            if exc.status != 404 or isinstance(exc, SiteAuthError):
                raise
            to = "gone"  # someone deleted it on the site already
    except (_Fail, SiteError, SiteUnavailable) as exc:
        return _outcome_of(ctx, exc)

    def done(session: Session, row: OutboxMessage) -> None:
        record = post_of(session, publication_id)
        record.status = "trash" if to == "trash" else "draft"
        record.post_id, record.updated_at = post_id, utcnow()
        pub = session.get(Publication, publication_id)
        audit.record(session, "website_retract", office_id=pub.office_id,
                     submission_id=pub.submission_id, version=pub.version,
                     data={"publication_id": pub.id, "post_id": post_id, "to": to,
                           "url": record.url})
    return Outcome("sent", 200, after=done)


def retract_failed(session: Session, row: OutboxMessage, config: Config) -> None:
    publication_id = row.payload["publication_id"]
    pub = session.get(Publication, publication_id)
    reason = (row.last_error or "site").split(":", 1)[0]
    audit.record(session, "website_failed", office_id=pub.office_id, submission_id=pub.submission_id,
                 version=pub.version, data={"publication_id": pub.id, "reason": reason,
                                            "outbox_id": row.id, "retract": True})
    view = describe(session, pub.submission, pub)
    text = (f"นำเรื่อง “{view.title[:80]}” ออกจากเว็บไซต์สำนักงานไม่สำเร็จค่ะ "
            f"กรุณานำออกเองในหน้าจัดการเรื่อง (Posts) ของ WordPress\n"
            f"{PROBLEMS.get(reason, PROBLEMS['site'])}")
    for person in procedure.ict_people(session, pub.office_id):
        outbox.push(session, person.line_user_id, [messages.text(text)], office_id=pub.office_id,
                    purpose=f"website:{pub.id}", event_id=row.webhook_event_id)


EXECUTORS = {PUBLISH: send_publish, RETRACT: send_retract}


def _outcome_of(ctx: SendContext, exc: Exception) -> Outcome:
    """What a site's refusal or absence means for the row: fail at once and say why, or retry."""
    if isinstance(exc, _Fail):
        return _failed(ctx, exc.reason, exc, exc.status)
    if isinstance(exc, SiteAuthError):
        return _failed(ctx, "auth", exc, exc.status)
    if isinstance(exc, SiteError):
        return _failed(ctx, "site", exc, exc.status)
    return _retry(ctx, exc)
