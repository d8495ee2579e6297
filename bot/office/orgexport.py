"""The office as an org file: what `org load` (bot.office.orgfile) would make into the office as
it is now. The console edits the office by changing this document and loading it back, so an
edit in the browser passes exactly the checks a file does."""

from __future__ import annotations

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.office import categories
from models import Office, Person, Unit


def document(session: Session, office: Office) -> dict:
    """Active units and people only: what is left out of a file is deactivated by loading it."""
    units = list(session.scalars(select(Unit).where(Unit.office_id == office.id,
                                                    Unit.active.is_(True)).order_by(Unit.id)))
    people = list(session.scalars(select(Person).where(Person.office_id == office.id,
                                                       Person.active.is_(True)).order_by(Person.id)))
    keys = {p.id: p.key for p in people}
    unit_keys = {u.id: u.key for u in units}
    head = {"key": office.key, "name": office.name, "short_name": office.short_name,
            "director": keys.get(office.director_id)}
    if office.phone:
        head["phone"] = office.phone
    if office.website_url:
        head["website"] = office.website_url
    if office.address:
        head["address"] = office.address
    if office.logo:
        head["logo"] = office.logo  # an absolute path: it means the same from any directory
    doc: dict = {"office": head}
    if office.hosts:
        doc["portal"] = {"hosts": list(office.hosts)}
    own = _categories(session, office)
    if own is not None:
        doc["categories"] = own
    if office.holidays:
        doc["holidays"] = list(office.holidays)  # ISO dates: read back as the same days
    doc["publish_mode"] = office.publish_mode
    doc["digits"] = office.digits
    doc["chains"] = {kind: list(steps) for kind, steps in (office.chains or {}).items()}
    if office.website:
        site = {k: v for k, v in office.website.items() if v not in (None, {}, [])}
        doc["website"] = site
    if (office.ita or {}).get("lists"):
        doc["ita"] = {"lists": {int(year): name for year, name in office.ita["lists"].items()}}
    doc["units"] = [_unit(u, keys) for u in units]
    doc["people"] = [_person(p, unit_keys) for p in people]
    return doc


def _categories(session: Session, office: Office) -> list[dict] | None:
    """The office's own categories, retired ones too (an item may be in one); None when they are
    the announcement's 18 as the office's name gives them, which a file without `categories:`
    means (and keeps following a renamed office)."""
    rows = categories.all_categories(session, office.id)
    mine = [categories.CategorySpec(c.code, c.name, c.short_name, c.regulated, c.minimum, c.active)
            for c in rows]
    if mine == categories.default_categories(office.name):
        return None
    out = []
    for c in mine:
        entry = {"code": c.code, "name": c.name, "short": c.short_name}
        entry.update({flag: True for flag in ("regulated", "minimum") if getattr(c, flag)})
        if not c.active:
            entry["active"] = False
        out.append(entry)
    return out


def _unit(unit: Unit, keys: dict[int, str]) -> dict:
    entry = {"key": unit.key, "name": unit.name, "director": keys.get(unit.director_id)}
    if unit.categories:
        entry["categories"] = list(unit.categories)
    return entry


def _person(person: Person, unit_keys: dict[int, str]) -> dict:
    entry = {"key": person.key, "name": person.name}
    if person.position:
        entry["position"] = person.position
    if person.unit_id in unit_keys:
        entry["unit"] = unit_keys[person.unit_id]
    entry["roles"] = list(person.roles or ["staff"])
    return entry


def to_yaml(doc: dict) -> str:
    """Readable YAML in Thai (not escaped), in the order an org file is written."""
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, default_flow_style=False,
                          width=1000)
