"""Loading the office from a YAML org file: validate everything first, then apply in one go."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.office import categories as office_categories
from bot.office import website as websites
from bot.office.categories import CategorySpec
from bot.thai.dates import holiday_line, load_holidays
from models import Office, Person, Unit
from models.org import DEFAULT_CHAINS, ROLES

CHAIN_KINDS = tuple(DEFAULT_CHAINS)
CHAIN_ROLES = ("unit_director", "office_director")
FILE_ROLES = tuple(r for r in ROLES if r != "unit_director")
# A category code is what people type and see ("1.9", "A-3"): short, no spaces.
CATEGORY_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]{0,7}")
SHORT_LABEL_MAX = 30  # a LINE button label also carries the code
MAX_CATEGORIES = 72  # the picker: 12 bubbles of a LINE carousel, 6 buttons each
LOGO_TYPES = (".png", ".jpg", ".jpeg")
# An office key goes into addresses (/callback/<key>, /o/<key>/): lower-case letters, digits, '-'.
OFFICE_KEY = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
HOST_NAME = re.compile(r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*")


class OrgFileError(ValueError):
    """The file is refused; the message says the line and the reason."""


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that remembers the line of each mapping, for error messages, and reads a
    date as the text it is: YAML's own dates fail without a line (2027-02-30 raises while the
    file is read), so `holidays:` checks each one itself."""


_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _mapping_with_line(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _fail(where: dict | int | None, reason: str):
    line = where.get("__line__") if isinstance(where, dict) else where
    raise OrgFileError(f"line {line}: {reason}" if line else reason)


def _text(entry: dict, field: str, *, required: bool = True) -> str:
    value = entry.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            _fail(entry, f"'{field}' is required")
        return ""
    if not isinstance(value, (str, int)):
        _fail(entry, f"'{field}' must be text")
    return str(value).strip()


@dataclass
class OrgSpec:
    office: dict
    units: list[dict]
    people: list[dict]
    chains: dict
    publish_mode: str
    website: dict | None = None
    ita: dict = field(default_factory=dict)
    digits: str = "thai"
    key: str | None = None  # None: matched by short_name, or a new key made up (free_key)
    hosts: list[str] = field(default_factory=list)
    # The office's own list; None: the announcement's 18 with the office's name (default_categories).
    categories: list[CategorySpec] | None = None
    categories_line: int | None = None  # where `categories:` is, for refusals at apply time
    logo: str | None = None  # an image file (absolute path) for the notice's letterhead
    holidays: list[str] = field(default_factory=list)  # the office's own (ISO dates), sorted

    def category_specs(self) -> list[CategorySpec]:
        if self.categories is not None:
            return self.categories
        return office_categories.default_categories(_text(self.office, "name"))


def _flag(entry: dict, name: str, default: bool) -> bool:
    value = entry.get(name, default)
    if not isinstance(value, bool):
        _fail(entry, f"'{name}' must be true or false")
    return value


def _categories(doc: dict, text: str) -> tuple[list[CategorySpec] | None, int | None]:
    """`categories: [{code, name, short, regulated, minimum, active}, ...]`: the office's own list."""
    found = re.search(r"^categories\s*:", text, re.MULTILINE)
    line = text.count("\n", 0, found.start()) + 1 if found else None
    if "categories" not in doc or doc["categories"] is None:
        return None, line
    given = doc["categories"]
    if not isinstance(given, list) or not given:
        _fail(line, "'categories' must be a list of {code, name, short} (leave it out for the "
                    "announcement's 18 categories)")
    if len(given) > MAX_CATEGORIES:
        _fail(line, f"at most {MAX_CATEGORIES} categories (the LINE picker shows no more)")
    specs: list[CategorySpec] = []
    seen: dict[str, dict] = {}
    for entry in given:
        if not isinstance(entry, dict):
            _fail(line, "each category must be a mapping with code, name and short")
        if isinstance(entry.get("code"), float):  # YAML reads 1.10 unquoted as the number 1.1
            _fail(entry, f"write the category code in quotes, like \"1.10\" (got {entry['code']!r})")
        code = _text(entry, "code")
        if not CATEGORY_CODE.fullmatch(code):
            _fail(entry, f"category code '{code}' must be 1-8 letters, digits, '.' or '-' (quote it: \"1.10\")")
        if code in seen:
            _fail(entry, f"duplicate category code '{code}' (first at line {seen[code]['__line__']})")
        seen[code] = entry
        short = _text(entry, "short")
        if len(short) > SHORT_LABEL_MAX:
            _fail(entry, f"'short' of category '{code}' is longer than {SHORT_LABEL_MAX} characters "
                         "(it is a button label)")
        specs.append(CategorySpec(
            code=code, name=_text(entry, "name"), short_name=short,
            regulated=_flag(entry, "regulated", False), minimum=_flag(entry, "minimum", False),
            active=_flag(entry, "active", True)))
    if not any(s.active for s in specs):
        _fail(line, "at least one category must be active")
    return specs, line


def _logo(office: dict, base_dir: Path | None) -> str | None:
    """`office: logo: logo.png`: a PNG or JPEG next to the org file, drawn on the notice."""
    logo = _text(office, "logo", required=False)
    if not logo:
        return None
    path = Path(logo)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if path.suffix.lower() not in LOGO_TYPES:
        _fail(office, f"'logo' must be a PNG or JPEG file, not '{logo}'")
    if not path.is_file():
        _fail(office, f"logo file '{logo}' not found (a path relative to the org file)")
    return str(path.resolve())


def _holidays(doc: dict, text: str, base_dir: Path | None) -> list[str]:
    """`holidays:` the office's own days off beside the deployment's HOLIDAYS_FILE (a provincial
    day): a list of dates (`2027-01-16`, or `"2027-01-16 วันครู"`), or a file in the holidays
    file's format (a path relative to the org file)."""
    given = doc.get("holidays")
    found = re.search(r"^holidays\s*:", text, re.MULTILINE)
    line = text.count("\n", 0, found.start()) + 1 if found else None
    if given is None:
        return []
    days: set[date] = set()
    if isinstance(given, str):
        if base_dir is None:  # the console: a path would read the server's files back to the page
            _fail(line, "a holidays file can be named only in a file loaded with `org load`: "
                        "list the dates here instead")
        path = Path(given)
        if not path.is_absolute():
            path = base_dir / path
        if not path.is_file():
            _fail(line, f"holidays file '{given}' not found (a path relative to the org file)")
        try:
            days.update(load_holidays(path))
        except (ValueError, OSError) as exc:
            _fail(line, f"holidays: {exc}")
    elif isinstance(given, list):
        for n, entry in enumerate(given, start=1):
            try:
                day = holiday_line(str(entry), f"holiday {n}")
            except ValueError as exc:
                _fail(line, f"holidays: {exc}")
            if day is None:
                _fail(line, f"holidays: holiday {n} is empty")
            days.add(day)
    else:
        _fail(line, "'holidays' must be a list of dates (2027-01-16) or a holidays file")
    return [d.isoformat() for d in sorted(days)]


def _office_key(office: dict) -> str | None:
    key = _text(office, "key", required=False)
    if key and not OFFICE_KEY.fullmatch(key):
        _fail(office, f"office key '{key}' must be 1-40 lower-case letters, digits or '-' "
                      "(it goes into addresses: /callback/<key>)")
    return key or None


def _hosts(doc: dict) -> list[str]:
    """`portal: {hosts: [prakat.example.go.th]}`: the host names whose Host header means this office."""
    portal = doc.get("portal") or {}
    if not isinstance(portal, dict):
        _fail(doc, "'portal' must be a mapping with 'hosts'")
    hosts = portal.get("hosts") or []
    if not isinstance(hosts, list):
        _fail(portal, "'portal: hosts' must be a list of host names")
    out = []
    for host in hosts:
        name = str(host).strip().lower().rstrip(".")
        if not HOST_NAME.fullmatch(name):
            _fail(portal, f"'{host}' is not a host name (no scheme, port or path: www.example.go.th)")
        out.append(name)
    return list(dict.fromkeys(out))


def free_key(session: Session) -> str:
    """A key for an office whose file names none: "office", else "office-2", "office-3" …"""
    taken = set(session.scalars(select(Office.key)))
    key, n = "office", 1
    while key in taken:
        n += 1
        key = f"office-{n}"
    return key


def _unit_categories(entry: dict, known: frozenset[str]) -> list[str]:
    given = entry.get("categories") or []
    if not isinstance(given, list):
        _fail(entry, "'categories' must be a list of category codes such as \"1.9\"")
    codes = [str(c) for c in given]
    unknown = [c for c in codes if c not in known]
    if unknown:
        _fail(entry, f"unknown categories {', '.join(unknown)} for unit '{entry['key']}': not in "
                     "this office's categories (quote them: \"1.10\", not 1.10)")
    entry["categories"] = list(dict.fromkeys(codes))
    return entry["categories"]


def _ita(doc: dict, base_dir: Path | None) -> dict:
    """`ita: {lists: {2570: oit-2569 | own-2570.yaml}}`: which OIT list each fiscal year uses.
    A bundled list goes by its key; a path is taken relative to the org file."""
    given = doc.get("ita") or {}
    if not isinstance(given, dict):
        _fail(doc, "'ita' must be a mapping with 'lists'")
    lists = given.get("lists") or {}
    if not isinstance(lists, dict):
        _fail(given, "'ita: lists' must map a fiscal year (2570) to a list name or file")
    out = {}
    for year, name in lists.items():
        if year == "__line__":
            continue
        if not isinstance(year, int) or not 2500 <= year <= 2700 or not isinstance(name, str):
            _fail(lists, f"'ita: lists' entry {year!r}: a Buddhist Era year and a list name or file")
        if name.endswith((".yaml", ".yml")) and base_dir is not None:
            name = str((base_dir / name).resolve())
        out[str(year)] = name
    return {"lists": out} if out else {}


def parse(text: str, base_dir: Path | None = None) -> OrgSpec:
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        _fail(mark.line + 1 if mark else None, f"YAML error: {problem}")
    if not isinstance(doc, dict):
        _fail(None, "the file must be a mapping with office, units and people")
    office = doc.get("office")
    if not isinstance(office, dict):
        _fail(doc, "'office' must be a mapping with name, short_name and director")
    units, people = doc.get("units") or [], doc.get("people") or []
    if not isinstance(units, list) or not isinstance(people, list):
        _fail(doc, "'units' and 'people' must be lists")

    person_keys: dict[str, dict] = {}
    for entry in people:
        if not isinstance(entry, dict):
            _fail(doc, "each person must be a mapping")
        key = _text(entry, "key")
        if key in person_keys:
            _fail(entry, f"duplicate person key '{key}' (first at line {person_keys[key]['__line__']})")
        person_keys[key] = entry
        _text(entry, "name")
        roles = entry.get("roles") or ["staff"]
        if not isinstance(roles, list):
            _fail(entry, "'roles' must be a list")
        for role in roles:
            if role == "unit_director":
                _fail(entry, "role 'unit_director' is implied by directing a unit; name the person as a unit's director")
            if role not in FILE_ROLES:
                _fail(entry, f"unknown role '{role}' (roles: {', '.join(FILE_ROLES)})")
        entry["roles"] = list(dict.fromkeys(roles))

    categories, categories_line = _categories(doc, text)
    known = frozenset(c.code for c in categories) if categories is not None \
        else frozenset(office_categories.DEFAULT_CODES)
    unit_keys: dict[str, dict] = {}
    for entry in units:
        if not isinstance(entry, dict):
            _fail(doc, "each unit must be a mapping")
        key = _text(entry, "key")
        if key in unit_keys:
            _fail(entry, f"duplicate unit key '{key}' (first at line {unit_keys[key]['__line__']})")
        unit_keys[key] = entry
        _text(entry, "name")
        _unit_categories(entry, known)
        director = _text(entry, "director")
        if director not in person_keys:
            _fail(entry, f"director '{director}' of unit '{key}' is not a person in the file")

    for entry in people:
        unit = entry.get("unit")
        if unit is not None and str(unit) not in unit_keys:
            _fail(entry, f"unknown unit '{unit}' for person '{entry['key']}'")

    _text(office, "name")
    _text(office, "short_name")
    _text(office, "address", required=False)
    website = _text(office, "website", required=False)
    if website and not website.startswith(("https://", "http://")):
        _fail(office, "'website' must be an address starting with https:// or http://")
    if _text(office, "director") not in person_keys:
        _fail(office, f"office director '{office['director']}' is not a person in the file")

    chains = dict(DEFAULT_CHAINS)
    given = doc.get("chains") or {}
    if not isinstance(given, dict):
        _fail(doc, "'chains' must be a mapping of kind to a list of roles")
    for kind, steps in given.items():
        if kind == "__line__":
            continue
        if kind not in CHAIN_KINDS:
            _fail(given, f"unknown chain '{kind}' (kinds: {', '.join(CHAIN_KINDS)})")
        if not isinstance(steps, list) or not all(s in CHAIN_ROLES for s in steps):
            _fail(given, f"chain '{kind}' must list roles from: {', '.join(CHAIN_ROLES)}")
        chains[kind] = list(steps)
    publish_mode = str(doc.get("publish_mode", "portal"))
    if publish_mode not in ("portal", "ict"):
        _fail(doc, "publish_mode must be 'portal' or 'ict'")
    digits = str(doc.get("digits", "thai"))
    if digits not in ("thai", "arabic"):
        _fail(doc, "digits must be 'thai' (๐-๙) or 'arabic' (0-9)")
    website = None
    if doc.get("website") is not None:
        if "password" in (doc["website"] if isinstance(doc["website"], dict) else {}):
            _fail(doc["website"], "never write the website password in the file: "
                                  "use `flask --app webhook website password`")
        try:
            website = websites.parse(doc["website"], known).as_json()
        except websites.WebsiteError as exc:
            _fail(doc["website"], str(exc))
    return OrgSpec(office=office, units=units, people=people, chains=chains, publish_mode=publish_mode,
                   digits=digits, website=website, ita=_ita(doc, base_dir), key=_office_key(office),
                   hosts=_hosts(doc), categories=categories, categories_line=categories_line,
                   logo=_logo(office, base_dir), holidays=_holidays(doc, text, base_dir))


def apply(session: Session, spec: OrgSpec) -> dict[str, int]:
    """Create or update the office from a parsed file; people/units left out are deactivated."""
    short_name = _text(spec.office, "short_name")
    if spec.key:
        office = session.scalars(select(Office).where(Office.key == spec.key)).first()
    else:
        office = session.scalars(select(Office).where(Office.short_name == short_name)).first()
    created = office is None
    if created:
        office = Office(key=spec.key or free_key(session), short_name=short_name, name="", hosts=[])
        session.add(office)
    others = [o for o in session.scalars(select(Office)) if o is not office]
    for host in spec.hosts:
        owner = next((o for o in others if host in (o.hosts or [])), None)
        if owner is not None:
            _fail(spec.office, f"host '{host}' already belongs to office '{owner.key}'")
    office.short_name, office.hosts = short_name, spec.hosts
    office.name = _text(spec.office, "name")
    office.phone = _text(spec.office, "phone", required=False) or None
    office.address = _text(spec.office, "address", required=False) or None
    office.logo = spec.logo
    office.holidays = spec.holidays
    office.website_url = _text(spec.office, "website", required=False) or None
    office.chains, office.publish_mode, office.ita = spec.chains, spec.publish_mode, spec.ita
    office.digits = spec.digits
    if office.website and spec.website and any(
            office.website.get(k) != spec.website[k] for k in ("url", "user")):
        office.website_password = None  # a password belongs to its site: never send it to another
    office.website = spec.website
    session.flush()
    _apply_categories(session, office, spec)

    units = {u.key: u for u in session.scalars(select(Unit).where(Unit.office_id == office.id))}
    for entry in spec.units:
        unit = units.get(entry["key"]) or Unit(office_id=office.id, key=entry["key"])
        unit.name, unit.active = _text(entry, "name"), True
        unit.categories = entry["categories"]
        units[entry["key"]] = unit
        session.add(unit)
    people = {p.key: p for p in session.scalars(select(Person).where(Person.office_id == office.id))}
    for entry in spec.people:
        person = people.get(entry["key"]) or Person(office_id=office.id, key=entry["key"])
        person.name = _text(entry, "name")
        person.position = _text(entry, "position", required=False)
        person.roles, person.active = entry["roles"], True
        people[entry["key"]] = person
        session.add(person)
    session.flush()
    for entry in spec.people:
        unit_key = entry.get("unit")
        people[entry["key"]].unit_id = units[str(unit_key)].id if unit_key is not None else None
    for entry in spec.units:
        units[entry["key"]].director_id = people[entry["director"]].id
    office.director_id = people[spec.office["director"]].id

    in_file_people = {e["key"] for e in spec.people}
    in_file_units = {e["key"] for e in spec.units}
    deactivated = 0
    for key, person in people.items():
        if key not in in_file_people and person.active:
            person.active, deactivated = False, deactivated + 1
    for key, unit in units.items():
        if key not in in_file_units:
            unit.active = False
    return {"office_id": office.id, "created": int(created), "units": len(spec.units),
            "people": len(spec.people), "deactivated": deactivated}


def _apply_categories(session: Session, office: Office, spec: OrgSpec) -> None:
    """The office's categories become the file's; one that items still point at cannot go."""
    specs = spec.category_specs()
    refused = office_categories.in_use_removed(session, office.id, specs)
    if refused:
        code, count = next(iter(refused.items()))
        where = spec.categories_line or spec.office.get("__line__")
        why = ("'categories' leaves out" if spec.categories is not None
               else "without 'categories' the announcement's 18 apply, which leave out")
        _fail(where, f"{why} category '{code}', but {count} item(s) of this office are in it: "
                     "keep it in the list (add 'active: false' to stop offering it for new items)")
    office_categories.sync_categories(session, office.id, specs)


def load(session: Session, text: str) -> dict[str, int]:
    return apply(session, parse(text))
