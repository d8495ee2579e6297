"""Play the whole procedure through the real webhook and the fake LINE, and write what every
person read to docs/TRANSCRIPT.md — the text reviewers read before a change of wording ships.

    .venv/bin/python -m bench.transcript [--out docs/TRANSCRIPT.md]

A stranger writes; a staff member links with an invite code, sends a PDF, a unit director returns
it, she corrects and sends it again, both directors approve, the PR group gets the post; an album
of three photos goes to the director with its gallery; a reminder and the quarterly digest go out.
Every message passed the fake LINE's schema checks, or the script stops.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.digest.delivery import send_digest
from bot.office.org import create_group_code, create_invite, person_by_key
from bot.office.orgfile import load
from bot.sandbox.line_fake import FakeLine
from bot.spine.config import Config
from bot.spine.db import transaction
from bot.thai.dates import FiscalQuarter
from bot.workflow.reminders import send_reminders
from models import ApprovalStep, Office, utcnow
from tests import samples
from tests.flex import actions, arabic, data, texts
from tests.line_driver import LineDriver, group_id, user_id
from webhook import create_app

ROOT = Path(__file__).resolve().parent.parent
SECRET, TOKEN = "transcript-secret", "transcript-token"
NAMES = {"kanya": "กัญญา (เจ้าหน้าที่)", "prasert": "ประเสริฐ (ผอ.กลุ่ม)",
         "somchai": "สมชาย (ผอ.สำนักงาน)", "stranger": "ประชาชน", "wanpen": "วันเพ็ญ (เจ้าหน้าที่)"}
PR_GROUP, MANAGEMENT = "pr-group", "management-group"


def render(message: dict) -> list[str]:
    """A message as a reader sees it: its texts, its buttons in [brackets], its quick replies."""
    if message["type"] == "text":
        lines = message["text"].splitlines() or [""]
    elif message["type"] == "flex":
        lines = [f"*(การ์ด: {message['altText']})*", *texts(message)]
    else:
        lines = [f"*({message['type']})*"]
    buttons = [label for label in actions({k: v for k, v in message.items() if k != "quickReply"})]
    out = [f"> {line}" if line else ">" for line in lines]
    if buttons:
        out.append("> " + " ".join(f"[{b}]" for b in buttons))
    quick = [item["action"]["label"] for item in message.get("quickReply", {}).get("items", [])]
    if quick:
        out.append("> ปุ่มลัด: " + " ".join(f"⟨{q}⟩" for q in quick))
    return out


class Transcript:
    def __init__(self, line: LineDriver, fake: FakeLine):
        self.line, self.fake, self.lines = line, fake, []
        self._seen = 0

    def heading(self, text: str) -> None:
        self.lines += ["", f"## {text}", ""]

    def said(self, who: str, what: str) -> None:
        self.lines.append(f"**{NAMES.get(who, who)}:** {what}  ")

    def collect(self) -> list[dict]:
        """What LINE delivered since last time, written under whom it reached."""
        self.line.drain()
        new = self.fake.deliveries[self._seen:]
        self._seen = len(self.fake.deliveries)
        names = {user_id(k): v for k, v in NAMES.items()}
        names |= {group_id(PR_GROUP): "กลุ่มประชาสัมพันธ์", group_id(MANAGEMENT): "กลุ่มผู้บริหาร"}
        messages = []
        for delivery in new:
            for message in delivery.messages:
                self.lines.append(f"*บอท → {names.get(delivery.to, delivery.to)} ({delivery.kind}):*")
                self.lines += render(message)
                self.lines.append("")
                messages.append(message)
        if self.fake.validation_errors:
            raise SystemExit(f"LINE would refuse: {self.fake.validation_errors}")
        return messages

    def text(self, who: str, text: str) -> list[dict]:
        self.said(who, text)
        self.line.post(self.line.text_event(who, text))
        return self.collect()

    def tap(self, who: str, message: dict, label: str, params: dict | None = None) -> list[dict]:
        self.said(who, f"แตะ [{label}]")
        self.line.post(self.line.postback_event(who, data(message, label), params))
        return self.collect()

    def send(self, who: str, what: str, event: dict) -> list[dict]:
        self.said(who, what)
        self.line.post(event)
        return self.collect()


def play(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        fake = FakeLine(access_token=TOKEN).start()
        config = Config(
            line_channel_secret=SECRET, line_channel_access_token=TOKEN, line_api_base=fake.url,
            line_data_api_base=fake.url, database_url=f"sqlite:///{tmp}/prakat.db",
            public_base_url="https://prakat.example.go.th", data_dir=f"{tmp}/data",
            secret_key="transcript", instance_path=f"{tmp}/instance", testing=True).validated()
        app = create_app(config)
        runtime = app.extensions["prakat"]
        try:
            _play(Transcript(LineDriver(app.test_client(), fake, runtime, SECRET), fake), runtime, fake, out)
        finally:
            runtime.stop()
            fake.stop()


def _first(messages: list[dict], label: str) -> dict:
    return next(m for m in reversed(messages) if label in actions(m))


def _play(t: Transcript, runtime, fake: FakeLine, out: Path) -> None:
    with transaction(runtime.factory) as session:
        load(session, (ROOT / "examples" / "office.yaml").read_text(encoding="utf-8"))
        codes = {key: create_invite(session, person_by_key(session, key), utcnow())
                 for key in ("kanya", "prasert", "somchai", "wanpen")}
        office = session.scalars(select(Office)).one()
        group_codes = {p: create_group_code(session, office, p, utcnow()) for p in ("pr", "management")}
    fake.add_group(group_id(PR_GROUP), "งานประชาสัมพันธ์", [user_id("wanpen")])
    fake.add_group(group_id(MANAGEMENT), "ผู้บริหาร", [user_id("somchai")])

    t.heading("ประชาชนทักมา")
    t.text("stranger", "สอบถามเรื่องการสอบบรรจุครูค่ะ")

    t.heading("เชื่อมบัญชี")
    for key in ("kanya", "prasert", "somchai", "wanpen"):
        t.text(key, codes[key])

    t.heading("ลงทะเบียนกลุ่ม")
    for purpose, group in (("pr", PR_GROUP), ("management", MANAGEMENT)):
        member = "wanpen" if purpose == "pr" else "somchai"
        t.said(f"{member} ในกลุ่ม", group_codes[purpose])
        t.line.post(t.line.text_event(member, group_codes[purpose], group=group))
        t.collect()

    t.heading("ส่งเอกสาร PDF")
    said = t.send("kanya", "ส่งไฟล์ รายงานผลการดำเนินงาน.pdf",
                  t.line.file_event("kanya", "รายงานผลการดำเนินงาน.pdf", samples.pdf(3), "application/pdf"))
    picker = next(m for m in said if m["type"] == "flex")
    said = t.tap("kanya", picker, next(a for a in actions(picker) if arabic(a).startswith("1.12 ")))
    t.text("kanya", "รายงานผลการดำเนินงานตามแผนปฏิบัติราชการ ประจำปีงบประมาณ พ.ศ. ๒๕๖๙ จำนวน ๑๒ โครงการ")
    said = t.text("kanya", "ข้าม")
    said = t.tap("kanya", said[-1], "ส่งขออนุญาตเผยแพร่")

    t.heading("ผอ.กลุ่มส่งกลับแก้ไข")
    card = _first(fake.messages_to(user_id("prasert")), "ส่งกลับแก้ไข")
    said = t.tap("prasert", card, "ส่งกลับแก้ไข")
    t.text("prasert", "ขอแก้ไขชื่อเรื่อง")

    t.heading("เจ้าหน้าที่แก้ไขและส่งใหม่")
    notice = fake.messages_to(user_id("kanya"))[-1]
    said = t.tap("kanya", notice, "แก้ไขและส่งใหม่")
    said = t.tap("kanya", said[-1], "แก้ไข")
    said = t.tap("kanya", said[-1], "ชื่อเรื่อง")
    said = t.text("kanya", "รายงานผลการดำเนินงานตามแผนปฏิบัติราชการ ปีงบประมาณ ๒๕๖๙")
    t.tap("kanya", _first(said, "ส่งขออนุญาตเผยแพร่"), "ส่งขออนุญาตเผยแพร่")

    t.heading("อนุมัติสองขั้น และเผยแพร่")
    t.tap("prasert", _first(fake.messages_to(user_id("prasert")), "อนุมัติ"), "อนุมัติ")
    t.tap("somchai", _first(fake.messages_to(user_id("somchai")), "อนุมัติ"), "อนุมัติ")

    t.heading("ภาพกิจกรรม ๓ ภาพ")
    for i in range(1, 4):
        event = t.line.image_event("kanya", samples.jpeg_with_gps(color=(60 * i, 90, 30)),
                                   image_set="album-1", index=i, total=3)
        t.send("kanya", f"ส่งภาพที่ {i}", event)
    t.line.drain(timeout=15)
    t.collect()
    t.text("kanya", "อบรมครูวิทยาศาสตร์ระดับประถมศึกษา")
    said = t.text("kanya", "วันนี้")
    said = t.text("kanya", "ครูจากโรงเรียนในสังกัด ๔๐ คนร่วมอบรมการสอนวิทยาศาสตร์แบบลงมือทำ")
    flex = _first(said, "๑.๓ กิจกรรม โครงการ") if any("๑.๓ กิจกรรม โครงการ" in actions(m) for m in said) else None
    if flex is not None:
        said = t.tap("kanya", flex, "๑.๓ กิจกรรม โครงการ")
    t.tap("kanya", _first(said, "ส่งขออนุญาตเผยแพร่"), "ส่งขออนุญาตเผยแพร่")
    card = _first(fake.messages_to(user_id("prasert")), "อนุมัติ")
    gallery = next((a for a in actions(card) if a.startswith("ดูภาพทั้งหมด")), None)
    t.lines.append(f"*(ผอ.กลุ่มเปิด [{gallery}]: หน้าแสดงภาพทั้งหมดผ่านลิงก์ที่ลงนามไว้)*" if gallery
                   else "*(ไม่มีปุ่มดูภาพทั้งหมด)*")

    t.heading("เตือนผู้พิจารณา (วันทำการถัดไป ๐๙:๐๐ น.)")
    with transaction(runtime.factory) as session:
        for step in session.scalars(select(ApprovalStep).where(ApprovalStep.status == "waiting")):
            step.waiting_since = step.waiting_since - timedelta(days=7)
        send_reminders(session, runtime.config, datetime.now(UTC))
    t.collect()

    t.heading("รายงานรายไตรมาส")
    with transaction(runtime.factory) as session:
        office = session.scalars(select(Office)).one()
        send_digest(session, runtime.config, office.id, FiscalQuarter.of(date.today()),
                    now=datetime.now(UTC), sent_by="transcript")
    t.collect()

    header = ["# Transcript: the whole procedure as its people read it", "",
              "Written by `bench/transcript.py` (the real webhook, the handler stage, the outbox and",
              "the fake LINE, which checked every message against LINE's schema). Regenerate it after any",
              "change of wording: `.venv/bin/python -m bench.transcript`.",
              "", "[ปุ่ม] is a button on the message; ⟨ปุ่มลัด⟩ a quick reply under it."]
    out.write_text("\n".join(header + t.lines).rstrip() + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(t.lines)} lines)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "TRANSCRIPT.md")
    play(parser.parse_args().out)


if __name__ == "__main__":
    main()
