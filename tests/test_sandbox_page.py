"""The /sandbox page's server side: absent with real LINE credentials; in sandbox mode, what a
person does there reaches the bot as LINE's signed webhook and the answers come back per chat."""

from __future__ import annotations

import io
import json
import time
import urllib.request

from tests import samples
from tests.sandbox_server import sandbox_app


def test_with_real_line_credentials_there_is_no_sandbox_page(client):
    assert client.get("/sandbox").status_code == 404
    assert client.get("/sandbox/api/personas").status_code == 404


def _get(url: str):
    return json.load(urllib.request.urlopen(url, timeout=10))


def _post_files(url: str, files: list[tuple[str, str, bytes]]):
    boundary = "sandboxboundary"
    out = io.BytesIO()
    for name, kind, data in files:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                  f"Content-Type: {kind}\r\n\r\n".encode() + data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(url, data=out.getvalue(), method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    return json.load(urllib.request.urlopen(request, timeout=10))


def _bot_texts(base: str, chat_id: str, want: str, timeout: float = 10.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        said = [e["message"].get("text", "") for e in _get(f"{base}/sandbox/api/chat/{chat_id}")["messages"]
                if e["from"] == "bot"]
        if any(want in text for text in said) or time.monotonic() > deadline:
            return said
        time.sleep(0.1)


def test_photos_from_the_page_reach_the_bot_as_one_image_set(database_url, tmp_path):
    with sandbox_app(database_url, tmp_path) as (base, runtime):
        personas = _get(f"{base}/sandbox/api/personas")
        kanya = next(p for p in personas if p["name"] == "นางสาวกัญญา พึ่งบุญ")
        assert {p["name"] for p in personas if p["group"]} == {"กลุ่มงานประชาสัมพันธ์", "กลุ่มผู้บริหาร"}
        photos = [(f"p{i}.jpg", "image/jpeg", samples.jpeg_with_gps(color=(i * 40, 20, 20))) for i in range(3)]
        assert _post_files(f"{base}/sandbox/api/chat/{kanya['chat_id']}/files", photos)["sent"] == 3
        said = _bot_texts(base, kanya["chat_id"], "ได้รับภาพแล้ว ๓ ภาพ")
        assert any("ได้รับภาพแล้ว ๓ ภาพค่ะ" in text for text in said), said
        mine = [e for e in _get(f"{base}/sandbox/api/chat/{kanya['chat_id']}")["messages"] if e["from"] == "me"]
        assert [m["message"]["imageSet"]["index"] for m in mine] == [1, 2, 3]
        assert runtime.fake_line.validation_errors == []
        # the rich menu the bot linked is drawn from its uploaded image
        deadline = time.monotonic() + 20  # linked in the background: one menu is drawn at a time
        while (menu := _get(f"{base}/sandbox/api/chat/{kanya['chat_id']}")["richmenu"]) is None \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [a["action"]["label"] for a in menu["areas"]][:2] == ["ส่งเอกสาร", "ส่งภาพกิจกรรม"]
        assert urllib.request.urlopen(base + menu["image"]).read()[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0")


def test_the_demo_has_a_quarter_of_history_and_its_digest_in_the_management_chat(database_url, tmp_path):
    from sqlalchemy import select

    from models import Publication, Submission, SubmissionVersion

    with sandbox_app(database_url, tmp_path, history=True) as (base, runtime):
        with runtime.factory() as session:
            statuses = sorted(s.status for s in session.scalars(select(Submission)))
            titles = session.scalars(select(SubmissionVersion.title)).all()
            published = session.scalars(select(Publication)).all()
        assert statuses.count("published") == 8 and statuses.count("rejected") == 1
        assert all(title.endswith("(ข้อมูลตัวอย่าง)") for title in titles)
        assert len({p.submission_id for p in published}) == 8
        home = urllib.request.urlopen(base + "/").read().decode()
        assert "ข้อมูลตัวอย่าง" in home
        management = next(p for p in _get(f"{base}/sandbox/api/personas") if p["name"] == "กลุ่มผู้บริหาร")
        said = _bot_texts(base, management["chat_id"], "")
        deadline = time.monotonic() + 10
        while not any(e["message"].get("altText", "").startswith("รายงานการเผยแพร่ข้อมูล")
                      for e in _get(f"{base}/sandbox/api/chat/{management['chat_id']}")["messages"]):
            assert time.monotonic() < deadline, said
            time.sleep(0.1)
        assert runtime.fake_line.validation_errors == []


def test_sandbox_demo_off_loads_no_office(database_url, tmp_path):
    with sandbox_app(database_url, tmp_path, history=True, demo_on=False) as (base, _):
        assert _get(f"{base}/sandbox/api/personas") == []
        assert urllib.request.urlopen(base + "/sandbox").status == 200
