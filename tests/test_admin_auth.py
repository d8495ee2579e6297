"""The admin console: signing in through the fake LINE Login, who is let in, what is refused
(and changes nothing), and the office, unit and people pages, with the Flask client; the same
in Chromium with axe-core's checks at the end of the file."""

from __future__ import annotations

import ast
import io
import re
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from bot.office.orgfile import load
from bot.spine import audit
from bot.spine.db import transaction
from models import AuditEntry, Office, Person, Unit
from tests.admin_login import LOGIN_CHANNEL_ID, authorize, login_settings, sign_in, start
from tests.browser import SHOTS, needs_chromium, serious_violations
from tests.conftest import OFFICE_YAML, link
from webhook import create_app

OTHER_OFFICE = """
office: {key: other, name: สำนักงานทดสอบแห่งที่สอง, short_name: สนง.ทดสอบ ๒, director: boss}
units:
  - {key: main, name: กลุ่มงานหลัก, director: boss}
people:
  - {key: boss, name: นายหัวหน้า ทดสอบ, unit: main, roles: [staff]}
  - {key: bob, name: นายบ็อบ ดูแลระบบ, unit: main, roles: [staff, admin]}
"""


@pytest.fixture
def config(config, fake):
    """The suite's settings with a LINE Login channel: conftest's app is the console."""
    return replace(config, **login_settings(fake))


@pytest.fixture
def runtime(runtime):
    """conftest's, with the example office loaded and its admin and one staff member linked."""
    with transaction(runtime.factory) as session:
        load(session, OFFICE_YAML)
    for key in ("pimchanok", "kanya"):
        link(runtime, key)
    return runtime


@pytest.fixture
def client(app, runtime):  # the office first, whatever a test asks for
    return app.test_client()


@pytest.fixture
def signed_in(client, runtime):
    answer = sign_in(client, "pimchanok", runtime=runtime)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/admin/")
    return client


def text(answer) -> str:
    return answer.get_data(as_text=True)


def csrf(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text(client.get(path))).group(1)


def count(runtime, model, *where) -> int:
    with runtime.factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def actions(runtime) -> list[AuditEntry]:
    with runtime.factory() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action.like("admin.%"))
                                    .order_by(AuditEntry.id)))


def is_signed_out(client) -> bool:
    answer = client.get("/admin/")
    return answer.status_code == 302 and "/admin/login" in answer.headers["Location"]


# ------------------------------------------------------------------------- signing in

def test_an_admin_signs_in_with_line_login_and_it_is_on_the_record(signed_in, runtime):
    page = text(signed_in.get("/admin/"))
    assert "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒" in page
    assert "นางสาวพิมพ์ชนก เรืองศรี" in page and 'href="/admin/people"' in page
    entry = actions(runtime)[-1]
    assert entry.action == "admin.signed_in"
    assert entry.actor_line_user_id == _line_id(runtime, "pimchanok") and entry.actor_id


def test_the_console_asks_line_for_a_pkce_code_with_state_and_nonce(client):
    url = start(client)
    assert url.startswith("http://127.0.0.1:") and "/oauth2/v2.1/authorize?" in url
    for part in ("response_type=code", f"client_id={LOGIN_CHANNEL_ID}", "state=", "nonce=",
                 "code_challenge=", "code_challenge_method=S256", "scope=openid"):
        assert part in url


def test_the_session_cookie_is_httponly_samesite_and_secure_over_https(client, runtime):
    answer = sign_in(client, "pimchanok", runtime=runtime)
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_a_linked_person_who_is_not_an_admin_gets_the_thai_403(client, runtime):
    answer = sign_in(client, "kanya", runtime=runtime)
    assert answer.status_code == 403
    assert "ไม่มีสิทธิ์เข้าหน้าผู้ดูแลระบบ" in text(answer)
    assert client.get("/admin/people").status_code == 403
    assert actions(runtime)[-1].action == "admin.refused"


def test_a_line_user_who_is_not_linked_gets_the_thai_403(client):
    answer = sign_in(client, line_user_id="U" + "f" * 32)
    assert answer.status_code == 403 and "ไม่มีสิทธิ์" in text(answer)


def test_a_forged_id_token_is_refused(client, fake, runtime):
    url = start(client)
    nonce = parse_qs(urlsplit(url).query)["nonce"][0]
    now = int(time.time())
    # everything right but the signature: signed with a secret that is not the channel's
    fake.login.next_id_token = fake.login.sign(
        {"iss": "https://access.line.me", "sub": _line_id(runtime, "pimchanok"),
         "aud": LOGIN_CHANNEL_ID, "exp": now + 600, "iat": now, "nonce": nonce},
        "not-the-channel-secret-but-as-long-as-one")
    answer = client.get(authorize(url, _line_id(runtime, "pimchanok")))
    assert answer.status_code == 400 and "เข้าสู่ระบบไม่สำเร็จ" in text(answer)
    assert is_signed_out(client)
    refused = actions(runtime)[-1]
    assert refused.action == "admin.refused" and refused.data["error"] == "BadSignatureError"


def test_a_replayed_id_token_is_refused(client, app, fake, runtime):
    assert sign_in(client, "pimchanok", runtime=runtime).status_code == 302
    old_token = fake.login.issued[-1]
    other = app.test_client()
    fake.login.next_id_token = old_token  # LINE's answer to a new sign-in carries the old token
    answer = sign_in(other, "pimchanok", runtime=runtime)
    assert answer.status_code == 400
    assert is_signed_out(other)
    assert actions(runtime)[-1].data["error"] == "InvalidClaimError"  # its nonce was another sign-in's


def test_a_callback_used_twice_is_refused(client, runtime):
    callback = authorize(start(client), _line_id(runtime, "pimchanok"))
    assert client.get(callback).status_code == 302
    client.post("/admin/logout", data={"csrf_token": csrf(client, "/admin/")})
    assert client.get(callback).status_code == 400
    assert is_signed_out(client)


def test_a_wrong_state_is_refused(client, runtime):
    callback = authorize(start(client), _line_id(runtime, "pimchanok"))
    forged = re.sub(r"state=[^&]+", "state=someone-elses-state", callback)
    assert client.get(forged).status_code == 400
    assert is_signed_out(client)
    assert actions(runtime)[-1].data["error"] == "MismatchingStateError"


def test_an_idle_session_is_signed_out_and_its_form_changes_nothing(signed_in, runtime):
    token = csrf(signed_in, "/admin/people")
    with signed_in.session_transaction() as session:
        session["admin_seen"] = time.time() - 31 * 60
    answer = signed_in.post("/admin/people", data={"csrf_token": token, "key": "late",
                                                   "name": "นายมาสาย ทดสอบ"})
    assert answer.status_code == 302 and "expired=1" in answer.headers["Location"]
    assert "ไม่มีการใช้งานนานเกินกำหนด" in text(signed_in.get(answer.headers["Location"]))
    assert count(runtime, Person, Person.key == "late") == 0
    assert is_signed_out(signed_in)


def test_a_form_without_the_csrf_token_changes_nothing(signed_in, runtime):
    for data in ({}, {"csrf_token": "guessed"}):
        answer = signed_in.post("/admin/people", data={**data, "key": "intruder", "name": "ผู้บุกรุก"})
        assert answer.status_code == 400 and "ไม่ได้บันทึก" in text(answer)
    assert count(runtime, Person, Person.key == "intruder") == 0


def test_another_offices_admin_cannot_see_or_change_this_office(client, runtime):
    with transaction(runtime.factory) as session:
        load(session, OTHER_OFFICE)
        bob = session.scalars(select(Person).where(Person.key == "bob")).one()
        bob.line_user_id = "U" + "b" * 32
        home = session.scalars(select(Office).where(Office.key != "other")).one().id
    assert sign_in(client, line_user_id="U" + "b" * 32).status_code == 302
    page = text(client.get("/admin/people"))
    assert "นายบ็อบ ดูแลระบบ" in page and "นางสาวกัญญา" not in page
    token = csrf(client, "/admin/people")
    assert client.get("/admin/people/kanya").status_code == 404
    assert client.post("/admin/people/kanya/deactivate", data={"csrf_token": token}).status_code == 404
    assert client.post("/admin/people/kanya", data={"csrf_token": token, "name": "x"}).status_code == 404
    with client.session_transaction() as session:
        session["admin_office"] = home  # a session pointed at the other office
    assert client.get("/admin/people").status_code == 403
    assert client.post("/admin/people/kanya/deactivate", data={"csrf_token": token}).status_code == 403
    assert count(runtime, Person, Person.key == "kanya", Person.active.is_(True)) == 1


# ------------------------------------------------------------------------- the pages

def test_an_admin_adds_a_person_who_is_listed_and_audited(signed_in, runtime):
    token = csrf(signed_in, "/admin/people")
    answer = signed_in.post("/admin/people", data={
        "csrf_token": token, "key": "newbie", "name": "นางสาวใจดี มาใหม่", "position": "ครูผู้ช่วย",
        "unit": "plan", "role-staff": "1"})
    assert answer.status_code == 302
    page = text(signed_in.get("/admin/people"))
    assert "นางสาวใจดี มาใหม่" in page and "เพิ่ม นางสาวใจดี มาใหม่ แล้วค่ะ" in page
    entry = actions(runtime)[-1]
    assert entry.action == "admin.person_added" and entry.data == {"via": "console", "person": "newbie"}
    assert entry.actor_line_user_id == _line_id(runtime, "pimchanok")
    with runtime.factory() as session:
        assert audit.verify(session).ok


def test_a_person_is_edited_moved_and_deactivated_with_the_org_files_rules(signed_in, runtime):
    token = csrf(signed_in, "/admin/people")
    signed_in.post("/admin/people/kanya", data={"csrf_token": token, "name": "นางสาวกัญญา พึ่งบุญ",
                                                "position": "นักวิเคราะห์นโยบายและแผนชำนาญการพิเศษ",
                                                "role-staff": "1", "role-pr": "1"})
    signed_in.post("/admin/people/kanya/move", data={"csrf_token": token, "unit": "fin"})
    with runtime.factory() as session:
        kanya = session.scalars(select(Person).where(Person.key == "kanya")).one()
        assert kanya.position.endswith("ชำนาญการพิเศษ") and kanya.roles == ["staff", "pr"]
        assert kanya.unit.key == "fin" and kanya.line_user_id  # still linked
    # a unit's director cannot be deactivated: the org file's rule, in the org file's words
    answer = signed_in.post("/admin/people/prasert/deactivate", data={"csrf_token": token})
    assert "ผู้อำนวยการกลุ่ม &#39;prasert&#39; ของกลุ่มงาน &#39;plan&#39; ไม่อยู่ในรายชื่อบุคลากร" in \
        text(signed_in.get(answer.headers["Location"]))
    assert count(runtime, Person, Person.key == "prasert", Person.active.is_(True)) == 1
    signed_in.post("/admin/people/kanya/deactivate", data={"csrf_token": token})
    assert count(runtime, Person, Person.key == "kanya", Person.active.is_(True)) == 0
    assert "เปิดใช้งานอีกครั้ง" in text(signed_in.get("/admin/people"))
    signed_in.post("/admin/people/kanya/reactivate", data={"csrf_token": token})
    assert count(runtime, Person, Person.key == "kanya", Person.active.is_(True)) == 1
    assert [e.action for e in actions(runtime)][-4:] == [
        "admin.person_edited", "admin.person_moved", "admin.person_deactivated",
        "admin.person_reactivated"]


def test_units_are_added_and_edited_and_bad_categories_refused(signed_in, runtime):
    token = csrf(signed_in, "/admin/units")
    signed_in.post("/admin/units", data={"csrf_token": token, "key": "new", "name": "กลุ่มใหม่",
                                         "director": "kanya", "categories": "1.3"})
    assert "กลุ่มใหม่" in text(signed_in.get("/admin/units"))
    answer = signed_in.post("/admin/units/new", data={"csrf_token": token, "name": "กลุ่มใหม่",
                                                      "director": "kanya", "categories": "9.9"})
    assert "ไม่มีหมวด 9.9" in text(signed_in.get(answer.headers["Location"]))
    with runtime.factory() as session:
        assert session.scalars(select(Unit).where(Unit.key == "new")).one().categories == ["1.3"]


def test_the_office_is_edited_with_the_org_files_checks(signed_in, runtime):
    form = {"csrf_token": csrf(signed_in, "/admin/office/edit"), "name": "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒",
            "short_name": "สพป.ตาก เขต ๒", "director": "somchai", "phone": "0 5551 1234",
            "website": "ftp://wrong", "publish_mode": "ict", "digits": "arabic",
            "chain-document-unit_director": "1", "chain-document-office_director": "1"}
    answer = signed_in.post("/admin/office/edit", data=form)
    assert answer.status_code == 400 and "เว็บไซต์ต้องขึ้นต้นด้วย https://" in text(answer)
    with runtime.factory() as session:
        assert session.scalars(select(Office)).one().phone == "0 5500 0000"
    answer = signed_in.post("/admin/office/edit", data={**form, "website": "https://www.tak2.go.th"})
    assert answer.status_code == 302
    with runtime.factory() as session:
        office = session.scalars(select(Office)).one()
        assert (office.phone, office.publish_mode, office.digits) == ("0 5551 1234", "ict", "arabic")
        assert office.chains["photos"] == [] and office.chains["document"] == ["unit_director", "office_director"]
    assert actions(runtime)[-1].action == "admin.office_edited"


def test_the_org_file_exports_and_imports_back_to_the_same_office(signed_in, runtime):
    exported = signed_in.get("/admin/office/export.yaml")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    token = csrf(signed_in, "/admin/")
    broken = exported.data.replace(b"director: prasert", b"director: nobody")
    answer = signed_in.post("/admin/office/import", data={
        "csrf_token": token, "orgfile": (io.BytesIO(broken), "office.yaml")})
    page = text(signed_in.get(answer.headers["Location"]))
    assert re.search(r"บรรทัด \d+: ผู้อำนวยการกลุ่ม &#39;nobody&#39;", page), page[-2000:]
    changed = exported.data.replace(b"0 5500 0000", b"0 5599 9999")
    signed_in.post("/admin/office/import", data={
        "csrf_token": token, "orgfile": (io.BytesIO(changed), "office.yaml")})
    again = signed_in.get("/admin/office/export.yaml").data
    assert again == changed
    assert actions(runtime)[-1].action == "admin.org_imported"


def test_a_file_for_another_office_is_not_imported(signed_in, runtime):
    token = csrf(signed_in, "/admin/")
    answer = signed_in.post("/admin/office/import", data={
        "csrf_token": token, "orgfile": (io.BytesIO(OTHER_OFFICE.encode()), "x.yaml")})
    assert "ไฟล์นี้เป็นของสำนักงานรหัส &#39;other&#39;" in text(signed_in.get(answer.headers["Location"]))
    assert count(runtime, Office) == 1


def _line_id(runtime, key: str) -> str:
    with runtime.factory() as session:
        return session.scalars(select(Person.line_user_id).where(Person.key == key)).one()


# ------------------------------------------------------------------------- in Chromium



@needs_chromium
def test_in_chromium_an_admin_signs_in_through_the_sandbox_line_login_and_adds_a_person(
        browser, sandbox):
    base, runtime = sandbox
    page = browser.new_page(viewport={"width": 420, "height": 900}, locale="th-TH")
    page.set_default_timeout(15_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{base}/admin/people")  # not signed in: to the sign-in page, and back here after
    assert page.get_by_role("heading", name="เข้าสู่ระบบผู้ดูแลระบบ").is_visible()
    assert serious_violations(page) == []
    page.get_by_role("link", name="เข้าสู่ระบบด้วย LINE").click()
    # the fake LINE Login's page: the sandbox office's people, admins first
    first = page.locator('button[name="user"]').first
    assert "นางสาวพิมพ์ชนก เรืองศรี" in first.inner_text() and "ผู้ดูแลระบบ" in first.inner_text()
    page.screenshot(path=str(SHOTS / "admin-line-login.png"))
    first.click()
    page.get_by_role("heading", name="บุคลากร", exact=True).wait_for()
    assert page.url.endswith("/admin/people")
    assert "ตั้งแต่" in page.locator("table").first.inner_text()  # linked, and since when (B.E.)

    page.fill("#key", "jaidee")
    page.fill("#name", "นางสาวใจดี มาใหม่")
    page.fill("#position", "ครูผู้ช่วย")
    page.select_option("#unit", "plan")
    page.get_by_role("button", name="เพิ่มบุคลากร").click()
    page.get_by_text("เพิ่ม นางสาวใจดี มาใหม่ แล้วค่ะ").wait_for()
    row = page.locator("tr", has_text="นางสาวใจดี มาใหม่")
    assert "ยังไม่เชื่อม" in row.inner_text() and "กลุ่มนโยบายและแผน" in row.inner_text()
    assert serious_violations(page) == []
    page.screenshot(path=str(SHOTS / "admin-people.png"), full_page=False)

    for path, shot in (("/admin/", "admin-office.png"), ("/admin/office/edit", "admin-office-edit.png"),
                       ("/admin/units", "admin-units.png"), ("/admin/people/jaidee", "admin-person.png")):
        page.goto(f"{base}{path}")
        assert serious_violations(page) == [], path
        page.screenshot(path=str(SHOTS / shot))
    with runtime.factory() as session:
        added = session.scalars(select(Person).where(Person.key == "jaidee")).one()
        assert added.unit.key == "plan" and added.active


@needs_chromium
def test_in_chromium_a_staff_member_gets_the_thai_403(browser, sandbox):
    base, _runtime = sandbox
    page = browser.new_page(viewport={"width": 420, "height": 900}, locale="th-TH")
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name="เข้าสู่ระบบด้วย LINE").click()
    page.locator('button[name="user"]', has_text="นางสาวกัญญา พึ่งบุญ").click()
    page.get_by_role("heading", name="ขออภัยค่ะ บัญชีนี้ไม่มีสิทธิ์เข้าหน้าผู้ดูแลระบบ").wait_for()
    assert serious_violations(page) == []
    page.screenshot(path=str(SHOTS / "admin-forbidden.png"))
    assert page.locator("nav").count() == 0


BROKEN_FILES = {
    "no name": "office: {short_name: x, director: a}\npeople: [{key: a, name: A}]\n",
    "bad unit": "office: {name: X, short_name: x, director: a}\npeople: [{key: a, name: A, unit: nope}]\n",
    "bad role": "office: {name: X, short_name: x, director: a}\npeople: [{key: a, name: A, roles: [boss]}]\n",
    "duplicate": "office: {name: X, short_name: x, director: a}\npeople: [{key: a, name: A}, {key: a, name: B}]\n",
    "bad mode": "office: {name: X, short_name: x, director: a}\npeople: [{key: a, name: A}]\npublish_mode: now\n",
    "bad yaml": "office: [\n",
    "bad host": "office: {name: X, short_name: x, director: a}\nportal: {hosts: ['https://x']}\npeople: [{key: a, name: A}]\n",
    "no director": "office: {name: X, short_name: x, director: zz}\npeople: [{key: a, name: A}]\n",
}


@pytest.mark.parametrize("name", sorted(BROKEN_FILES))
def test_the_org_files_reasons_reach_the_admin_in_thai_with_their_line(name):
    from bot.admin.orgerrors import thai
    from bot.office.orgfile import OrgFileError, parse

    with pytest.raises(OrgFileError) as refused:
        parse(BROKEN_FILES[name])
    worded = thai(str(refused.value))
    assert re.search("[\u0e00-\u0e7f]", worded), worded
    if str(refused.value).startswith("line "):
        assert worded.startswith("บรรทัด ")


def test_refused_requests_are_on_the_audit_log(signed_in, client, runtime):
    signed_in.post("/admin/people", data={"key": "intruder", "name": "ผู้บุกรุก"})
    entry = actions(runtime)[-1]
    assert entry.action == "admin.refused" and entry.data["reason"] == "csrf token missing or wrong"
    assert entry.actor_line_user_id == _line_id(runtime, "pimchanok")


def test_line_login_settings_come_in_pairs_and_sandbox_mode_has_its_own_channel():
    from bot.spine.config import SANDBOX_LOGIN_CHANNEL_ID, Config, ConfigError

    with pytest.raises(ConfigError, match="LINE_LOGIN_CHANNEL_SECRET"):
        Config(line_login_channel_id="123").validated()
    sandbox = Config().validated()
    assert sandbox.sandbox and sandbox.line_login_channel_id == SANDBOX_LOGIN_CHANNEL_ID
    real = Config(line_channel_secret="s", line_channel_access_token="t").validated()
    assert real.line_login_channel_id == ""


def test_without_line_login_settings_the_console_says_so_in_thai(config):
    bare = create_app(replace(config, line_login_channel_id="", line_login_channel_secret=""))
    try:
        client = bare.test_client()  # real LINE settings, no LINE Login channel
        assert "ยังไม่ได้ตั้งค่า LINE Login" in text(client.get("/admin/login"))
        assert client.get("/admin/login/line").status_code == 503
        assert client.get("/admin/").status_code == 302
    finally:
        bare.extensions["prakat"].stop()


def test_the_fake_line_login_verifies_id_tokens_as_line_does(client, fake, runtime):
    import requests

    sign_in(client, "pimchanok", runtime=runtime)
    token = fake.login.issued[-1]
    verify = f"{fake.url}/oauth2/v2.1/verify"
    good = requests.post(verify, data={"id_token": token, "client_id": LOGIN_CHANNEL_ID}, timeout=10)
    assert good.status_code == 200 and good.json()["sub"] == _line_id(runtime, "pimchanok")
    assert good.json()["iss"] == "https://access.line.me" and good.json()["aud"] == LOGIN_CHANNEL_ID
    head, body, signature = token.split(".")
    tampered = requests.post(verify, data={"id_token": f"{head}.{body}.{signature[::-1]}",
                                           "client_id": LOGIN_CHANNEL_ID}, timeout=10)
    assert tampered.status_code == 400
    # a code is good once: trading it again is refused
    callback = authorize(start(client), _line_id(runtime, "pimchanok"))
    code = parse_qs(urlsplit(callback).query)["code"][0]
    assert client.get(callback).status_code == 302
    again = requests.post(f"{fake.url}/oauth2/v2.1/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": LOGIN_CHANNEL_ID,
        "client_secret": "test-login-channel-secret-0123456789",
        "redirect_uri": "https://prakat.example.go.th/admin/callback"}, timeout=10)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def _reasons(path: Path, callee: str, arg: int) -> list[str]:
    """Every literal reason passed to `callee` in `path`, its f-string holes filled with "7"."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == callee and len(node.args) > arg:
            given = node.args[arg]
            if isinstance(given, ast.Constant) and isinstance(given.value, str):
                found.append(given.value)
            elif isinstance(given, ast.JoinedStr):
                found.append("".join(v.value if isinstance(v, ast.Constant) else "7" for v in given.values))
    return found


def test_every_reason_the_org_file_and_its_website_part_can_give_has_thai_words():
    from bot.admin.orgerrors import thai

    root = Path(__file__).resolve().parent.parent
    reasons = _reasons(root / "bot/office/orgfile.py", "_fail", 1) + \
        _reasons(root / "bot/office/website.py", "WebsiteError", 0)
    assert len(reasons) > 50  # the walk found them
    untranslated = [r for r in reasons if thai(f"line 3: {r}") == f"บรรทัด 3: {r}"]  # no pattern took it
    assert untranslated == []
