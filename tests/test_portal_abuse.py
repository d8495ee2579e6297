"""The portal under abuse, over real HTTP: traversal on file URLs, tokens for other things,
unpublished and absurd ids, oversized queries. Every answer is a 4xx or a bounded page, never
a file from outside the store and never a 500."""

from __future__ import annotations

import http.client
import threading
from urllib.parse import quote

import pytest
from werkzeug.serving import make_server

from bot.files import links
from bot.publishing.addresses import preview_url, record_url
from bot.publishing.procedure import publication_of
from bot.spine import signing
from bot.spine.db import transaction
from tests import samples
from tests.factories import make_item
from tests.test_portal import BROWSER, add

SECRET_TEXT = b"root:x:0:0:do-not-serve-me"
BASE = "https://prakat.example.go.th"


@pytest.fixture
def server(app):
    """The app behind werkzeug's real HTTP server: paths arrive exactly as sent."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    thread.join(5)


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.putheader("User-Agent", BROWSER)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture
def planted(config, tmp_path):
    """A secret file beside the store and in the data directory, which nothing may serve."""
    for place in (tmp_path / "secret.txt", tmp_path / "data" / "secret.txt"):
        place.parent.mkdir(parents=True, exist_ok=True)
        place.write_bytes(SECRET_TEXT)
    return tmp_path / "data" / "secret.txt"


CLIENT_ERRORS = tuple(range(400, 500))


def assert_refused(port: int, path: str, allowed=CLIENT_ERRORS) -> None:
    status, body = get(port, path)
    assert status in allowed, (path, status)
    assert SECRET_TEXT not in body and b"[tool.importlinter" not in body, path


def file_path(url: str) -> str:
    return url.removeprefix(BASE)


TRAVERSALS = [
    "/f/../../secret.txt", "/f/..%2f..%2fsecret.txt", "/f/%2e%2e/%2e%2e/secret.txt",
    "/f/%2e%2e%2f%2e%2e%2fsecret.txt", "/f//etc/passwd", "/f/%2Fetc%2Fpasswd",
    "/f/..%5c..%5csecret.txt", "/f/%252e%252e%252fsecret.txt", "/f/secret.txt%00.pdf",
    "/p/1/files/..%2f..%2fsecret.txt", "/p/1/files/%2e%2e", "/p/1/thumb/..%2fsecret.jpg",
    "/p/1/files/-1", "/p/1/files/1.5", "/p/%2e%2e/files/1", "/portal.css/../pyproject.toml",
    "/portal.css/..%2f..%2fpyproject.toml", "/static/../pyproject.toml", "//etc/passwd",
    "/templates/portal/base.html", "/data/secret.txt", "/instance/prakat.db",
]


def test_traversal_on_file_urls_never_leaves_the_store(office, server, planted):
    add(office, title="ประกาศมีไฟล์", files=[("ประกาศ.pdf", samples.pdf(1), "application/pdf")])
    for path in TRAVERSALS:
        assert_refused(server, path)
    status, body = get(server, "/p/1/files/1")  # the real file is still served
    assert status == 200 and body.startswith(b"%PDF")


def test_tokens_for_anything_else_do_not_open_a_file(office, server, config, planted):
    sid, pid = add(office, title="เผยแพร่แล้ว")
    record = record_url(config, pid).rsplit("/", 1)[1]
    preview = preview_url(config, sid).rsplit("/", 1)[1]
    forged = [
        record, preview,  # signed, but for another purpose
        signing.sign("another-secret", "file", {"a": 1, "p": 0, "r": "approver"}),
        signing.sign(config.secret_key, "file", {"a": "../../secret.txt", "p": 0}),
        signing.sign(config.secret_key, "file", {"a": [1], "p": 0}),
        signing.sign(config.secret_key, "file", {"a": 10**30, "p": 0, "r": "approver"}),
        signing.sign(config.secret_key, "file", {"a": 1, "p": 0, "r": "../../"}),
        "x" * 5000, quote("../" * 50, safe=""),
    ]
    for token in forged:
        assert_refused(server, f"/f/{token}")


def test_a_stored_row_that_names_a_path_serves_nothing(office, server, config, planted):
    """An attachment row whose hash was tampered with in the database: still never a path."""
    with transaction(office.factory) as session:
        pending = make_item(session, state="pending", files=[("a.pdf", b"%PDF-1.4", "application/pdf")])
        published = make_item(session, state="published", files=[("b.pdf", b"%PDF-1.4", "application/pdf")])
        evil = [pending.version().attachments[0], published.version().attachments[0]]
        for att, sha in zip(evil, ("../../secret.txt", "/etc/passwd"), strict=True):
            att.sha256 = sha
        ids = [a.id for a in evil]
        missing = make_item(session, state="pending", files=[("c.pdf", b"gone", "application/pdf")])
        ids.append(missing.version().attachments[0].id)  # its hash names no stored file
        pid = publication_of(session, published.id).id
    for aid in ids:  # the published one's link leads to its public address, refused below
        assert_refused(server, file_path(links.attachment_url(config, aid, audience="approver")),
                       allowed=(*CLIENT_ERRORS, 302))
    for path in (f"/p/{pid}/files/{ids[1]}", f"/p/{pid}/thumb/{ids[1]}.jpg"):
        assert_refused(server, path)


def test_unpublished_and_absurd_ids_are_not_found(office, server):
    with transaction(office.factory) as session:
        for state in ("draft", "pending", "approved", "rejected"):
            make_item(session, state=state, title=f"ยังไม่เผยแพร่ {state}")
    _, pid = add(office, title="เผยแพร่แล้ว")
    for path in ("/p/0", "/p/-1", "/p/99999", f"/p/{2**31}", f"/p/{2**63}", "/p/" + "9" * 5000,
                 f"/p/{pid}/files/99999", f"/p/{pid}/thumb/{10**30}.jpg", "/p/1e3", "/p/0x10",
                 "/c/../p/1", "/c/9.99", "/c/" + "1" * 10_000, "/reports/0/2570Q1.html",
                 "/reports/1/99999Q9.html", "/reports/1/2570Q1.exe"):
        assert_refused(server, path, allowed=(403, 404, 414))
    status, body = get(server, f"/p/{pid}")
    assert status == 200 and "ยังไม่เผยแพร่".encode() not in body


SEARCHES = {
    "100k-thai": "q=" + quote("ก" * 100_000), "like-chars": "q=" + quote("%_\\" * 30_000),
    "20k-terms": "q=" + quote(" ".join(["ข่าว"] * 20_000)),
    "page-10e30": "q=x&page=" + str(10**30), "page-negative": "q=x&page=-5",
    "page-5000-digits": "q=x&page=" + "9" * 5000, "controls": "q=%00%01%1b",
    "lone-surrogate": "q=" + quote("\ud800", errors="surrogatepass"),
    "no-query-page-10e30": "page=" + str(10**30),
}


@pytest.mark.parametrize("query", SEARCHES.values(), ids=SEARCHES.keys())
def test_oversized_or_odd_searches_get_a_bounded_answer(office, server, query):
    add(office, title="ข่าวประชาสัมพันธ์")
    status, body = get(server, "/search?" + query)
    assert status in (200, 400, 404, 414), status
    assert len(body) < 200_000  # the query is echoed cut, never whole


@pytest.mark.parametrize("path", ["/", "/c/1.3", "/feed.atom", "/c/1.3/feed.atom", "/minimum"])
def test_listing_pages_with_an_absurd_page_number(office, server, path):
    add(office, title="ข่าวประชาสัมพันธ์")
    for page in (str(10**30), "0", "-1", "abc", "9" * 5000):
        status, _ = get(server, f"{path}?page={page}")
        assert status in (200, 404), (path, page, status)
