"""Approved items appear on the office's own WordPress (a real one: Debian's package under PHP's
built-in server, tests/wordpress_site.py) exactly once, in the mapped category, with their files,
through lost answers and refusals; retracting takes them off the site.

Everything goes the real way: signed webhooks for the submission and the approvals, the outbox
sender for the site, and the site's own REST API and public pages to read back what it holds.
"""

from __future__ import annotations

import http.server
import json
import threading
import urllib.parse
from dataclasses import replace

import pytest
import urllib3
from sqlalchemy import select

from bot.office.orgfile import OrgFileError, parse
from bot.spine.db import transaction
from bot.spine.sealed import SealError, seal, unseal
from models import AuditEntry, Office, OutboxMessage, Publication, WebsitePost
from tests import wordpress_site as wp
from tests.conftest import OFFICE_YAML, link
from tests.factories import register_pr_group
from tests.flex import actions, data
from tests.line_driver import group_id, user_id
from tests.test_approvals import latest_card, submit_document, submit_photos

PR_GROUP = "pr-team"
KEY = "test-prakat-secret-key"


@pytest.fixture(scope="session")
def wordpress(tmp_path_factory):
    why = wp.unavailable()
    if why:
        pytest.skip(f"no WordPress to publish to: {why}")
    site = wp.start(tmp_path_factory.mktemp("wordpress"))
    yield site
    wp.stop(site)


class FaultyProxy:
    """Stands between Prakat and the site: forwards every request, and for a chosen one lets the
    site do the work, then cuts the connection before the answer (a timeout, as the sender sees
    it), or answers 503 without forwarding."""

    def __init__(self, upstream: str):
        self.upstream, self.rules, self.seen = upstream, [], []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                route = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get(
                    "rest_route", ["/"])[0]
                proxy.seen.append((self.command, route))
                rule = next((r for r in proxy.rules if r[0] == self.command and r[1] == route), None)
                if rule is not None:
                    proxy.rules.remove(rule)
                    if rule[2] == "503":
                        self.send_response(503)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = urllib3.request(self.command, proxy.upstream + self.path, body=body or None,
                                         headers=headers, timeout=60, redirect=False)
                if rule is not None:  # "drop": the site acted, the answer is lost
                    self.close_connection = True
                    return
                self.send_response(answer.status)
                for k, v in answer.headers.items():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(answer.data)))
                self.end_headers()
                self.wfile.write(answer.data)

            do_GET = do_POST = do_DELETE = do_PUT = _any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def fail(self, method: str, route: str, how: str = "drop") -> None:
        self.rules.append((method, route, how))


@pytest.fixture
def config(config):
    return replace(config, prakat_secret_key=KEY, website_timeout_seconds=10)


@pytest.fixture
def proxy(wordpress):
    # Each test's Prakat database starts again at publication 1, the site does not: forget the
    # posts and files an earlier test made, so their markers do not meet this test's.
    wordpress.sql("DELETE p, m FROM wp_posts p LEFT JOIN wp_postmeta m ON m.post_id = p.ID "
                  "WHERE p.post_name LIKE 'prakat-%'")
    faulty = FaultyProxy(wordpress.url)
    yield faulty
    faulty.server.shutdown()
    faulty.server.server_close()


def website_yaml(url: str, *, on_retract: str = "draft", create: bool = True) -> str:
    return OFFICE_YAML + f"""
website:
  kind: wordpress
  url: {url}
  user: {wp.ADMIN}
  categories: {{"1.9": prakat-procurement, "1.3": prakat-activities}}
  create_missing_categories: {str(create).lower()}
  on_retract: {on_retract}
"""


def connect(app, runtime, url: str, password: str, **kw) -> None:
    """What an administrator does: the org file with a `website:` section, then the password."""
    from bot.office.orgfile import load
    with transaction(runtime.factory) as session:
        load(session, website_yaml(url, **kw))
    result = app.test_cli_runner().invoke(args=["website", "password"], input=password + "\n")
    assert result.exit_code == 0, result.output
    assert password not in result.output and "encrypted" in result.output


@pytest.fixture
def site_office(people, app, proxy, wordpress, fake):
    link(people, "anan")
    with transaction(people.factory) as session:
        register_pr_group(session, session.scalars(select(Office)).one().id, group_id(PR_GROUP))
    fake.add_group(group_id(PR_GROUP), "งานประชาสัมพันธ์", [user_id("nittaya"), user_id("wilai")])
    connect(app, people, proxy.url, wordpress.password)
    return people


def publication(runtime) -> Publication:
    with runtime.factory() as session:
        return session.scalars(select(Publication).order_by(Publication.id.desc())).first()


def record(runtime, pub_id: int) -> WebsitePost:
    with runtime.factory() as session:
        return session.scalars(select(WebsitePost).where(WebsitePost.publication_id == pub_id)).one()


def site_json(site, route: str, **params):
    response = site.rest(route, **params)
    assert response.status == 200, response.data[:300]
    return json.loads(response.data)


def posts(site, pub_id: int) -> list[dict]:
    """Every post of this publication on the site, whatever its state."""
    found = []
    for status in ("publish,draft,pending,private,future", "trash"):
        found += [p for p in site_json(site, "/wp/v2/posts", status=status, context="edit", per_page="100")
                  if p["slug"].startswith(f"prakat-{pub_id}") and p["slug"].split("__")[0] == f"prakat-{pub_id}"]
    return found


def media(site, pub_id: int) -> list[dict]:
    return [m for m in site_json(site, "/wp/v2/media", per_page="100", context="edit")
            if m["slug"].startswith(f"prakat-{pub_id}-")]


def audit(runtime, action: str) -> list[AuditEntry]:
    with runtime.factory() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_document_reaches_the_site_once_through_lost_answers_and_retracts_to_draft(
        site_office, line, fake, wordpress, proxy, client, app):
    runtime = site_office
    # The site does the work, but the answers to the upload and to the new post never arrive,
    # and the category lookup meets a 503 once.
    proxy.fail("POST", "/wp/v2/media")
    proxy.fail("GET", "/wp/v2/categories", "503")
    proxy.fail("POST", "/wp/v2/posts")
    submit_document(line, category="1.9", title="ประกาศผู้ชนะการเสนอราคาจัดซื้อวัสดุสำนักงาน")
    line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    line.tap("somchai", data(latest_card(fake, "somchai"), "อนุมัติ"))
    pub = publication(runtime)
    assert pub is not None
    line.drain()
    assert proxy.rules == []  # every fault was met
    assert proxy.seen.count(("POST", "/wp/v2/posts")) == 1  # created once; the retry found it
    assert proxy.seen.count(("POST", "/wp/v2/media")) == 1

    [post] = posts(wordpress, pub.id)
    [pdf] = media(wordpress, pub.id)
    assert ("POST", f"/wp/v2/posts/{post['id']}") in proxy.seen  # ... and updated it
    assert post["status"] == "publish" and post["slug"] == f"prakat-{pub.id}"
    assert post["title"]["raw"] == "ประกาศผู้ชนะการเสนอราคาจัดซื้อวัสดุสำนักงาน"
    [category] = site_json(wordpress, "/wp/v2/categories", slug="prakat-procurement")
    assert post["categories"] == [category["id"]] and category["name"] == "จัดซื้อจัดจ้าง"
    assert pdf["mime_type"] == "application/pdf" and pdf["source_url"] in post["content"]["raw"]
    assert f"https://prakat.example.go.th/p/{pub.id}" in post["content"]["raw"]
    stored = record(runtime, pub.id)
    assert (stored.status, stored.post_id, stored.url) == ("published", post["id"], post["link"])

    # what a visitor sees on the site, and the file itself
    page = wordpress.public(urllib.parse.urlsplit(post["link"]).path + "?" +
                            urllib.parse.urlsplit(post["link"]).query)
    html = page.data.decode()
    assert page.status == 200 and "ประกาศผู้ชนะการเสนอราคาจัดซื้อวัสดุสำนักงาน" in html
    assert pdf["source_url"] in html and f"cat={category['id']}" in html  # its category's link
    with runtime.factory() as session:
        stored_pdf = session.get(Publication, pub.id).submission.version().attachments[0]
        from bot.files import links
        original = links.store(runtime.config).open(stored_pdf.sha256)
    assert urllib3.request("GET", pdf["source_url"]).data == original

    # PR's card carries the site's address, and so does the portal's page
    pr_card = next(m for m in fake.messages_to(group_id(PR_GROUP)) if m["type"] == "flex")
    assert actions(pr_card)["เปิดบนเว็บไซต์สำนักงาน"]["uri"] == post["link"]
    share = [m for m in fake.messages_to(group_id(PR_GROUP)) if m["type"] == "text"][0]["text"]
    assert post["link"] in share
    portal = client.get(f"/p/{pub.id}", headers={"User-Agent": "Mozilla/5.0"}).get_data(as_text=True)
    assert post["link"].replace("&", "&amp;") in portal or post["link"] in portal
    [entry] = audit(runtime, "website_publish")
    assert entry.data["post_id"] == post["id"]

    # retracted by ICT on the command line: the post goes back to draft, and leaves the public site
    result = app.test_cli_runner().invoke(args=["unpublish", str(pub.id), "--reason",
                                                "ข้อมูลคลาดเคลื่อน จะประกาศฉบับแก้ไข", "--by", "pimchanok"])
    assert result.exit_code == 0, result.output
    line.drain()
    [post] = posts(wordpress, pub.id)
    assert post["status"] == "draft"
    assert wordpress.public(f"/?p={post['id']}").status == 404
    [entry] = audit(runtime, "website_retract")
    assert entry.data == {"publication_id": pub.id, "post_id": post["id"], "to": "draft",
                          "url": stored.url}
    assert record(runtime, pub.id).status == "draft"
    assert "บนเว็บไซต์สำนักงาน" not in client.get(f"/p/{pub.id}").get_data(as_text=True)


def test_an_album_is_a_gallery_in_its_category_and_the_ict_button_trashes_it(
        people, app, line, fake, wordpress, proxy):
    runtime = people
    connect(app, runtime, proxy.url, wordpress.password, on_retract="trash")
    submit_photos(line, "อบรมครูวิทยาศาสตร์")
    line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    pub = publication(runtime)
    proxy.fail("POST", "/wp/v2/media")
    line.drain()

    [post] = posts(wordpress, pub.id)
    [photo] = media(wordpress, pub.id)
    assert photo["media_type"] == "image", {k: photo[k] for k in ("mime_type", "source_url", "slug", "media_details")}
    assert post["featured_media"] == photo["id"]
    assert "wp-block-gallery" in post["content"]["raw"] and photo["source_url"] in post["content"]["raw"]
    assert "วันที่จัดกิจกรรม" in post["content"]["raw"]
    [category] = site_json(wordpress, "/wp/v2/categories", slug="prakat-activities")
    assert post["categories"] == [category["id"]]
    html = wordpress.public(f"/?p={post['id']}").data.decode()
    assert "อบรมครูวิทยาศาสตร์" in html and "wp-block-gallery" in html

    ict_card = [m for m in fake.messages_to(user_id("pimchanok")) if m["type"] == "flex"][-1]
    line.tap("pimchanok", data(ict_card, "ถอนการเผยแพร่"))
    line.text("pimchanok", "ภาพไม่ถูกต้อง จะส่งชุดใหม่")
    line.drain()
    [post] = posts(wordpress, pub.id)
    assert post["status"] == "trash"
    assert wordpress.public(f"/?p={post['id']}").status == 404
    assert audit(runtime, "website_retract")[0].data["to"] == "trash"


def test_a_refused_password_fails_at_once_tells_ict_and_outbox_retry_resumes(
        site_office, app, line, fake, wordpress, proxy):
    runtime = site_office
    result = app.test_cli_runner().invoke(args=["website", "password"], input="abcd efgh ijkl mnop\n")
    assert result.exit_code == 0
    submit_document(line, category="1.9", title="ประกาศจัดซื้อครุภัณฑ์คอมพิวเตอร์")
    line.tap("prasert", data(latest_card(fake, "prasert"), "อนุมัติ"))
    line.tap("somchai", data(latest_card(fake, "somchai"), "อนุมัติ"))
    pub = publication(runtime)
    line.drain()
    with runtime.factory() as session:
        [row] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "website_publish"))
        row_id, attempts, last_status, status = row.id, row.attempts, row.last_status, row.status
    assert (status, attempts, last_status) == ("failed", 1, 401)  # no back-off for a refusal
    for key in ("pimchanok", "anan"):
        told = line.texts_to(key)[-1]
        assert "ขึ้นเว็บไซต์สำนักงานไม่สำเร็จ" in told and "Application Password" in told
        assert "outbox retry" in told and "ค่ะ" in told
    assert posts(wordpress, pub.id) == [] and record(runtime, pub.id).status == "failed"
    pr = fake.messages_to(group_id(PR_GROUP))
    assert [m["type"] for m in pr] == ["flex", "text"]  # PR is not kept waiting
    assert "เปิดบนเว็บไซต์สำนักงาน" not in actions(pr[0])
    assert audit(runtime, "website_failed")[0].data["reason"] == "auth"

    # the administrator stores the right password and resumes the row
    assert app.test_cli_runner().invoke(args=["website", "password"],
                                        input=wordpress.password).exit_code == 0
    result = app.test_cli_runner().invoke(args=["outbox", "retry", str(row_id)])
    assert result.exit_code == 0, result.output
    line.drain()
    [post] = posts(wordpress, pub.id)
    assert post["status"] == "publish" and len(media(wordpress, pub.id)) == 1
    last = fake.messages_to(group_id(PR_GROUP))[-1]["text"]
    assert "ขึ้นเว็บไซต์สำนักงานแล้ว" in last and post["link"] in last


def test_the_password_is_sealed_with_the_key_and_never_stored_without_it(people, app, runtime):
    with transaction(runtime.factory) as session:
        from bot.office.orgfile import load
        load(session, website_yaml("https://www.example.go.th"))
    result = app.test_cli_runner().invoke(args=["website", "password"], input="abcd efgh ijkl mnop")
    assert result.exit_code == 0
    with runtime.factory() as session:
        sealed = session.scalars(select(Office)).one().website_password
    assert "abcd" not in sealed and unseal(KEY, sealed) == "abcd efgh ijkl mnop"
    with pytest.raises(SealError):
        unseal("another key", sealed)
    with pytest.raises(SealError):
        seal("", "x")
    shown = app.test_cli_runner().invoke(args=["website", "show"]).output
    assert "stored (encrypted)" in shown and "abcd" not in shown and "1.9 → prakat-procurement" in shown
    # a file naming another site forgets the password: it belongs to its site
    with transaction(runtime.factory) as session:
        load(session, website_yaml("https://other.example.go.th"))
    with runtime.factory() as session:
        assert session.scalars(select(Office)).one().website_password is None


def test_the_key_is_required_to_store_a_password(people, app, runtime):
    runtime.config = replace(runtime.config, prakat_secret_key="")
    from bot.office.orgfile import load
    with transaction(runtime.factory) as session:
        load(session, website_yaml("https://www.example.go.th"))
    result = app.test_cli_runner().invoke(args=["website", "password"], input="abcd efgh")
    assert result.exit_code != 0 and "PRAKAT_SECRET_KEY" in result.output


@pytest.mark.parametrize("section, message", [
    ("{kind: joomla, url: 'https://x.go.th', user: a}", "kind must be one of"),
    ("{kind: wordpress, url: 'ftp://x.go.th', user: a}", "site's address"),
    ("{kind: wordpress, url: 'https://x.go.th'}", "user is required"),
    ("{kind: wordpress, url: 'https://x.go.th', user: a, categories: {1.10: x}}", "in quotes"),
    ("{kind: wordpress, url: 'https://x.go.th', user: a, categories: {'9.9': x}}", "unknown category"),
    ("{kind: wordpress, url: 'https://x.go.th', user: a, on_retract: delete}", "'draft' or 'trash'"),
    ("{kind: wordpress, url: 'https://x.go.th', user: a, password: secret}", "never write the website password"),
])
def test_a_bad_website_section_is_refused_with_its_line(section, message):
    with pytest.raises(OrgFileError) as refused:
        parse(OFFICE_YAML + f"\nwebsite: {section}\n")
    assert message in str(refused.value) and "line" in str(refused.value)
