"""Many offices for the scale bench, made the way an operator makes them: one org file per office
(examples/office.yaml under another office's name, key, host and people's LINE ids), loaded by the
real org loader, each given its own LINE channel by `set_channel`; then everyone linked (directly,
as the tests and the other benches do) and a few documents per office sent for approval through
the workflow, so the traffic can tap อนุมัติ on real pending steps.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select

from bench.load import line_user_id
from bench.stacks import ROOT
from bot.files.store import ContentStore
from bot.office.channels import set_channel
from bot.office.orgfile import apply, parse
from bot.spine import postback
from bot.spine.config import Config
from bot.spine.db import make_engine, make_sessionmaker, migrate, transaction
from bot.workflow import machine, notify
from bot.workflow.chain import current_step
from models import Attachment, Office, Person, Submission, SubmissionVersion, utcnow
from tests.samples import pdf

EXAMPLE = ROOT / "examples" / "office.yaml"
# Provinces for the offices' names (data, as an org file would give them; none is the example's).
PROVINCES = ("เชียงใหม่", "ลำปาง", "น่าน", "แพร่", "พะเยา", "เชียงราย", "ลำพูน", "สุโขทัย", "พิษณุโลก",
             "อุตรดิตถ์", "เพชรบูรณ์", "นครสวรรค์", "อุทัยธานี", "ชัยนาท", "ลพบุรี", "สระบุรี", "ขอนแก่น",
             "อุดรธานี", "เลย", "หนองคาย", "สกลนคร", "นครพนม", "มุกดาหาร", "ร้อยเอ็ด", "มหาสารคาม")
_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
SUBMITTER, UNIT_DIRECTOR = "nittaya", "wilai"  # adm: a staff member and her unit's director
CATEGORY = "1.3"


@dataclass
class BenchOffice:
    """One generated office: its addresses, its channel, its people's LINE ids, its pending steps."""

    n: int
    key: str
    name: str
    secret: str
    token: str
    bot_user_id: str
    users: list[str] = field(default_factory=list)  # every linked person's LINE id
    approver: str = ""  # the unit director's LINE id, who may tap อนุมัติ on `pending`
    pending: list[str] = field(default_factory=list)  # postback data of open first steps


def office_names(n: int) -> tuple[str, str]:
    """Office n's name and short name: a province and a district number, as real ones read."""
    province = PROVINCES[n % len(PROVINCES)]
    district = str(n // len(PROVINCES) + 1).translate(_THAI_DIGITS)
    return (f"สำนักงานเขตพื้นที่การศึกษาประถมศึกษา{province} เขต {district}",
            f"สพป.{province} เขต {district}")


def make_offices(count: int) -> list[BenchOffice]:
    out = []
    for n in range(count):
        key = f"bench-{n + 1:02d}"
        name, _short = office_names(n)
        out.append(BenchOffice(n, key, name, secret=f"secret-{key}", token=f"token-{key}",
                               bot_user_id="U" + hashlib.md5(f"bot {key}".encode()).hexdigest()))
    return out


def org_file(office: BenchOffice) -> str:
    """examples/office.yaml as office `office` would write it: its own name everywhere the example
    names its office, its key and its portal's host name."""
    text = EXAMPLE.read_text(encoding="utf-8")
    seed = yaml.safe_load(text)["office"]
    name, short = office_names(office.n)
    doc = yaml.safe_load(text.replace(seed["name"], name).replace(seed["short_name"], short))
    doc["office"]["key"] = office.key
    doc["portal"] = {"hosts": [f"{office.key}.prakat.bench.example"]}
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def person_line_id(office: BenchOffice, person_key: str) -> str:
    """LINE user ids are per channel: the same person key in two offices is two LINE users."""
    return line_user_id(f"{office.key}/{person_key}")


def load(database_url: str, offices: list[BenchOffice], *, sealing_key: str, data_dir: Path,
         pending_per_office: int, own_channels: bool) -> None:
    """Migrate, then per office: its org file, its channel (unless `own_channels` is False: the
    one office of a one-office deployment uses the settings' channel), everyone linked, and
    `pending_per_office` documents waiting for the unit director."""
    engine = make_engine(Config(database_url=database_url).validated().database_url)
    try:
        migrate(engine)
        factory = make_sessionmaker(engine)
        config = Config(database_url=database_url, data_dir=str(data_dir)).validated()
        store = ContentStore(Path(config.data_dir) / "files")
        document = store.put(pdf(1))
        for office in offices:
            with transaction(factory) as session:
                summary = apply(session, parse(org_file(office), EXAMPLE.parent))
                row = session.get(Office, summary["office_id"])
                if own_channels:
                    set_channel(session, row, channel_id=str(2_000_000_000 + office.n), secret=office.secret,
                                token=office.token, bot_user_id=office.bot_user_id, sealing_key=sealing_key)
                people = session.scalars(select(Person).where(Person.office_id == row.id)).all()
                for person in people:
                    person.line_user_id, person.linked_at = person_line_id(office, person.key), utcnow()
                office.users = [p.line_user_id for p in people if p.active]
                office.approver = person_line_id(office, UNIT_DIRECTOR)
                submitter = next(p for p in people if p.key == SUBMITTER)
                office.pending = [_send_for_approval(session, config, submitter, document, k)
                                  for k in range(pending_per_office)]
    finally:
        engine.dispose()


def _send_for_approval(session, config: Config, submitter: Person, sha: str, k: int) -> str:
    """A one-file document sent for approval as the workflow sends it (the unit director gets
    its card); returns the postback data of its อนุมัติ button."""
    now = utcnow()
    submission = Submission(office_id=submitter.office_id, submitter_id=submitter.id, unit_id=submitter.unit_id,
                            kind="document", category_code=CATEGORY, status="draft", created_at=now,
                            updated_at=now)
    version = SubmissionVersion(number=1, title=f"ประกาศทดสอบการรองรับหลายสำนักงาน {k + 1}",
                                description="", created_at=now)
    version.attachments.append(Attachment(position=1, status="stored", sha256=sha, filename=f"ประกาศ-{k + 1}.pdf",
                                          kind="pdf", mime="application/pdf", size=len(pdf(1)), page_count=1))
    submission.versions.append(version)
    session.add(submission)
    session.flush()
    notify.dispatch(session, machine.submit(session, submission, submitter, now, None), config=config,
                    event_id=None)
    step = current_step(session, submission.id)
    return postback.encode("decide", s=step.id, v=submission.current_version, a="approve")
