"""Rich menus per role: created through the API when missing, linked to each user on linking."""

from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.office import org
from bot.office.org import is_director, roles_of
from bot.spine import outbox, postback
from bot.spine.line_sdk import api_exception, messaging
from bot.spine.sender import (
    NETWORK_ERRORS,
    Outcome,
    SendContext,
    call_line,
    from_api_exception,
    network_retry,
    sent,
)
from models import Office, OutboxMessage, Person

WIDTH, HEIGHT = 2500, 843
MENUS = {
    "staff": {"columns": 2, "rows": 2, "buttons": [
        ("ส่งเอกสาร", "doc"), ("ส่งภาพกิจกรรม", "photos"), ("รายการของฉัน", "mine"), ("วิธีใช้", "help")]},
    "director": {"columns": 3, "rows": 2, "buttons": [
        ("ส่งเอกสาร", "doc"), ("ส่งภาพกิจกรรม", "photos"), ("รออนุมัติ", "pending"),
        ("รายการของฉัน", "mine"), ("ส่งประกาศ", "news"), ("วิธีใช้", "help")]},
}
VERSION = 1  # bump when a menu's layout or labels change: a new menu is created


def menu_for(roles: set[str]) -> str:
    return "director" if is_director(roles) else "staff"


def menu_request(name: str) -> dict:
    from bot.render.richmenu import rich_menu_areas  # loads Pillow: only when a menu is made

    spec = MENUS[name]
    areas = rich_menu_areas(spec["columns"], spec["rows"], WIDTH, HEIGHT)
    return {
        "size": {"width": WIDTH, "height": HEIGHT},
        "selected": True,
        "name": f"prakat-{name}-v{VERSION}",
        "chatBarText": "เมนู",
        "areas": [
            {"bounds": bounds,
             "action": {"type": "postback", "label": label, "data": postback.encode("menu", m=key),
                        "displayText": label}}
            for bounds, (label, key) in zip(areas, spec["buttons"], strict=True)
        ],
    }


def queue_link(session: Session, person: Person, roles: set[str], *, event_id: str | None = None) -> None:
    outbox.effect(session, "richmenu_link",
                  {"user_id": person.line_user_id, "menu": menu_for(roles)},
                  target=person.line_user_id, office_id=person.office_id, event_id=event_id)


def relink_changed(session: Session, office_id: int) -> int:
    """After an org change, queue a new menu for linked people whose role now wants another one."""
    queued = 0
    for person in session.scalars(select(Person).where(
            Person.office_id == office_id, Person.active.is_(True), Person.line_user_id.is_not(None))):
        roles = roles_of(session, person)
        if person.rich_menu != menu_for(roles):
            queue_link(session, person, roles)
            queued += 1
    return queued


def _create(ctx: SendContext, name: str) -> str:
    from bot.render.richmenu import rich_menu_image  # loads Pillow: only when a menu is made

    spec = MENUS[name]
    created = ctx.clients.api.create_rich_menu(
        messaging().RichMenuRequest.from_dict(menu_request(name)), _request_timeout=ctx.clients.timeout)
    image = rich_menu_image([label for label, _ in spec["buttons"]], columns=spec["columns"],
                            rows=spec["rows"], width=WIDTH, height=HEIGHT)
    content_type = "image/png" if image[:4] == b"\x89PNG" else "image/jpeg"
    ctx.clients.blob.set_rich_menu_image(created.rich_menu_id, image,
                                         _headers={"Content-Type": content_type},
                                         _request_timeout=ctx.clients.timeout)
    return created.rich_menu_id


# One menu is made at a time in a process: when a whole office links at once, the sender
# threads would otherwise each see no menu yet and each create (and draw, at 6 MB a picture) one
# of their own. The first makes it and stores its id at once; the others wait and use it.
_MAKING = threading.Lock()


def _stored_menu(ctx: SendContext, office_id: int | None, key: str) -> str | None:
    with ctx.factory() as session:
        office = session.get(Office, office_id) if office_id else None
        return (office.rich_menus or {}).get(key) if office else None


def _menu(ctx: SendContext, office_id: int | None, name: str, key: str) -> tuple[str, bool]:
    """The office's menu `name`: (its id, whether it was made just now)."""
    menu_id = _stored_menu(ctx, office_id, key)
    if menu_id is not None:
        return menu_id, False
    with _MAKING:
        menu_id = _stored_menu(ctx, office_id, key)  # made while this thread waited
        if menu_id is not None:
            return menu_id, False
        menu_id = _create(ctx, name)
        if office_id:
            with ctx.factory() as session, session.begin():
                office = session.get(Office, office_id)
                office.rich_menus = {**(office.rich_menus or {}), key: menu_id}
        return menu_id, True


def link_rich_menu(ctx: SendContext, row: OutboxMessage) -> Outcome:
    name, user_id = row.payload["menu"], row.payload["user_id"]
    key = f"{name}-v{VERSION}"
    created = False
    try:
        menu_id, created = _menu(ctx, row.office_id, name, key)
        response = ctx.clients.api.link_rich_menu_id_to_user_with_http_info(
            user_id, menu_id, _request_timeout=ctx.clients.timeout)
    except api_exception() as exc:
        outcome = from_api_exception(exc)
        if exc.status == 404 and not created:  # the stored menu was deleted on LINE's side
            outcome = Outcome("retry", 404, "rich menu gone; will recreate",
                              after=None)
            _forget(ctx, row.office_id, key)
        return outcome
    except NETWORK_ERRORS as exc:
        return network_retry(exc)

    def remember(session: Session, _row: OutboxMessage) -> None:
        person = session.scalars(select(Person).where(  # this office's person: one per office
            Person.line_user_id == user_id, Person.office_id == row.office_id)).first()
        if person is not None:
            person.rich_menu = name

    return sent(response, after=remember)


def _forget(ctx: SendContext, office_id: int | None, key: str) -> None:
    if office_id is None:
        return
    with ctx.factory() as session, session.begin():
        office = session.get(Office, office_id)
        menus = dict(office.rich_menus or {})
        menus.pop(key, None)
        office.rich_menus = menus


def queue_unlink(session: Session, person: Person, line_user_id: str) -> None:
    outbox.effect(session, "richmenu_unlink", {"user_id": line_user_id}, target=line_user_id,
                  office_id=person.office_id)


def unlink(session: Session, person: Person) -> str | None:
    """Free the person's LINE link, and queue taking the role's menu off the account it had."""
    previous = org.unlink(session, person)
    if previous:
        queue_unlink(session, person, previous)
    return previous


def unlink_rich_menu(ctx: SendContext, row: OutboxMessage) -> Outcome:
    """A person unlinked (transferred away): their LINE account goes back to the default menu."""
    response = call_line(lambda: ctx.clients.api.unlink_rich_menu_id_from_user_with_http_info(
        row.payload["user_id"], _request_timeout=ctx.clients.timeout))
    return response if isinstance(response, Outcome) else sent(response)
