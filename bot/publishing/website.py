"""The office's own website as a publisher target: rows only, the site itself is an outbox effect.

Publishing writes the item's website_posts row and a `website_publish` effect; retracting writes a
`website_retract` effect. Both go in one lane per publication (target `website:<id>`), so a
retraction never overtakes the publication it undoes. bot.publishing.website_send performs them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.office import website as websites
from bot.publishing.targets import PublishedItem
from bot.spine import outbox
from models import Office, Publication, WebsitePost, utcnow

PUBLISH, RETRACT = "website_publish", "website_retract"
KINDS = (PUBLISH, RETRACT)


def lane(publication_id: int) -> str:
    return f"website:{publication_id}"


def marker(publication_id: int) -> str:
    """The slug the post carries on the site: how a retry finds what an earlier try created."""
    return f"prakat-{publication_id}"


def settings(session: Session, office_id: int) -> websites.Website | None:
    office = session.get(Office, office_id)
    return websites.of(office.website) if office is not None else None


def post_of(session: Session, publication_id: int) -> WebsitePost | None:
    return session.scalars(select(WebsitePost).where(
        WebsitePost.publication_id == publication_id)).first()


def site_url(session: Session, publication: Publication) -> str | None:
    """The item's address on the office's website, while it is published there."""
    post = post_of(session, publication.id)
    return post.url if post is not None and post.status == "published" else None


class WebsitePublisher:
    """Sends published items to the office's own website (WordPress), when it has one."""

    name = "website"

    def holds_announcement(self, item: PublishedItem) -> bool:
        """The PR card waits for the site's answer, so that it carries the site's address."""
        return settings(item.session, item.publication.office_id) is not None

    def publish(self, item: PublishedItem) -> bool:
        site = settings(item.session, item.publication.office_id)
        if site is None:
            return False
        pub = item.publication
        post = post_of(item.session, pub.id) or WebsitePost(
            publication_id=pub.id, office_id=pub.office_id, engine=site.kind, media={})
        post.status, post.error, post.updated_at = "queued", None, utcnow()
        item.session.add(post)
        outbox.effect(item.session, PUBLISH, {"publication_id": pub.id}, target=lane(pub.id),
                      office_id=pub.office_id, event_id=item.event_id, purpose=f"website:{pub.id}")
        return True

    def retract(self, item: PublishedItem) -> None:
        pub = item.publication
        if post_of(item.session, pub.id) is None:
            return  # it never went to a website
        outbox.effect(item.session, RETRACT, {"publication_id": pub.id}, target=lane(pub.id),
                      office_id=pub.office_id, event_id=item.event_id, purpose=f"website:{pub.id}")
