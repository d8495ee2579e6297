"""The office as an org file: what `org load` (bot.office.orgfile) would make into the office as
it is now. The console edits the office by changing this document and loading it back, so an
edit in the browser passes exactly the checks a file does."""

from __future__ import annotations

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

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
    doc: dict = {"office": head}
    if office.hosts:
        doc["portal"] = {"hosts": list(office.hosts)}
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
