"""A published archive for the portal bench: items with Thai titles built from the words an
education office uses (some in most titles, most in few), descriptions, files and photos with
captions, their approval steps and audit entries, as plain rows for bulk insert; and the mix of
searches readers type.

Items are published in id order (as the publishing procedure does), a few are retracted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, text

from bot.publishing import search_index
from models import ApprovalStep, Attachment, AuditEntry, Publication, Submission, SubmissionVersion

CATEGORIES = [f"1.{i}" for i in range(1, 19)]
# Word lists in rough order of how often offices use them; _zipf picks early ones far more often.
ACTS = ["ประชุม", "ประกาศ", "รายงาน", "โครงการ", "กิจกรรม", "อบรม", "คำสั่ง", "จัดซื้อ", "จัดจ้าง",
        "สรุปผล", "แผนปฏิบัติการ", "การประเมิน", "การนิเทศ", "ประชาสัมพันธ์", "รับสมัคร", "แต่งตั้ง",
        "มอบเกียรติบัตร", "ศึกษาดูงาน", "ตรวจเยี่ยม", "คัดเลือก", "ขอความร่วมมือ", "เชิญชวน",
        "ผลการดำเนินงาน", "งบประมาณ", "การประกวด"]
TOPICS = ["ครู", "นักเรียน", "ผู้บริหารสถานศึกษา", "บุคลากร", "คณะกรรมการ", "การเรียนการสอน",
          "ลูกเสือ", "วันเด็กแห่งชาติ", "วันแม่แห่งชาติ", "วันครู", "ห้องสมุด", "ภาษาอังกฤษ",
          "คณิตศาสตร์", "วิทยาศาสตร์", "เทคโนโลยีดิจิทัล", "สุขภาวะ", "ยาเสพติด", "ความปลอดภัย",
          "คุณธรรมจริยธรรม", "วัสดุคอมพิวเตอร์", "ครุภัณฑ์การศึกษา", "อาหารกลางวัน", "นมโรงเรียน",
          "การทดสอบ O-NET", "การประเมิน ITA", "ครูผู้ช่วย", "วิทยฐานะ", "การปฐมวัย", "การศึกษาพิเศษ",
          "ทุนการศึกษา", "การแนะแนว", "ระบบดูแลช่วยเหลือนักเรียน", "สภานักเรียน", "กีฬาสี",
          "ภูมิปัญญาท้องถิ่น", "สิ่งแวดล้อม", "การป้องกันการทุจริต", "ข้อมูลข่าวสารของราชการ",
          "ค่าสาธารณูปโภค", "การซ่อมแซมอาคารเรียน"]
PLACES = ["โรงเรียนบ้านหนองบัว", "โรงเรียนวัดป่าประดู่", "โรงเรียนอนุบาลเมือง", "โรงเรียนบ้านดอนแก้ว",
          "โรงเรียนบ้านโนนสูง", "โรงเรียนชุมชนบ้านไผ่", "โรงเรียนบ้านห้วยทราย", "โรงเรียนบ้านนาคำ",
          "โรงเรียนวัดศรีสุข", "โรงเรียนบ้านหนองแวง", "โรงเรียนบ้านโคกกลาง", "โรงเรียนบ้านท่าช้าง",
          "ห้องประชุมสำนักงานเขตพื้นที่", "หอประชุมอำเภอ", "อำเภอเมือง", "อำเภอบ้านไผ่", "อำเภอพล",
          "อำเภอชนบท", "ศูนย์เครือข่ายที่ ๑", "ศูนย์เครือข่ายที่ ๒", "ศูนย์เครือข่ายที่ ๓"]
YEARS = [2568, 2569, 2570]
NOT_USED = ["หุ่นยนต์อวกาศ", "ภาษาจีนกลาง", "เรือดำน้ำ", "ตลาดหลักทรัพย์", "ฟุตบอลโลก"]
SHORT = ["ป.", "ม.", "ครั้ง 1", "ก", "ค่าย ม.", "ITA"]


def _zipf(rng: random.Random, words: list[str]) -> str:
    return rng.choices(words, [1 / (rank + 1) for rank in range(len(words))])[0]


def title(rng: random.Random) -> str:
    form = rng.random()
    act, topic, place = _zipf(rng, ACTS), _zipf(rng, TOPICS), _zipf(rng, PLACES)
    if form < 0.4:
        return f"{act}{topic} ณ {place}"
    if form < 0.7:
        return f"{act}{topic} ครั้งที่ {rng.randint(1, 12)}/{rng.choice(YEARS)}"
    if form < 0.9:
        return f"{act}เรื่อง{topic}ประจำปีงบประมาณ {rng.choice(YEARS)}"
    return f"{place} {act}{topic}"


def description(rng: random.Random) -> str:
    return " ".join(f"{_zipf(rng, ACTS)}{_zipf(rng, TOPICS)}ร่วมกับ{_zipf(rng, PLACES)}"
                    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])))


@dataclass
class Archive:
    submissions: list[dict] = field(default_factory=list)
    versions: list[dict] = field(default_factory=list)
    attachments: list[dict] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)
    audit: list[dict] = field(default_factory=list)
    publications: list[dict] = field(default_factory=list)


def generate(n: int, *, office_id: int, unit_ids: list[int], people: list[int],
             approvers: tuple[int, int], end: datetime, seed: int = 7) -> Archive:
    """`n` published items (3 % of them later retracted), one every ~20 minutes up to `end`."""
    rng = random.Random(seed)
    a = Archive()
    at = end - timedelta(minutes=20 * n)
    for i in range(1, n + 1):
        at += timedelta(minutes=rng.uniform(5, 35))
        kind = rng.choice(["document", "document", "photos", "announcement"])
        category, unit = rng.choice(CATEGORIES), rng.choice(unit_ids)
        submitted = at - timedelta(hours=rng.uniform(4, 72))
        a.submissions.append({"id": i, "office_id": office_id, "submitter_id": rng.choice(people),
                              "unit_id": unit, "kind": kind, "category_code": category,
                              "status": "published", "current_version": 1, "created_at": submitted,
                              "updated_at": at, "submitted_at": submitted, "finished_at": at})
        a.versions.append({"id": i, "submission_id": i, "number": 1, "title": title(rng),
                           "description": description(rng), "created_at": submitted})
        for position in range(1, rng.choice([1, 1, 2, 3, 4]) + 1):
            photo = kind == "photos"
            a.attachments.append({
                "version_id": i, "position": position, "status": "stored",
                "sha256": f"{i:032x}{position:032x}",
                "filename": f"ภาพ-{position}.jpg" if photo else f"{_zipf(rng, ACTS)}-{i}.pdf",
                "kind": "jpg" if photo else "pdf", "mime": "image/jpeg" if photo else "application/pdf",
                "size": rng.randint(50_000, 3_000_000), "page_count": None if photo else rng.randint(1, 12),
                "caption": f"{_zipf(rng, TOPICS)}{_zipf(rng, PLACES)}" if photo else ""})
        for position, role in enumerate(("unit_director", "office_director"), start=1):
            decided = submitted + (at - submitted) * position / 2
            a.steps.append({"submission_id": i, "position": position, "role": role,
                            "approver_id": approvers[position - 1], "status": "approved", "version": 1,
                            "waiting_since": submitted, "decided_at": decided,
                            "decided_by_id": approvers[position - 1]})
            a.audit.append({"office_id": office_id, "submission_id": i, "actor_id": approvers[position - 1],
                            "action": "approve", "from_state": "pending", "to_state": "pending",
                            "version": 1, "data": {"step": position}, "created_at": decided,
                            "prev_hash": "0" * 64, "hash": "0" * 64, "file_hashes": []})
        a.audit.append({"office_id": office_id, "submission_id": i, "actor_id": people[0],
                        "action": "submit", "from_state": "draft", "to_state": "pending", "version": 1,
                        "data": {}, "created_at": submitted, "prev_hash": "0" * 64, "hash": "0" * 64,
                        "file_hashes": []})
        retracted = at + timedelta(days=rng.uniform(1, 30)) if rng.random() < 0.03 else None
        if retracted:
            a.submissions[-1]["status"] = "retracted"
        a.publications.append({"id": i, "office_id": office_id, "submission_id": i, "version": 1,
                               "category_code": category, "unit_id": unit, "published_at": at,
                               "views": rng.randint(0, 40), "retracted_at": retracted,
                               "retract_reason": "ข้อมูลคลาดเคลื่อน" if retracted else None})
    return a


def insert_archive(conn: Connection, a: Archive, chunk: int = 20_000) -> int:
    """Bulk insert (SQLAlchemy core executemany), then index the live items; returns how many."""
    for model, rows in ((Submission, a.submissions), (SubmissionVersion, a.versions),
                        (Attachment, a.attachments), (ApprovalStep, a.steps), (AuditEntry, a.audit),
                        (Publication, a.publications)):
        for i in range(0, len(rows), chunk):
            conn.execute(insert(model), rows[i:i + chunk])
    if conn.dialect.name == "postgresql":
        for table in ("submissions", "submission_versions", "publications"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
    return search_index.rebuild(conn)


def queries(rng: random.Random, n: int) -> list[str]:
    """What readers type: mostly common words, place names, numbers, two-word queries, a few
    words nobody wrote, short terms and Latin."""
    kinds = [
        (30, lambda: _zipf(rng, ACTS)), (20, lambda: _zipf(rng, TOPICS)),
        (12, lambda: rng.choice(PLACES)), (10, lambda: f"{_zipf(rng, ACTS)} {rng.choice(PLACES)}"),
        (8, lambda: f"{rng.randint(1, 12)}/{rng.choice(YEARS)}"), (8, lambda: rng.choice(NOT_USED)),
        (7, lambda: rng.choice(SHORT)), (5, lambda: rng.choice(["ITA", "O-NET", "pdf", "covid"])),
    ]
    weights, makers = zip(*kinds, strict=True)
    return [rng.choices(makers, weights)[0]() for _ in range(n)]
