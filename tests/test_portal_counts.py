"""The home page's per-category counts are recounted at most once a minute (counting every live
row is what grows with the archive); the newest items are always read afresh."""

from __future__ import annotations

from bot.portal import web
from tests.test_portal import BROWSER, Tree
from tests.test_search import add


def home(client) -> tuple[list[str], dict[str, int]]:
    root = Tree(client.get("/", headers={"User-Agent": BROWSER}).get_data(as_text=True)).root
    counts = {li.one("span", class_="code").text: int(li.one("span", class_="count").text)
              for li in root.one("ul", class_="categories").all("li")}
    return [a.text for a in root.all("a", class_="title")], counts


def test_counts_are_kept_a_minute_and_the_newest_items_are_not(office, client, monkeypatch):
    add(office, title="ประกาศรับสมัครครูอัตราจ้าง", category="1.3", minutes_ago=5)
    assert home(client)[1]["1.3"] == 1
    add(office, title="ประกาศรับสมัครนักการภารโรง", category="1.3")
    latest, counts = home(client)
    assert latest[0] == "ประกาศรับสมัครนักการภารโรง" and counts["1.3"] == 1  # within the minute
    monkeypatch.setattr(web, "COUNTS_SECONDS", 0.0)
    assert home(client)[1]["1.3"] == 2
