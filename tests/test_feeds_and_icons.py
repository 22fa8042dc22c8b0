"""What a supervisor's feed reader and a shared link need: every disclosure in the feed, a
self link, a site icon; and a kiosk warning that leaves two thirds of the idle time to read."""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from PIL import Image

from conftest import TODAY, run_cli

ATOM = {"a": "http://www.w3.org/2005/Atom"}


def test_the_feed_carries_notices_decisions_and_ledgers_and_its_own_address(built_demo):
    feed = ET.parse(built_demo / "feed.xml").getroot()
    assert [l.get("href") for l in feed.findall("a:link", ATOM) if l.get("rel") == "self"] == \
        ["https://cunwu.example.org/qingxi/feed.xml"]
    # a title may start with its status (〔已修订〕…, see test_list_status), which depends on the git history
    entries = {re.sub(r"^〔[^〕]*〕", "", e.find("a:title", ATOM).text): e.find("a:category", ATOM).get("term")
               for e in feed.findall("a:entry", ATOM)}
    assert entries["2026年第三季度财务收支公开"] == "财务公开"
    assert entries["2025年度村集体经营收入使用方案"] in ("村务公开", "四议两公开")
    assert entries["关于召开村民代表会议的通知"] == "村务公开"


def test_the_site_has_an_icon_at_the_root(built_demo):
    with Image.open(built_demo / "favicon.ico") as icon:
        assert icon.format == "ICO"


def test_the_kiosk_warning_never_takes_more_than_a_third_of_the_idle_time(demo_copy, tmp_path):
    village = demo_copy / "village.yaml"
    village.write_text(village.read_text(encoding="utf-8").replace("idle_seconds: 90", "idle_seconds: 30"),
                       encoding="utf-8")
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY).returncode == 0
    page = (out / "kiosk" / "finance" / "2026-Q3.html").read_text(encoding="utf-8")
    assert 'data-idle="30"' in page and 'data-countdown="10"' in page


def test_the_feed_takes_the_thirty_newest_of_every_list_however_many_share_a_day():
    """The feed looks only at the head of each list (``feeds._newest_listed``); its thirty entries
    are still those sorting every entry of every list by day and address gives, when many are
    published the same day, some are withdrawn, and one list is far longer than the others."""
    import heapq
    import random
    from types import SimpleNamespace

    from villageboard.kinds import feeds

    rng = random.Random(30)
    for _ in range(50):
        listings = {}
        for section in ("party", "affairs", "decisions"):
            listings[section] = [
                SimpleNamespace(published_on=dt.date(2026, rng.randint(1, 3), rng.randint(1, 3)),
                                date=dt.date(2025, rng.randint(1, 12), rng.randint(1, 28)),
                                slug=f"n{n}", url=f"{section}/n{n}.html", section_title=section,
                                withdrawn=rng.random() < 0.2)
                for n in range(rng.choice((5, 40, 400)))]
        site = SimpleNamespace(listings=listings, worked_out={}, memo=None)
        every = [(e, e.section_title) for entries in listings.values() for e in entries if not e.withdrawn]
        key = lambda pair: (pair[0].published_on, pair[0].url)
        assert heapq.nlargest(feeds.FEED_SIZE, feeds._newest_listed(site), key=key) == \
            heapq.nlargest(feeds.FEED_SIZE, every, key=key)
