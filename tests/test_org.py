"""The office in the bot: the org file, invite codes, group chats, acting directors, permissions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.office import org, richmenus
from bot.office.org import (
    OrgError,
    create_group_code,
    create_invite,
    person_by_key,
    roles_of,
    set_acting,
)
from bot.office.orgfile import OrgFileError, load
from bot.spine.db import transaction
from models import Category, GroupChat, Office, OutboxMessage, Person, Unit, utcnow
from tests.conftest import OFFICE_YAML, link
from tests.line_driver import group_id, user_id


def snapshot(runtime) -> list:
    with runtime.factory() as session:
        people = [(p.key, p.name, p.position, p.unit_id, tuple(p.roles), p.active)
                  for p in session.scalars(select(Person).order_by(Person.id))]
        units = [(u.key, u.name, u.director_id, u.active) for u in session.scalars(select(Unit).order_by(Unit.id))]
        offices = [(o.name, o.short_name, o.director_id) for o in session.scalars(select(Office))]
    return [people, units, offices]


def test_load_builds_the_office_with_the_18_categories(office):
    with office.factory() as session:
        office_id = session.scalars(select(Office.id)).one()
        assert session.query(Category).filter_by(office_id=office_id).count() == 18
        cat = {c.code: c for c in session.scalars(select(Category).filter_by(office_id=office_id))}
        assert cat["1.9"].name == "ข้อมูลการจัดซื้อจัดจ้าง" and cat["1.9"].short_name == "จัดซื้อจัดจ้าง"
        assert cat["1.9"].regulated and not cat["1.3"].regulated
        assert cat["1.9"].minimum and not cat["1.3"].minimum
        # the announcement's own-office wording carries this office's name, from the file
        assert cat["1.5"].name == "ข้อมูลผู้บริหารสำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒"
        somchai = person_by_key(session, "somchai")
        assert roles_of(session, somchai) == {"staff", "office_director"}
        assert roles_of(session, person_by_key(session, "prasert")) == {"staff", "unit_director"}
        assert roles_of(session, person_by_key(session, "pimchanok")) == {"staff", "ict", "admin"}
        assert session.query(Unit).count() == 9


def test_load_twice_changes_nothing_and_an_edit_updates(office):
    before = snapshot(office)
    with transaction(office.factory) as session:
        summary = load(session, OFFICE_YAML)
    assert summary["deactivated"] == 0 and snapshot(office) == before
    edited = OFFICE_YAML.replace("นักวิเคราะห์นโยบายและแผนชำนาญการ", "นักวิเคราะห์นโยบายและแผนชำนาญการพิเศษ")
    edited = "\n".join(line for line in edited.splitlines() if "key: nuttapong" not in line)
    with transaction(office.factory) as session:
        summary = load(session, edited)
    assert summary["deactivated"] == 1
    with office.factory() as session:
        assert person_by_key(session, "kanya").position.endswith("ชำนาญการพิเศษ")
        gone = person_by_key(session, "nuttapong")
        assert gone.active is False  # deactivated, not deleted
        assert roles_of(session, gone) == set()


@pytest.mark.parametrize("change, message", [
    (lambda y: y.replace("unit: plan, roles: [staff]}", "unit: nowhere, roles: [staff]}", 1), "unknown unit 'nowhere'"),
    (lambda y: y.replace("director: prasert}", "director: ghost}"), "director 'ghost' of unit 'plan' is not a person"),
    (lambda y: y.replace("{key: somsak,", "{key: kanya,"), "duplicate person key 'kanya'"),
    (lambda y: y.replace("{key: hr,", "{key: plan,"), "duplicate unit key 'plan'"),
    (lambda y: y.replace("roles: [staff, pr]}", "roles: [staff, publisher]}", 1), "unknown role 'publisher'"),
    (lambda y: y.replace("units:\n", "units:\n  - {key: [oops\n", 1), "YAML error"),
    (lambda y: y.replace("director: somchai", "director: nobody"), "office director 'nobody'"),
    (lambda y: y.replace("photos: [unit_director]", "photos: [ict]"), "chain 'photos'"),
])
def test_a_bad_org_file_is_refused_with_line_and_reason_and_nothing_changes(office, change, message):
    before = snapshot(office)
    bad = change(OFFICE_YAML)
    assert bad != OFFICE_YAML
    with (pytest.raises(OrgFileError, match="line \\d+: .*" + message.split("'")[0]) as err,
          transaction(office.factory) as session):
        load(session, bad)
    assert message in str(err.value)
    assert snapshot(office) == before


def test_org_cli_load_refusal_and_show(app, tmp_path, office):
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.yaml"
    bad.write_text(OFFICE_YAML.replace("director: prasert}", "director: ghost}"), encoding="utf-8")
    result = runner.invoke(args=["org", "load", str(bad)])
    assert result.exit_code != 0 and "nothing was changed" in result.output
    link(office, "kanya")
    shown = runner.invoke(args=["org", "show"]).output
    assert "สพป.ตาก เขต ๒" in shown
    assert "kanya" in shown and "linked" in shown
    assert "office_director" in shown


def invite(app, key: str) -> str:
    result = app.test_cli_runner().invoke(args=["invite", key])
    assert result.exit_code == 0, result.output
    code = result.output.strip().splitlines()[-1]
    assert len(code) >= 8
    return code


def test_invite_links_the_account_and_greets_by_name_and_role(app, office, line, fake):
    code = invite(app, "prasert")
    said = line.text("prasert-phone", code.lower()[:5] + " " + code.lower()[5:])  # forgiving typing
    assert said[0]["text"].startswith("สวัสดีค่ะ ท่านผู้อำนวยการกลุ่มนโยบายและแผน\n")
    assert "ผู้อำนวยการกลุ่ม/หน่วย" not in said[0]["text"] and "รออนุมัติ" in said[0]["text"]  # the role once
    with office.factory() as session:
        assert person_by_key(session, "prasert").line_user_id == user_id("prasert-phone")
    # the director's rich menu was created through the API and linked to this user
    menu_id = fake.user_rich_menu[user_id("prasert-phone")]
    menu = fake.rich_menus[menu_id]
    assert [a["action"]["label"] for a in menu.request["areas"]][2] == "รออนุมัติ"
    assert menu.image_size[0] == 2500
    # the same code again, from another account: used
    said = line.text("someone-else", code)
    assert "ถูกใช้ไปแล้ว" in said[0]["text"]


def test_second_linking_reuses_the_menu(app, office, line, fake):
    line.text("kanya-phone", invite(app, "kanya"))
    line.text("somsak-phone", invite(app, "somsak"))
    assert len(fake.rich_menus) == 1
    assert fake.user_rich_menu[user_id("kanya-phone")] == fake.user_rich_menu[user_id("somsak-phone")]


def test_wrong_expired_and_rate_limited_codes(app, office, line):
    said = line.text("stranger", "ABCDEFGHJK")
    assert "รหัสไม่ถูกต้อง" in said[0]["text"] and "เหลือ 4 ครั้ง" in said[0]["text"]
    code = invite(app, "kanya")
    with transaction(office.factory) as session:
        from models import Invite

        for row in session.scalars(select(Invite)):
            row.expires_at = utcnow() - timedelta(seconds=1)
    assert "หมดอายุ" in line.text("stranger", code)[0]["text"]
    for _ in range(3):
        line.text("stranger", "ABCDEFGHJK")
    # five failures this hour: even a good code is refused now
    good = invite(app, "somsak")
    assert "รอ 1 ชั่วโมง" in line.text("stranger", good)[0]["text"]
    with office.factory() as session:
        assert person_by_key(session, "somsak").line_user_id is None


def test_an_account_linked_to_someone_cannot_take_a_second_person(app, office, line):
    line.text("phone", invite(app, "kanya"))
    said = line.text("phone", invite(app, "somsak"))
    assert "เชื่อมกับคุณกัญญา อยู่แล้ว" in said[0]["text"]
    with office.factory() as session:
        assert person_by_key(session, "somsak").line_user_id is None


def test_unlink_frees_the_person(app, office, line, fake):
    line.text("phone", invite(app, "kanya"))
    assert user_id("phone") in fake.user_rich_menu
    assert "unlinked" in app.test_cli_runner().invoke(args=["unlink", "kanya"]).output
    line.drain()
    assert user_id("phone") not in fake.user_rich_menu  # back to the default menu
    said = line.text("phone", "วิธีใช้")
    assert "ยังไม่ได้เชื่อม" in said[0]["text"]


def test_unlinking_takes_the_menu_off_only_the_account_that_was_linked(office):
    link(office, "kanya")
    with transaction(office.factory) as session:
        kanya = person_by_key(session, "kanya")
        assert richmenus.unlink(session, kanya) == user_id("kanya")
        assert (kanya.line_user_id, kanya.rich_menu) == (None, None)
        assert richmenus.unlink(session, kanya) is None  # nothing left to take off
        assert org.unlink(session, person_by_key(session, "somsak")) is None
    with office.factory() as session:
        effects = session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "richmenu_unlink")).all()
        assert [(e.target, e.payload) for e in effects] == [
            (user_id("kanya"), {"user_id": user_id("kanya")})]


def test_an_unlinked_user_gets_only_the_explanation(office, line):
    for said in (line.text("stranger", "ส่งเอกสาร"), line.tap("stranger", "v1/menu?m=pending"),
                 line.send(line.event("follow", user="stranger", follow={"isUnblocked": False}))):
        assert len(said) == 1 and "ขอรหัสเชื่อมบัญชี" in said[0]["text"]


def test_group_join_register_and_leave(app, office, line, fake):
    said = line.send(line.event("join", group="pr-team"))
    assert "รหัสลงทะเบียนกลุ่ม" in said[0]["text"]
    # chatter and wrong codes in an unregistered group: silence (no quota spent)
    assert line.send(line.text_event("nittaya", "สวัสดีค่ะทุกคน", group="pr-team")) == []
    assert line.send(line.text_event("nittaya", "ABCDEFGHJK", group="pr-team")) == []
    code = app.test_cli_runner().invoke(args=["group-code", "pr"]).output.strip().splitlines()[-1]
    said = line.send(line.text_event("nittaya", code, group="pr-team"))
    assert said[0]["text"] == "ลงทะเบียนกลุ่มนี้เป็น กลุ่มงานประชาสัมพันธ์ เรียบร้อยแล้วค่ะ"
    with office.factory() as session:
        group = session.scalars(select(GroupChat)).one()
        assert (group.group_id, group.purpose, group.active) == (group_id("pr-team"), "pr", True)
    assert line.send(line.event("leave", group="pr-team", reply=False)) == []
    with office.factory() as session:
        group = session.scalars(select(GroupChat)).one()
        assert (group.purpose, group.active) == (None, False)
    assert fake.pushes_count == 0


def test_a_group_code_works_once(app, office, line):
    with transaction(office.factory) as session:
        code = create_group_code(session, session.scalars(select(Office)).one(), "management", utcnow())
    assert line.send(line.text_event("somchai", code, group="bosses"))
    assert line.send(line.text_event("somchai", code, group="other")) == []


def test_acting_assignments_refuse_overlaps_self_and_cycles(office):
    today = date(2026, 12, 1)
    with transaction(office.factory) as session:
        somchai, manee, prasert = (person_by_key(session, k) for k in ("somchai", "manee", "prasert"))
        set_acting(session, somchai, manee, today, today + timedelta(days=5), "คำสั่งที่ 123/2569")
    refusals = [
        ("somchai", "prasert", 3, 8, "already has"),       # overlaps the first
        ("manee", "somchai", 1, 2, "away"),                 # cycle: manee acts for somchai then
        ("prasert", "somchai", 2, 3, "away"),               # somchai is away then
        ("wilai", "manee", 8, 9, None),                     # fine: manee is free after day 5
        ("kanya", "kanya", 1, 1, "themselves"),
        ("prasert", "manee", 4, 2, "before the start"),
    ]
    for absent, acting, start, end, reason in refusals:
        with transaction(office.factory) as session:
            a, b = person_by_key(session, absent), person_by_key(session, acting)
            if reason is None:
                set_acting(session, a, b, today + timedelta(days=start), today + timedelta(days=end))
                continue
            with pytest.raises(OrgError, match=reason):
                set_acting(session, a, b, today + timedelta(days=start), today + timedelta(days=end))


def test_acting_cli_reports_refusals(app, office):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["acting", "set", "--for", "somchai", "--by", "manee", "--from", "2026-12-01",
                             "--to", "2026-12-05", "--order", "คำสั่งที่ 123/2569"])
    assert ok.exit_code == 0 and "acts for" in ok.output
    clash = runner.invoke(args=["acting", "set", "--for", "somchai", "--by", "prasert", "--from",
                                "2026-12-03", "--to", "2026-12-09"])
    assert clash.exit_code != 0 and "already has" in clash.output
    assert "manee for somchai" in runner.invoke(args=["acting", "list"]).output


def test_invite_refuses_unknown_people(app, office):
    result = app.test_cli_runner().invoke(args=["invite", "nobody"])
    assert result.exit_code != 0 and "no person" in result.output
    with transaction(office.factory) as session:
        person = person_by_key(session, "kanya")
        person.active = False
        with pytest.raises(OrgError):
            create_invite(session, person, utcnow())


def test_a_linked_user_who_follows_again_is_welcomed_back(office, line):
    link(office, "kanya")
    said = line.send(line.event("follow", user="kanya", follow={"isUnblocked": True}))
    assert said[0]["text"].startswith("สวัสดีค่ะ คุณกัญญา\n")


def test_an_org_change_that_makes_someone_a_director_gives_them_the_director_menu(app, office, line, fake, tmp_path):
    line.text("somsak-phone", invite(app, "somsak"))
    staff_menu = fake.user_rich_menu[user_id("somsak-phone")]
    path = tmp_path / "office.yaml"
    path.write_text(OFFICE_YAML.replace("director: prasert}", "director: somsak}"), encoding="utf-8")
    assert app.test_cli_runner().invoke(args=["org", "load", str(path)]).exit_code == 0
    line.drain()
    menu = fake.rich_menus[fake.user_rich_menu[user_id("somsak-phone")]]
    assert fake.user_rich_menu[user_id("somsak-phone")] != staff_menu
    assert "รออนุมัติ" in [a["action"]["label"] for a in menu.request["areas"]]
    app.test_cli_runner().invoke(args=["org", "load", str(path)])  # again: nothing more to do
    with office.factory() as session:
        from models import OutboxMessage

        assert session.query(OutboxMessage).filter(OutboxMessage.kind == "richmenu_link").count() == 2


def test_a_registered_group_ignores_further_codes(office):
    from bot.office.groups import register_by_text

    with transaction(office.factory) as session:
        the_office = session.scalars(select(Office)).one()
        pr_code = create_group_code(session, the_office, "pr", utcnow())
        management_code = create_group_code(session, the_office, "management", utcnow())
    with transaction(office.factory) as session:
        assert register_by_text(session, group_id("pr-team"), "สวัสดีค่ะ", utcnow()) is None
        assert register_by_text(session, group_id("pr-team"), pr_code.lower(), utcnow()).purpose == "pr"
    with transaction(office.factory) as session:
        # a working group is never moved to another purpose by a code typed in it
        assert register_by_text(session, group_id("pr-team"), management_code, utcnow()) is None
        assert session.scalars(select(GroupChat)).one().purpose == "pr"
    with transaction(office.factory) as session:  # and the ignored code is still good elsewhere
        assert register_by_text(session, group_id("bosses"), management_code, utcnow()).purpose == "management"


def test_an_office_keeps_its_own_holidays_from_a_list_or_a_file(office, tmp_path):
    from bot.admin.orgerrors import thai
    from bot.office.orgexport import document, to_yaml
    from bot.office.orgfile import parse

    listed = OFFICE_YAML + '\nholidays:\n  - 2027-01-16\n  - "๒๐๒๗-๐๒-๑๒ วันมาฆบูชา"\n'
    with transaction(office.factory) as session:
        load(session, listed)
    with office.factory() as session:
        row = session.scalars(select(Office)).one()
        assert row.holidays == ["2027-01-16", "2027-02-12"]
        assert parse(to_yaml(document(session, row))).holidays == row.holidays  # the console round trip
    days = tmp_path / "local.txt"
    days.write_text("# วันหยุดท้องถิ่น\n2027-03-01 วันสถาปนาจังหวัด\n", encoding="utf-8")
    assert parse(OFFICE_YAML + "\nholidays: local.txt\n", base_dir=tmp_path).holidays == ["2027-03-01"]
    with transaction(office.factory) as session:
        load(session, OFFICE_YAML)  # a file without `holidays:` has none of its own
    with office.factory() as session:
        assert session.scalars(select(Office)).one().holidays == []
    for bad, reason in ((" - 2570-01-16", "has a B.E. year"), (" - 16/01/2027", "expected a date like"),
                        (" - 2027-02-30", "is not a real date")):
        with pytest.raises(OrgFileError) as refused:
            parse(OFFICE_YAML + f"\nholidays:\n {bad}\n")
        assert reason in str(refused.value) and str(refused.value).startswith("line ")
        assert thai(str(refused.value)).startswith("บรรทัด ") and "วันหยุด" in thai(str(refused.value))
