"""Defects an adversarial probe found (issue #12), each driven through the real path: signed
webhooks, the portal over HTTP, a real write-locked SQLite file. See docs/RELIABILITY.md."""

from __future__ import annotations

import pytest

from tests.test_portal import Reader, add

HUGE = ("99999999999999999999", str(2**63), str(10**25), "9" * 5000)


@pytest.fixture
def reader(app) -> Reader:
    return Reader(app.test_client())


# --- #12.7 out-of-range ids in portal URLs --------------------------------------------------

@pytest.mark.parametrize("huge", HUGE)
def test_out_of_range_ids_in_portal_urls_are_not_found(office, reader, huge):
    _, pid = add(office, title="ประกาศปกติ")
    for path in (f"/p/{huge}", f"/p/{pid}/files/{huge}", f"/p/{pid}/thumb/{huge}.jpg",
                 f"/p/{huge}/card.png", f"/p/{huge}/notice.pdf", f"/reports/{huge}/2570Q1.html"):
        response = reader.get(path)
        assert response.status_code == 404, path
        assert "ไม่พบหน้านี้" in response.get_data(as_text=True), path
    assert reader.get(f"/p/{pid}").status_code == 200
