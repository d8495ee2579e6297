"""After the final approval (ข้อ ๓.๑ ๖)–๗)): the item is published on the portal at once, or
handed to ICT for their tap; PR gets the card, the share text and the A4 notice; the ITA record
names who supplied, approved and published it; ICT can retract it with a reason. Every card goes
through the fake LINE's schema checks, and the pushes each publication costs are counted."""

from __future__ import annotations

import io
import threading

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from bot.files import links
from bot.office.org import person_by_key
from bot.publishing import addresses, procedure
from bot.publishing import cards as cards
from bot.publishing.errors import PublishError
from bot.publishing.item import AUTO_PUBLISHER, describe, summary_lines
from bot.publishing.record import record_pdf
from bot.sandbox.line_fake.schema import validate_messages
from bot.spine.db import transaction
from bot.thai.dates import thai_date
from handlers.publish import REASON_WAIT
from models import AuditEntry, Conversation, Office, OutboxMessage, Publication, Submission, utcnow
from tests import samples
from tests.conftest import link
from tests.factories import make_item, register_pr_group
from tests.flex import actions, data, joined
from tests.line_driver import group_id, user_id

PR_GROUP = "pr-team"
PR_MEMBERS = ("nittaya", "sakda", "wilai", "member-4", "member-5")
ICT = ("pimchanok", "anan", "teerapong")
BASE = "https://prakat.example.go.th"


@pytest.fixture
def office_ready(people, fake):
    """The example office with all three ICT people linked and a five-member PR group."""
    for key in ("anan", "teerapong"):
        link(people, key)
    with transaction(people.factory) as session:
        register_pr_group(session, session.scalars(select(Office)).one().id, group_id(PR_GROUP))
    fake.add_group(group_id(PR_GROUP), "งานประชาสัมพันธ์", [user_id(k) for k in PR_MEMBERS])
    return people


def set_mode(runtime, mode: str) -> None:
    with transaction(runtime.factory) as session:
        session.scalars(select(Office)).one().publish_mode = mode


def approved_item(runtime, **kw) -> int:
    kw.setdefault("files", [("ประกาศผู้ชนะ.pdf", samples.pdf(2), "application/pdf")])
    with transaction(runtime.factory) as session:
        return make_item(session, state="approved", store=links.store(runtime.config), **kw).id


def final_approval(runtime, sid: int, actor: str | None = "somchai") -> tuple[Publication | None, list]:
    """What the workflow does at the last approval: call on_final_approval in its transaction."""
    replies: list[dict] = []
    with transaction(runtime.factory) as session:
        actor_id = person_by_key(session, actor).id if actor else None
        pub = procedure.on_final_approval(session, session.get(Submission, sid), actor_id=actor_id,
                                           event_id="01TESTEVENT", now=utcnow(),
                                           reply=replies.append, config=runtime.config)
        pub_id = pub.id if pub else None
    with runtime.factory() as session:
        return (session.get(Publication, pub_id) if pub_id else None), replies


def outbox(runtime, purpose: str) -> list[OutboxMessage]:
    with runtime.factory() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == purpose)
                                    .order_by(OutboxMessage.id)))


def audit(runtime, action: str) -> list[AuditEntry]:
    with runtime.factory() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def status(runtime, sid: int) -> str:
    with runtime.factory() as session:
        return session.get(Submission, sid).status


def flex_to(fake, key: str) -> list[dict]:
    return [m for m in fake.messages_to(user_id(key)) if m["type"] == "flex"]


# --- publishing ------------------------------------------------------------------------------

def test_final_approval_publishes_at_once_in_portal_mode(office_ready, line, fake, client):
    runtime = office_ready
    sid = approved_item(runtime, title="ประกาศผู้ชนะการเสนอราคาจัดซื้อวัสดุสำนักงาน", category="1.9",
                        description="จัดซื้อวัสดุสำนักงาน ๑๒ รายการ\nผู้ชนะ ร้านตากพาณิชย์", submitter="wanpen",
                        approvers=("suda", "somchai"))
    pub, replies = final_approval(runtime, sid)
    assert pub is not None and status(runtime, sid) == "published"
    assert pub.published_by_id is None  # nobody tapped: the portal published it
    # the deciding director's confirmation rides on their reply (free), with the record button
    [card] = replies
    assert validate_messages(replies) == []
    assert "เผยแพร่บนเว็บไซต์แล้ว" in joined(card)
    assert actions(card)["เปิดหน้าเว็บไซต์"]["uri"] == f"{BASE}/p/{pub.id}"
    assert "บันทึกขออนุญาตเผยแพร่ (PDF)" in actions(card)
    assert "ถอนการเผยแพร่" not in actions(card)  # a director is not ICT
    # audited with the stored files' hashes and the LINE event
    [entry] = audit(runtime, "publish")
    with runtime.factory() as session:
        stored = [a.sha256 for a in session.get(Submission, sid).version().attachments]
    assert (entry.from_state, entry.to_state, entry.file_hashes) == ("approved", "published", stored)
    assert entry.webhook_event_id == "01TESTEVENT" and entry.data["publication_id"] == pub.id

    line.drain()
    pr = fake.messages_to(group_id(PR_GROUP))
    assert [m["type"] for m in pr] == ["flex", "text"]
    assert actions(pr[0])["ใบประกาศ A4 สำหรับบอร์ด"]["uri"] == f"{BASE}/p/{pub.id}/notice.pdf"
    assert pr[0]["contents"]["hero"]["url"] == f"{BASE}/p/{pub.id}/card.png"
    share = pr[1]["text"]
    assert share.startswith("📢 ประกาศผู้ชนะการเสนอราคาจัดซื้อวัสดุสำนักงาน\n\n")
    assert "จัดซื้อวัสดุสำนักงาน ๑๒ รายการ\nผู้ชนะ ร้านตากพาณิชย์" in share
    assert f"👉 อ่านรายละเอียดและดาวน์โหลดเอกสาร: {BASE}/p/{pub.id}" in share and "#สพปตากเขต๒ #จัดซื้อจัดจ้าง" in share
    assert f"{BASE}/p/{pub.id}" in line.texts_to("wanpen")[-1]
    for key in ICT:
        [ict_card] = flex_to(fake, key)
        assert "ถอนการเผยแพร่" in actions(ict_card)
    assert flex_to(fake, "somchai") == []  # answered by reply, not pushed again
    assert client.get(f"/p/{pub.id}", headers={"User-Agent": "Mozilla/5.0"}).status_code == 200


def test_ict_mode_waits_for_an_ict_tap_and_refuses_strangers(office_ready, line, fake):
    runtime = office_ready
    set_mode(runtime, "ict")
    sid = approved_item(runtime, title="คู่มือการปฏิบัติงานกลุ่มนโยบายและแผน", category="1.10")
    pub, replies = final_approval(runtime, sid)
    assert pub is None and status(runtime, sid) == "approved"
    assert "ส่งต่อให้เจ้าหน้าที่ ICT (๓ คน)" in replies[0]["text"]
    line.drain()
    request_card = flex_to(fake, "pimchanok")[-1]
    assert "รอเผยแพร่บนเว็บไซต์" in joined(request_card)
    assert actions(request_card)["ดูตัวอย่างหน้าเว็บ"]["uri"].startswith(f"{BASE}/preview/")
    assert all(len(flex_to(fake, k)) == 1 for k in ICT)
    tap = data(request_card, "เผยแพร่")

    # a staff member who got hold of the button: refused, audited, nothing changes
    said = line.tap("kanya", tap)
    assert "สำหรับผู้มีหน้าที่เกี่ยวข้องเท่านั้น" in said[0]["text"]
    assert status(runtime, sid) == "approved"
    assert [e.data["reason"] for e in audit(runtime, "publish_refused")] == ["role"]

    said = line.tap("pimchanok", tap)
    assert status(runtime, sid) == "published"
    assert "เผยแพร่บนเว็บไซต์แล้ว" in joined(said[-1]) and "ถอนการเผยแพร่" in actions(said[-1])
    with runtime.factory() as session:
        pub = procedure.publication_of(session, sid)
        assert pub.published_by.name == "นางสาวพิมพ์ชนก เรืองศรี"
    assert [m["type"] for m in fake.messages_to(group_id(PR_GROUP))] == ["flex", "text"]
    assert f"/p/{pub.id}" in line.texts_to("kanya")[-1]

    # a second tap (another ICT person's card): told who did it, nothing twice
    said = line.tap("anan", tap)
    assert "เผยแพร่แล้วค่ะ โดยนางสาวพิมพ์ชนก เรืองศรี" in said[0]["text"]
    assert len(audit(runtime, "publish")) == 1
    assert len(fake.messages_to(group_id(PR_GROUP))) == 2


def test_two_simultaneous_taps_publish_once(office_ready, line, fake):
    runtime = office_ready
    set_mode(runtime, "ict")
    sid = approved_item(runtime)
    final_approval(runtime, sid)
    line.drain()
    tap = data(flex_to(fake, "pimchanok")[-1], "เผยแพร่")
    events = [line.postback_event(key, tap) for key in ("pimchanok", "anan")]
    barrier = threading.Barrier(2)

    def post(event):
        barrier.wait()
        assert line.post(event).status_code == 200

    threads = [threading.Thread(target=post, args=(e,)) for e in events]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    line.drain()
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(Publication)) == 1
    assert len(audit(runtime, "publish")) == 1
    answers = [m.get("text") or m.get("altText") for k in ("pimchanok", "anan")
               for m in fake.messages_to(user_id(k))[1:]]
    assert sum("เผยแพร่แล้วค่ะ โดย" in a for a in answers) == 1
    assert sum(a.startswith("เผยแพร่แล้ว:") for a in answers) == 1


def test_publish_refuses_what_is_not_approved_and_keeps_the_approval_without_files(office_ready):
    runtime = office_ready
    with transaction(runtime.factory) as session:
        pending = make_item(session, state="pending")
        with pytest.raises(PublishError) as refused:
            procedure.publish(session, pending, publisher_id=None, event_id=None, now=utcnow(),
                               config=runtime.config)
        assert refused.value.code == "not_approved" and pending.status == "pending"
    # files recorded but missing from the store: the portal refuses, the approval stands
    with transaction(runtime.factory) as session:
        sid = make_item(session, state="approved", store=None,
                        files=[("lost.pdf", samples.pdf(1), "application/pdf")]).id
    pub, replies = final_approval(runtime, sid)
    assert pub is None and status(runtime, sid) == "approved"
    assert "ยังเผยแพร่ไม่ได้" in replies[0]["text"] and "lost.pdf" in replies[0]["text"]
    # an ICT tap (or the CLI) refused the same way leaves nothing half-written behind
    with transaction(runtime.factory) as session, pytest.raises(PublishError, match="lost.pdf"):
        procedure.publish(session, session.get(Submission, sid), publisher_id=None,
                           event_id=None, now=utcnow(), config=runtime.config)
    assert status(runtime, sid) == "approved"
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(Publication)) == 0
    assert audit(runtime, "publish") == []


# --- retracting ------------------------------------------------------------------------------

def test_ict_retracts_with_a_reason_and_the_portal_answers_410(office_ready, line, fake, client):
    runtime = office_ready
    sid = approved_item(runtime, title="ประกาศรับสมัครที่ผิดพลาด")
    pub, _ = final_approval(runtime, sid)
    line.drain()
    retract = data(flex_to(fake, "pimchanok")[-1], "ถอนการเผยแพร่")

    said = line.tap("kanya", retract)
    assert "สำหรับผู้มีหน้าที่เกี่ยวข้องเท่านั้น" in said[0]["text"]
    said = line.tap("pimchanok", retract)
    assert "กรุณาพิมพ์เหตุผล" in said[0]["text"]
    assert line.text("pimchanok", "ยกเลิก")[0]["text"].startswith("ยกเลิกการถอนแล้ว")
    assert status(runtime, sid) == "published"

    line.tap("pimchanok", retract)
    assert "กรุณาระบุเหตุผล" in line.text("pimchanok", "ก")[0]["text"]  # too short: asked again
    said = line.text("pimchanok", "วันที่รับสมัครผิด จะประกาศฉบับแก้ไขแทน")
    assert said[0]["text"].startswith("ถอนการเผยแพร่เรื่อง “ประกาศรับสมัครที่ผิดพลาด” แล้วค่ะ")
    assert status(runtime, sid) == "retracted"
    [entry] = audit(runtime, "retract")
    assert (entry.from_state, entry.to_state) == ("published", "retracted")
    assert entry.data["reason"] == "วันที่รับสมัครผิด จะประกาศฉบับแก้ไขแทน"
    assert "กรุณานำออกด้วยค่ะ" in fake.messages_to(group_id(PR_GROUP))[-1]["text"]
    assert "ถูกถอนการเผยแพร่" in line.texts_to("kanya")[-1]

    response = client.get(f"/p/{pub.id}", headers={"User-Agent": "Mozilla/5.0"})
    assert response.status_code == 410
    assert "วันที่รับสมัครผิด จะประกาศฉบับแก้ไขแทน" in response.get_data(as_text=True)
    # the next text is just a text again, and a second retract tap says it is done
    said = line.tap("anan", retract)
    assert "ถูกถอนการเผยแพร่ไปแล้ว" in said[0]["text"] and "วันที่รับสมัครผิด" in said[0]["text"]
    assert len(outbox(runtime, f"retraction:{pub.id}")) == 2  # PR group + submitter


def test_a_forgotten_retract_request_does_not_eat_a_later_text(office_ready, line, fake):
    runtime = office_ready
    pub, _ = final_approval(runtime, approved_item(runtime))
    line.drain()
    line.tap("pimchanok", data(flex_to(fake, "pimchanok")[-1], "ถอนการเผยแพร่"))
    with transaction(runtime.factory) as session:
        conv = session.scalars(select(Conversation).filter_by(line_user_id=user_id("pimchanok"))).first()
        conv.updated_at = utcnow() - REASON_WAIT * 2
    said = line.text("pimchanok", "สวัสดีค่ะ")
    assert "หมดเวลาแล้ว" in said[0]["text"]
    with runtime.factory() as session:
        assert session.get(Publication, pub.id).retracted_at is None


# --- the record and the CLI ------------------------------------------------------------------

def pdf_text(data: bytes) -> str:
    """As pypdf extracts it, without whitespace and the control characters fpdf2's ToUnicode
    map puts after a shaped SARA AM (ำ)."""
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return "".join(ch for ch in text if not ch.isspace() and ord(ch) >= 0x20)


def squash(text: str) -> str:
    return "".join(text.split())


def test_the_record_names_who_supplied_approved_and_published(office_ready, line, fake, client):
    runtime = office_ready
    set_mode(runtime, "ict")
    sid = approved_item(runtime, title="แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. ๒๕๗๐", category="1.6",
                        description="แผนปฏิบัติการประจำปีของสำนักงาน", approvers=("prasert", "somchai"))
    final_approval(runtime, sid)
    line.drain()
    line.tap("pimchanok", data(flex_to(fake, "pimchanok")[-1], "เผยแพร่"))
    with runtime.factory() as session:
        pub = procedure.publication_of(session, sid)
    published_card = fake.messages_to(user_id("pimchanok"))[-1]
    record_tap = data(published_card, "บันทึกขออนุญาตเผยแพร่ (PDF)")

    assert "สำหรับผู้มีหน้าที่เกี่ยวข้องเท่านั้น" in line.tap("kanya", record_tap)[0]["text"]
    said = line.tap("somchai", record_tap)  # a director may download it too
    url = said[0]["text"].splitlines()[-1]
    assert url.startswith(f"{BASE}/record/")
    response = client.get(url.removeprefix(BASE))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(response.data)
    with runtime.factory() as session:
        people = {k: person_by_key(session, k) for k in ("kanya", "prasert", "somchai", "pimchanok")}
        expected = [p.name for p in people.values()] + [p.position for p in people.values()]
        expected += ["สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒", "แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. ๒๕๗๐",
                     f"{BASE}/p/{pub.id}", thai_date(pub.published_at), "กลุ่มนโยบายและแผน",
                     "แบบฟอร์มการขอเผยแพร่ข้อมูลผ่านเว็บไซต์ของหน่วยงาน"]
    for words in expected:
        assert squash(words) in text, words
    assert client.get(url.removeprefix(BASE)[:-4] + "abcd").status_code == 403


def test_cli_record_unpublish_and_publish(office_ready, app, tmp_path, client):
    runtime = office_ready
    pub, _ = final_approval(runtime, approved_item(runtime, title="ข้อมูลสารสนเทศทางการศึกษา", category="1.8"))
    runner = app.test_cli_runner()
    out = tmp_path / "record.pdf"
    result = runner.invoke(args=["record", str(pub.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes())
    assert squash("ข้อมูลสารสนเทศทางการศึกษา") in text and squash(AUTO_PUBLISHER) in text
    assert runner.invoke(args=["record", "999"]).exit_code != 0

    refused = runner.invoke(args=["unpublish", str(pub.id), "--reason", "ข้อมูลผิด", "--by", "kanya"])
    assert refused.exit_code != 0 and "not ICT or admin" in refused.output
    result = runner.invoke(args=["unpublish", str(pub.id), "--reason", "ข้อมูลคลาดเคลื่อน",
                                 "--by", "pimchanok"])
    assert result.exit_code == 0, result.output
    assert client.get(f"/p/{pub.id}").status_code == 410
    again = runner.invoke(args=["unpublish", str(pub.id), "--reason", "ซ้ำ"])
    assert again.exit_code != 0 and "ถอนการเผยแพร่ไปแล้ว" in again.output
    [entry] = audit(runtime, "retract")
    with runtime.factory() as session:
        assert entry.actor_id == person_by_key(session, "pimchanok").id

    set_mode(runtime, "ict")
    sid = approved_item(runtime, title="รอ ICT")
    final_approval(runtime, sid)
    result = runner.invoke(args=["publish", str(sid), "--by", "teerapong"])
    assert result.exit_code == 0 and f"{BASE}/p/" in result.output
    assert status(runtime, sid) == "published"


# --- cards and quota -------------------------------------------------------------------------

def test_cards_fit_line_limits_with_a_long_title_and_many_files(office_ready):
    runtime = office_ready
    title = "ประกาศ" + "การจัดซื้อจัดจ้างวัสดุอุปกรณ์สำหรับโรงเรียนในสังกัด " * 12
    files = [(f"เอกสารแนบลำดับที่ {i} ที่มีชื่อยาวมากเพื่อทดสอบ.pdf", samples.pdf(1, marker=str(i)),
              "application/pdf") for i in range(12)]
    with transaction(runtime.factory) as session:
        submission = make_item(session, title=title[:300], description="รายละเอียด " * 400,
                               files=files, store=links.store(runtime.config))
        pub = procedure.publication_of(session, submission.id)
        view = describe(session, submission, pub)
    urls = addresses.Links(BASE)
    messages = [cards.pr_card(view, urls), cards.published_card(view, urls, can_retract=True, can_record=True),
                cards.publish_request_card(view, f"{BASE}/preview/x", None),
                {"type": "text", "text": cards.share_text(view, urls)}]
    assert validate_messages(messages) == []
    assert len(summary_lines(view)) <= 200


@pytest.mark.parametrize("mode", ["portal", "ict"])
def test_pushes_per_publication(office_ready, line, fake, mode, capsys):
    """The quota table of docs/PUBLISHING.md: run with -s to print it."""
    runtime = office_ready
    set_mode(runtime, mode)
    sid = approved_item(runtime)
    final_approval(runtime, sid)
    line.drain()
    if mode == "ict":
        line.tap("pimchanok", data(flex_to(fake, "pimchanok")[-1], "เผยแพร่"))
    with runtime.factory() as session:
        pid = procedure.publication_of(session, sid).id
    rows = outbox(runtime, f"publish-request:{sid}") + outbox(runtime, f"publication:{pid}")
    assert all(r.kind == "push" and r.status == "sent" for r in rows)
    members, ict = len(PR_MEMBERS), len(ICT)
    # PR group (one push, billed per member) + submitter + ICT (each told in portal mode,
    # each handed the card in ict mode; the one who taps is answered by reply)
    assert len(rows) == 1 + 1 + ict
    assert fake.pushes_count == members + 1 + ict
    with capsys.disabled():
        print(f"\n{mode}: {len(rows)} push calls, {fake.pushes_count} messages counted against the "
              f"quota (PR group of {members}, {ict} ICT people, 1 submitter)")


def test_through_the_chat_the_last_approval_publishes_and_answers_the_director(office_ready, line,
                                                                                fake, client):
    """The whole procedure: staff submit, the two directors approve from their cards."""
    from tests.test_approvals import latest_card, submit_document

    submit_document(line, title="รายงานผลการดำเนินงานไตรมาสที่ ๑")
    line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    line.tap("somchai", data(latest_card(fake, "somchai"), "อนุมัติ"))
    [answer] = [d for d in fake.deliveries if d.to == user_id("somchai")][-1:]
    assert answer.kind == "reply"  # the director's confirmation is free
    said = answer.messages
    with office_ready.factory() as session:
        pub = session.scalars(select(Publication)).one()
        assert pub.submission.status == "published"
    mine = [m for m in said if m["type"] == "flex" and "เผยแพร่บนเว็บไซต์แล้ว" in joined(m)]
    assert len(mine) == 1 and actions(mine[0])["เปิดหน้าเว็บไซต์"]["uri"] == f"{BASE}/p/{pub.id}"
    assert f"{BASE}/p/{pub.id}" in line.texts_to("kanya")[-1]
    assert fake.messages_to(group_id(PR_GROUP))[-1]["text"].startswith("📢 รายงานผลการดำเนินงานไตรมาสที่ ๑")
    page = client.get(f"/p/{pub.id}", headers={"User-Agent": "Mozilla/5.0"}).get_data(as_text=True)
    assert "อนุมัติโดย นายประเสริฐ วงศ์ใหญ่" in page and "อนุมัติโดย นายสมชาย ใจดี" in page


def test_an_acting_director_is_named_as_acting_on_the_page_and_the_record(office_ready, line, fake,
                                                                          client):
    from bot.office.org import set_acting
    from bot.spine.audit import verify
    from bot.thai.dates import to_bangkok
    from tests.test_approvals import latest_card, submit_document

    link(office_ready, "manee")
    today = to_bangkok(utcnow()).date()
    with transaction(office_ready.factory) as session:
        set_acting(session, person_by_key(session, "somchai"), person_by_key(session, "manee"),
                   today, today, "คำสั่งที่ 45/2569")
    submit_document(line, title="ประกาศรับสมัครครูอัตราจ้าง")
    line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    line.tap("manee", data(latest_card(fake, "manee"), "อนุมัติ"))
    with office_ready.factory() as session:
        pub = session.scalars(select(Publication)).one()
        record = pdf_text(record_pdf(session, pub, office_ready.config))
        assert verify(session).ok
    page = client.get(f"/p/{pub.id}", headers={"User-Agent": "Mozilla/5.0"}).get_data(as_text=True)
    assert "อนุมัติโดย นางมณี ศรีสุข" in page
    assert "รักษาราชการแทน ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒" in page
    for words in ("นางมณี ศรีสุข", "รักษาราชการแทน", "คำสั่งที่ 45/2569", "นายประเสริฐ วงศ์ใหญ่"):
        assert squash(words) in record, words
