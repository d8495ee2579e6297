"""Two offices in one deployment, each with its own LINE channel: routing, tokens, isolation.

The example office (examples/office.yaml, key "office") and a school (tests/offices/school.yaml,
key "school": other people, other chains, arabic digits) are loaded side by side from their org
files, each given its own channel; webhooks are signed with each office's own secret, and what
the fake LINE delivered is told apart by the access token each call came with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.office.channels import set_channel
from bot.office.org import create_group_code, create_invite, person_by_key
from bot.office.orgfile import load
from bot.spine import audit, postback
from bot.spine.db import transaction
from models import (
    ApprovalStep,
    AuditEntry,
    Conversation,
    GroupChat,
    InboundEvent,
    Office,
    OutboxMessage,
    Person,
    Submission,
    Unit,
    utcnow,
)
from tests.conftest import OFFICE_YAML, SECRET, TOKEN, link
from tests.factories import register_pr_group
from tests.flex import actions, data, joined
from tests.line_driver import LineDriver, group_id, sign, user_id
from tests.test_approvals import latest_card
from tests.test_submit import document_to_confirmation

SCHOOL_YAML = (Path(__file__).parent / "offices" / "school.yaml").read_text(encoding="utf-8")
SEALING_KEY = "test-prakat-secret-key"


@dataclass(frozen=True)
class Channel:
    key: str
    channel_id: str
    secret: str
    token: str
    bot: str


TAK = Channel("office", "2000000001", "secret-of-tak2", "token-of-tak2", "U" + "a" * 32)
SCHOOL = Channel("school", "2000000002", "secret-of-the-school", "token-of-the-school", "U" + "b" * 32)
TAK_NAME, SCHOOL_NAME = "ประถมศึกษาตาก", "ห้วยทราย"  # a part of each office's name
# What only one office's messages may say: its short name and its people's names. (The category
# texts are per office on the categories branch; until it is merged they name the seed office.)
OWN_WORDS = {"office": ("สพป.ตาก", "กัญญา", "ประเสริฐ", "สมชาย", "นิตยา"),
             "school": ("ร.ร.บ้านห้วยทราย", "อรอนงค์", "บุญส่ง", "รัตนาภรณ์")}


class OfficeDriver(LineDriver):
    """LINE as one office's channel sees it: its destination, its secret, its reply tokens
    (good only with its access token), and only the deliveries made with its token."""

    def __init__(self, client, fake, runtime, channel: Channel, *, by_address: bool):
        super().__init__(client, fake, runtime, channel.secret)
        self.channel, self.by_address = channel, by_address

    def event(self, type_: str, *, reply: bool = True, **fields) -> dict:
        event = super().event(type_, reply=False, **fields)
        if reply:
            source = event["source"]
            event["replyToken"] = self.fake.issue_reply_token(
                to=source.get("groupId") or source["userId"], channel=self.channel.token)
        return event

    def body(self, *events: dict) -> bytes:
        payload = {"destination": self.channel.bot, "events": list(events)}
        return json.dumps(payload, ensure_ascii=False).encode()

    def post(self, *events: dict, signature: str | None = None, raw: bytes | None = None,
             handle: bool = True):
        body = raw if raw is not None else self.body(*events)
        path = f"/callback/{self.channel.key}" if self.by_address else "/callback"
        response = self.client.post(path, data=body, headers={
            "X-Line-Signature": signature if signature is not None else sign(self.secret, body),
            "Content-Type": "application/json"})
        if handle:
            self.handle()
        return response

    def drain(self, timeout: float = 10.0) -> list[dict]:
        """Send every office's due rows; return what this channel delivered meanwhile."""
        before = len(self.said())
        super().drain(timeout)
        return self.said()[before:]

    def said(self) -> list[dict]:
        """Every message delivered with this channel's token so far."""
        return [m for d in self.fake.deliveries if d.token == self.channel.token for m in d.messages]


@pytest.fixture
def config(config):
    return replace(config, prakat_secret_key=SEALING_KEY)


def _office(session, key: str) -> Office:
    return session.scalars(select(Office).where(Office.key == key)).one()


@pytest.fixture
def offices(runtime, fake):
    """Both offices loaded from their org files, each with its own channel; their people linked
    and their PR groups registered. Returns {key: office id}."""
    with transaction(runtime.factory) as session:
        load(session, OFFICE_YAML)
        load(session, SCHOOL_YAML)
        for channel in (TAK, SCHOOL):
            set_channel(session, _office(session, channel.key), channel_id=channel.channel_id,
                        secret=channel.secret, token=channel.token, bot_user_id=channel.bot,
                        sealing_key=SEALING_KEY)
        ids = {key: _office(session, key).id for key in ("office", "school")}
        register_pr_group(session, ids["office"], group_id("pr-tak"))
        register_pr_group(session, ids["school"], group_id("pr-school"))
    runtime.channels.invalidate()
    for channel in (TAK, SCHOOL):
        fake.add_channel(channel.token)
    # Each group has its own office's bot in it (LINE lets one Official Account into a group):
    # a push there with the other office's token is refused, as LINE refuses it.
    fake.add_group(group_id("pr-tak"), "ประชาสัมพันธ์ เขต", [user_id("nittaya")], channel=TAK.token)
    fake.add_group(group_id("pr-school"), "ประชาสัมพันธ์ โรงเรียน", [user_id("kru_orn")], channel=SCHOOL.token)
    for key in ("kanya", "prasert", "somchai", "nittaya", "kru_orn", "boonsong", "rattana"):
        link(runtime, key)
    return ids


@pytest.fixture
def tak(client, fake, runtime) -> OfficeDriver:
    return OfficeDriver(client, fake, runtime, TAK, by_address=False)  # /callback, by destination


@pytest.fixture
def school(client, fake, runtime) -> OfficeDriver:
    return OfficeDriver(client, fake, runtime, SCHOOL, by_address=True)  # /callback/school


def _count(runtime, model, *where) -> int:
    with runtime.factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def _submit(driver: OfficeDriver, key: str, title: str) -> None:
    card = document_to_confirmation(driver, key, category="1.3", title=title)[-1]
    driver.tap(key, data(card, "ส่งขออนุญาตเผยแพร่"))


def _item(runtime, office_id: int) -> Submission:
    with runtime.factory() as session:
        return session.scalars(select(Submission).where(Submission.office_id == office_id)).one()


# --- the webhook ---------------------------------------------------------------------------------

def test_a_body_is_recorded_only_under_the_channel_whose_secret_signed_it(offices, client, tak, runtime):
    body = tak.body(tak.text_event("kanya", "สวัสดีค่ะ"))
    stranger = json.dumps({"destination": "U" + "f" * 32, "events": []}).encode()
    unsaid = json.dumps({"events": []}).encode()
    refused = [
        ("/callback", body, SCHOOL.secret),           # the tak2 bot's body, the school's secret
        ("/callback/office", body, SCHOOL.secret),    # its address, another office's secret
        ("/callback/school", body, TAK.secret),       # tak2's secret on the school's address
        ("/callback/nowhere", body, TAK.secret),      # no such office
        ("/callback", stranger, TAK.secret),          # a bot no office has
        ("/callback", stranger, SECRET),              # the settings' channel: every office has its own
        ("/callback", unsaid, SECRET),
    ]
    for path, raw, secret in refused:
        answer = client.post(path, data=raw, headers={"X-Line-Signature": sign(secret, raw)})
        assert answer.status_code == 400, (path, secret)
    assert _count(runtime, InboundEvent) == 0  # nothing written for any of them

    assert client.post("/callback", data=body, headers={"X-Line-Signature": sign(TAK.secret, body)}
                       ).status_code == 200
    school_body = json.dumps({"destination": SCHOOL.bot, "events": [
        {**json.loads(body)["events"][0], "webhookEventId": "01SCHOOLEVENT0000000000000"}]}).encode()
    assert client.post("/callback/school", data=school_body,
                       headers={"X-Line-Signature": sign(SCHOOL.secret, school_body)}).status_code == 200
    with runtime.factory() as session:
        recorded = dict(session.execute(select(InboundEvent.webhook_event_id, InboundEvent.office_id)).all())
    assert sorted(recorded.values()) == sorted([offices["office"], offices["school"]])


def test_the_channels_are_sealed_at_rest(offices, runtime):
    with runtime.factory() as session:
        stored = session.execute(select(Office.line_channel_secret, Office.line_access_token)).all()
    flat = " ".join(v for row in stored for v in row)
    for channel in (TAK, SCHOOL):
        assert channel.secret not in flat and channel.token not in flat


# --- two procedures side by side -----------------------------------------------------------------

def test_each_office_walks_a_document_through_its_own_chain_at_the_same_time(offices, tak, school,
                                                                             fake, runtime):
    tak_card = document_to_confirmation(tak, "kanya", category="1.3", title="รายงานผลงานของเขต")[-1]
    school_card = document_to_confirmation(school, "kru_orn", category="1.3",
                                           title="ประกาศรับสมัครนักเรียน")[-1]
    # Both offices' taps recorded before either is handled; one pass of the stage takes both.
    tak.post(tak.postback_event("kanya", data(tak_card, "ส่งขออนุญาตเผยแพร่")), handle=False)
    school.post(school.postback_event("kru_orn", data(school_card, "ส่งขออนุญาตเผยแพร่")), handle=False)
    assert tak.handle() == 2
    tak.drain()
    school.drain()

    school.tap("boonsong", data(latest_card(fake, "boonsong"), "อนุมัติ"))  # the school: one step
    tak.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    assert _item(runtime, offices["office"]).status == "pending"
    assert _item(runtime, offices["school"]).status == "published"
    tak.tap("somchai", data(latest_card(fake, "somchai"), "อนุมัติ"))
    assert _item(runtime, offices["office"]).status == "published"

    # Every message went with its own office's token, and reads only its own office's name.
    people = {office: {user_id(p) for p in keys} | {group_id(g)} for office, keys, g in (
        ("office", ("kanya", "prasert", "somchai", "nittaya"), "pr-tak"),
        ("school", ("kru_orn", "boonsong", "rattana"), "pr-school"))}
    for delivery in fake.deliveries:
        office = "office" if delivery.token == TAK.token else "school"
        assert delivery.token in (TAK.token, SCHOOL.token)
        assert delivery.to in people[office], (delivery.to, office)
        text = "\n".join(joined(m) for m in delivery.messages)
        other = "school" if office == "office" else "office"
        assert not [word for word in OWN_WORDS[other] if word in text], (office, text)
    # Each PR group got its own office's card, and only that one.
    tak_pr = "\n".join(joined(m) for m in fake.messages_to(group_id("pr-tak")))
    school_pr = "\n".join(joined(m) for m in fake.messages_to(group_id("pr-school")))
    assert "รายงานผลงานของเขต" in tak_pr and "ประกาศรับสมัครนักเรียน" not in tak_pr
    assert "ประกาศรับสมัครนักเรียน" in school_pr and "รายงานผลงานของเขต" not in school_pr
    # Every outbox row carries its office; every event too.
    assert _count(runtime, OutboxMessage, OutboxMessage.office_id.is_(None)) == 0
    assert _count(runtime, InboundEvent, InboundEvent.office_id.is_(None)) == 0

    # The audit chains are per office and verify independently; breaking one leaves the other.
    with transaction(runtime.factory) as session:
        for office_id in offices.values():
            assert audit.verify(session, office_id).ok
            assert audit.verify(session, office_id).checked > 0
        assert audit.verify(session).ok
        first = session.scalars(select(AuditEntry).where(AuditEntry.office_id == offices["school"])
                                .order_by(AuditEntry.id)).first()
        session.execute(update(AuditEntry).where(AuditEntry.id == first.id)
                        .values(data={"edited": True}))
    with runtime.factory() as session:
        assert audit.verify(session, offices["office"]).ok
        assert not audit.verify(session, offices["school"]).ok
        assert audit.verify(session, offices["school"]).broken_id == first.id


def test_a_user_linked_in_one_office_is_a_stranger_to_the_others_bot(offices, tak, school, runtime):
    document_to_confirmation(tak, "kanya", category="1.3", title="รายงานผลงาน")  # a draft waits on tak2
    said = school.text("kanya", "สวัสดีค่ะ")
    shown = joined(said[-1])
    assert SCHOOL_NAME in shown and TAK_NAME not in shown  # the school's greeting for the public
    assert "กัญญา" not in shown
    with runtime.factory() as session:
        states = dict(session.execute(select(Conversation.office_id, Conversation.state)
                                      .where(Conversation.line_user_id == user_id("kanya"))).all())
    assert states[offices["office"]].startswith("draft")  # tak2's draft is untouched
    assert states.get(offices["school"], "idle") == "idle"
    assert tak.text("kanya", "ยกเลิก")  # and tak2 still knows her


def test_a_forged_postback_with_the_other_offices_ids_changes_nothing(offices, tak, school, fake, runtime):
    _submit(school, "kru_orn", "ประกาศรับสมัครนักเรียน")
    item = _item(runtime, offices["school"])
    with transaction(runtime.factory) as session:
        step = session.scalars(select(ApprovalStep).where(ApprovalStep.submission_id == item.id,
                                                          ApprovalStep.status == "waiting")).one()
        # The same human directs at tak2 and is the school's approver, on one LINE account.
        person_by_key(session, "boonsong").line_user_id = user_id("somchai")
    school_rows = _count(runtime, AuditEntry, AuditEntry.office_id == offices["school"])

    forged = postback.encode("decide", s=step.id, v=step.version, a="approve")
    said = tak.tap("somchai", forged)
    assert "ไม่พบเรื่องนี้" in said[-1]["text"]
    said = tak.tap("somchai", postback.encode("decide", s=step.id, v=step.version, a="reject"))
    assert "ไม่พบเรื่องนี้" in said[-1]["text"]
    withdraw = tak.tap("kanya", postback.encode("mine", s=item.id, a="withdraw"))
    assert "ไม่พบเรื่องนี้" in withdraw[-1]["text"]

    with runtime.factory() as session:
        assert session.get(ApprovalStep, step.id).status == "waiting"
        assert session.get(Submission, item.id).status == "pending"
        refused = session.scalars(select(AuditEntry).where(AuditEntry.action == "refused")).all()
    assert _count(runtime, AuditEntry, AuditEntry.office_id == offices["school"]) == school_rows
    assert refused and all(r.office_id == offices["office"] and r.submission_id is None for r in refused)
    # On the school's own bot the same account is the school's approver, and decides.
    school.tap("somchai", data(latest_card(fake, "boonsong"), "อนุมัติ"))  # the card he got before
    assert _item(runtime, offices["school"]).status == "published"


def test_codes_link_and_register_only_on_their_own_offices_bot(offices, tak, school, runtime):
    with transaction(runtime.factory) as session:
        code = create_invite(session, person_by_key(session, "kru_chai"), utcnow())
        group_code = create_group_code(session, session.get(Office, offices["school"]), "management",
                                       utcnow())
    said = tak.text("newcomer", code)  # the school's code on tak2's bot
    assert "รหัส" in said[-1]["text"]
    with runtime.factory() as session:
        assert person_by_key(session, "kru_chai").line_user_id is None
    tak.send(tak.text_event("kru_orn", group_code, group="teachers"))
    assert _count(runtime, GroupChat, GroupChat.purpose == "management") == 0

    said = school.text("newcomer", code)
    with runtime.factory() as session:
        linked = person_by_key(session, "kru_chai")
        assert linked.line_user_id == user_id("newcomer") and linked.office_id == offices["school"]
    school.send(school.text_event("kru_orn", group_code, group="teachers"))
    with runtime.factory() as session:
        group = session.scalars(select(GroupChat).where(GroupChat.purpose == "management")).one()
    assert group.office_id == offices["school"] and group.group_id == group_id("teachers")


def test_loading_one_offices_file_never_touches_the_others_rows(offices, runtime):
    def rows_of(office_id):
        with runtime.factory() as session:
            office = session.get(Office, office_id)
            people = session.execute(select(Person.key, Person.name, Person.active, Person.roles,
                                            Person.line_user_id, Person.unit_id)
                                     .where(Person.office_id == office_id).order_by(Person.id)).all()
            units = session.execute(select(Unit.key, Unit.name, Unit.active, Unit.director_id)
                                    .where(Unit.office_id == office_id).order_by(Unit.id)).all()
            return (office.name, office.chains, office.director_id, office.line_access_token,
                    people, units)

    school_before = rows_of(offices["school"])
    changed = OFFICE_YAML.replace("  - {key: nuttapong", "  # - {key: nuttapong")
    with transaction(runtime.factory) as session:
        assert load(session, changed)["deactivated"] == 1
    assert rows_of(offices["school"]) == school_before
    with transaction(runtime.factory) as session:
        load(session, SCHOOL_YAML.replace("academic, roles: [staff, pr]", "academic, roles: [staff]"))
    with runtime.factory() as session:
        assert person_by_key(session, "nittaya").roles == ["staff", "pr"]  # tak2's PR is still PR


# --- the command line ----------------------------------------------------------------------------

def test_org_list_and_org_channel_never_show_a_secret(offices, app, runtime, client, tmp_path):
    runner = app.test_cli_runner()
    listed = dict(line.split(" ", 1) for line in runner.invoke(args=["org", "list"]).output.splitlines())
    assert set(listed) == {"office", "school"}
    assert f"channel {SCHOOL.channel_id} ({SCHOOL.bot})" in listed["school"]
    assert "5 people, 3 linked" in listed["school"] and "26 people, 4 linked" in listed["office"]
    assert SCHOOL.secret not in str(listed) and SCHOOL.token not in str(listed)

    new_secret, new_token = "rotated-school-secret", "rotated-school-token"
    result = runner.invoke(args=["org", "channel", "school", "--channel-id", "2000000009",
                                 "--bot-user-id", "U" + "c" * 32], input=f"{new_secret}\n{new_token}\n")
    assert result.exit_code == 0, result.output
    assert new_secret not in result.output and new_token not in result.output
    assert "/callback/school" in result.output
    body = json.dumps({"destination": "U" + "c" * 32, "events": []}).encode()
    assert client.post("/callback/school", data=body,
                       headers={"X-Line-Signature": sign(new_secret, body)}).status_code == 200
    assert client.post("/callback/school", data=body,
                       headers={"X-Line-Signature": sign(SCHOOL.secret, body)}).status_code == 400

    taken = runner.invoke(args=["org", "channel", "office", "--channel-id", "1",
                                "--bot-user-id", "U" + "c" * 32], input="s\nt\n")
    assert taken.exit_code != 0 and "already" in taken.output
    missing = runner.invoke(args=["org", "channel", "office", "--channel-id", "1",
                                  "--bot-user-id", "U" + "d" * 32], input="only-a-secret\n")
    assert missing.exit_code != 0 and "nothing was changed" in missing.output

    path = tmp_path / "school.yaml"
    path.write_text(SCHOOL_YAML, encoding="utf-8")
    loaded = runner.invoke(args=["org", "load", str(path)])
    assert loaded.exit_code == 0 and "office 'school' (updated)" in loaded.output
    assert runner.invoke(args=["invite", "kanya", "--office", "school"]).exit_code != 0  # not theirs
    assert runner.invoke(args=["invite", "kanya", "--office", "office"]).exit_code == 0
    assert runner.invoke(args=["group-code", "pr"]).exit_code != 0  # which office? it must be said
    assert runner.invoke(args=["group-code", "pr", "--office", "school"]).exit_code == 0


# --- one office, as before -----------------------------------------------------------------------

def test_one_office_without_a_channel_uses_the_settings_on_either_address(office, client, line, fake, runtime):
    link(runtime, "kanya")
    body = line.body(line.text_event("kanya", "วิธีใช้"))
    answer = client.post("/callback/office", data=body, headers={"X-Line-Signature": sign(SECRET, body)})
    assert answer.status_code == 200
    line.handle()
    line.drain()
    assert fake.deliveries and all(d.token == TOKEN for d in fake.deliveries)
    with runtime.factory() as session:
        assert session.scalar(select(InboundEvent.office_id)) == session.scalar(select(Office.id))


def test_a_cards_file_link_lives_under_its_own_offices_address_and_opens_only_there(offices, school, fake, client):
    card = document_to_confirmation(school, "kru_orn", category="1.3", title="ประกาศรับสมัครนักเรียน")[-1]
    school.tap("kru_orn", data(card, "ส่งขออนุญาตเผยแพร่"))
    link = actions(latest_card(fake, "boonsong"))["เปิดดูไฟล์"]["uri"]
    assert link.startswith("https://prakat.example.go.th/o/school/f/"), link
    path = link.removeprefix("https://prakat.example.go.th")
    opened = client.get(path, base_url="https://prakat.example.go.th")
    assert opened.status_code == 200 and opened.data[:5] == b"%PDF-"
    elsewhere = client.get(path.replace("/o/school/", "/o/office/"), base_url="https://prakat.example.go.th")
    assert elsewhere.status_code == 404  # another office's address never serves it


def test_an_office_without_a_channel_is_named_in_the_log_once_not_at_every_re_read(runtime, caplog):
    with transaction(runtime.factory) as session:
        load(session, OFFICE_YAML)  # takes the settings' channel
        load(session, SCHOOL_YAML)  # has none: the webhook cannot take its bodies
    with caplog.at_level("WARNING", logger="prakat.channels"):
        for _ in range(3):  # three re-reads (the directory re-reads twice a minute)
            runtime.channels.invalidate()
            assert runtime.channels.by_key("school") is None and runtime.channels.by_key("office")
    said = [r.getMessage() for r in caplog.records if "no LINE channel" in r.getMessage()]
    assert said == ["office school has no LINE channel of its own: store one with "
                    "`flask --app webhook org channel school`"]


def test_the_old_deployment_wide_chain_still_verifies_and_each_office_goes_on_from_it(offices, runtime):
    with transaction(runtime.factory) as session:
        before = session.scalar(select(func.count()).select_from(AuditEntry))
        prev, legacy = audit.GENESIS, {}
        for office_id in (offices["office"], offices["school"]):  # written as before: one chain
            row = AuditEntry(office_id=office_id, action="draft", per_office=False, file_hashes=[],
                             data={}, created_at=utcnow(), prev_hash=prev)
            row.hash = audit.row_hash(prev, row)
            session.add(row)
            session.flush()
            prev = legacy[office_id] = row.hash
        school_row = audit.record(session, "draft", office_id=offices["school"])
        tak_row = audit.record(session, "draft", office_id=offices["office"])
    assert school_row.prev_hash == legacy[offices["school"]]  # its own office's last row
    assert tak_row.prev_hash == legacy[offices["office"]]
    with runtime.factory() as session:
        assert audit.verify(session).ok and audit.verify(session).checked == before + 4
        assert audit.verify(session, offices["school"]).ok
        assert audit.verify(session, offices["office"]).ok
    with transaction(runtime.factory) as session:  # flipping a row to the other rule breaks it
        session.execute(update(AuditEntry).where(AuditEntry.id == school_row.id).values(per_office=False))
    with runtime.factory() as session:
        assert audit.verify(session).broken_id == school_row.id


def test_an_offices_own_holiday_holds_its_reminders_and_not_the_others(offices, tak, school, fake, runtime):
    from datetime import UTC, datetime

    from bot.workflow.reminders import send_reminders

    for driver, key, title in ((tak, "kanya", "รายงานผลงานของเขต"), (school, "kru_orn", "ประกาศรับสมัครนักเรียน")):
        card = document_to_confirmation(driver, key, category="1.3", title=title)[-1]
        driver.tap(key, data(card, "ส่งขออนุญาตเผยแพร่"))
    with transaction(runtime.factory) as session:
        session.get(Office, offices["school"]).holidays = ["2026-11-30"]  # a provincial day off
        for step in session.scalars(select(ApprovalStep).where(ApprovalStep.status == "waiting")):
            step.waiting_since = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # a Thursday

    def reminded() -> dict[str, int]:
        with runtime.factory() as session:
            return {session.get(Person, s.approver_id).key: s.reminders_sent
                    for s in session.scalars(select(ApprovalStep).where(ApprovalStep.status == "waiting"))}

    monday, tuesday = datetime(2026, 11, 30, 2, tzinfo=UTC), datetime(2026, 12, 1, 2, tzinfo=UTC)  # 09:00
    with transaction(runtime.factory) as session:
        assert send_reminders(session, runtime.config, monday) == 1
    assert reminded() == {"prasert": 1, "boonsong": 0}  # the school is off today
    with transaction(runtime.factory) as session:
        assert send_reminders(session, runtime.config, tuesday) == 2
    # One working day each (REMINDER_AFTER_WORKING_DAYS): the district's second is due (Friday,
    # Monday), the school's first comes now, its Monday not counted.
    assert reminded() == {"prasert": 2, "boonsong": 1}


def test_an_offices_own_holiday_puts_its_digest_on_its_next_working_day(offices, runtime):
    from datetime import UTC, datetime

    from bot.digest.delivery import send_due_digests

    with transaction(runtime.factory) as session:
        session.get(Office, offices["school"]).holidays = ["2027-01-01"]
    friday = datetime(2027, 1, 1, 3, tzinfo=UTC)  # 10:00 on the first day after 2570Q1
    assert [office for office, _ in send_due_digests(runtime, friday)] == [offices["office"]]
    monday = datetime(2027, 1, 4, 3, tzinfo=UTC)
    assert [office for office, _ in send_due_digests(runtime, monday)] == [offices["office"], offices["school"]]
