"""Lists tell the truth: wherever an item is listed (home, section list, year archive, the
kiosk, the feed) it carries its status, 未通过, 已撤下, 已过公示期 or 已修订, by word and symbol."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from conftest import TODAY, committed, run_cli
from villageboard.planning import site as site_module
from villageboard.kinds.status import EXPIRED, FAILED, REVISED, WITHDRAWN, Status

FAILED_TITLE = "后山集体林地出租建设露营基地"  # the demo's resolution that missed its quorum
EXPIRED_TITLE = "宅基地申请审批结果公示"  # expires 2026-06-18
REVISED_TITLE = "2026年耕地地力保护补贴发放情况公示"  # changed after publication below
WITHDRAWN_TITLE = "党群服务中心改造工程开工公告"  # removed below
PLAIN_TITLE = "溪边护栏“一事一议”筹资方案征求意见"


def test_status_words_and_order():
    assert Status.of(failed=True, revised=True).words == "未通过、已修订"
    assert [m.word for m in Status.of(expired=True, revised=True, failed=True)] == ["未通过", "已过公示期", "已修订"]
    assert Status.of(withdrawn=True, revised=True).marks == (WITHDRAWN,)  # nothing else is shown of it
    assert not Status.of() and Status.of().titled("通知") == "通知"
    assert Status.of(failed=True).titled("方案") == "〔未通过〕方案"
    assert len({m.symbol for m in (FAILED, WITHDRAWN, EXPIRED, REVISED)}) == 4  # told apart without colour


@pytest.fixture(scope="module")
def village(tmp_path_factory) -> Path:
    """The demo in its own repository: all published on 2026-09-20, then one notice revised
    and one removed, so that every status is in play."""
    import shutil

    from conftest import DEMO

    root = tmp_path_factory.mktemp("status")
    content = root / "content"
    shutil.copytree(DEMO, content)
    git = committed(content, "发布", when="2026-09-20T10:00:00+08:00")
    notice = content / "affairs" / "2026-gengdi-butie.md"
    notice.write_text(notice.read_text(encoding="utf-8").replace("79 户享受补贴", "80 户享受补贴"), encoding="utf-8")
    git("commit", "-qam", "更正享受补贴户数", when="2026-10-02T09:00:00+08:00")
    git("rm", "-q", "affairs/2026-fuwuzhongxin-gaizao.md")
    git("commit", "-qm", "撤下：工程改期，另行公告", when="2026-10-05T09:00:00+08:00")
    return content


@pytest.fixture(scope="module")
def built(village) -> Path:
    out = village.parent / "site"
    done = run_cli("build", "--content", str(village), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    return out


def test_each_listed_item_has_its_status_from_the_model(village):
    site = site_module.load(village, dt.date.fromisoformat(TODAY))
    assert not site.report.errors
    listed = {e.title: e for e in site.listings["affairs"]}
    assert listed[FAILED_TITLE].status.has(FAILED)
    assert listed[EXPIRED_TITLE].status.marks == (EXPIRED,)
    assert listed[REVISED_TITLE].status.marks == (REVISED,)
    assert listed[WITHDRAWN_TITLE].status.marks == (WITHDRAWN,)
    assert not listed[PLAIN_TITLE].status
    for ledger in site.books.ledgers:
        assert isinstance(ledger.status, Status)


def items(html: str) -> dict[str, str]:
    """Each list item of a notice list, by the title it links to."""
    found = {}
    for li in re.findall(r"<li(?:\s[^>]*)?>(.*?)</li>", html, re.S):
        link = re.search(r"<a [^>]*>(.*?)</a>", li, re.S)
        if link:
            title = re.sub(r'<span class="status-symbol"[^>]*>.*?</span>', "", link.group(1))
            title = re.sub(r'<span class="(tag|meta)[^"]*">.*?</span>', "", title, flags=re.S)
            found[re.sub(r"<[^>]+>|\s", "", title)] = li
    return found


def has_mark(li: str, mark) -> bool:
    """The word and the symbol, in a tag of the mark's own style."""
    return (f'class="tag status-{mark.key}"' in li
            and re.search(f">{re.escape(mark.symbol)}</span>{mark.word}\\s*</span>", li) is not None)


@pytest.mark.parametrize("page", ["index.html", "affairs/index.html", "affairs/2026.html",
                                  "kiosk/index.html", "kiosk/affairs/index.html", "kiosk/affairs/2026.html"])
def test_the_failed_resolution_is_marked_wherever_it_is_listed(built, page):
    listed = items((built / page).read_text(encoding="utf-8"))
    assert has_mark(listed[FAILED_TITLE], FAILED), page
    assert not any(has_mark(li, FAILED) for title, li in listed.items() if title != FAILED_TITLE)


@pytest.mark.parametrize("page", ["affairs/2026.html", "kiosk/affairs/2026.html"])
def test_year_archives_mark_withdrawn_expired_and_revised_items(built, page):
    listed = items((built / page).read_text(encoding="utf-8"))
    assert has_mark(listed[WITHDRAWN_TITLE], WITHDRAWN)
    assert has_mark(listed[EXPIRED_TITLE], EXPIRED)
    assert has_mark(listed[REVISED_TITLE], REVISED)
    assert "status-" not in listed[PLAIN_TITLE]


def test_current_lists_mark_revisions_and_leave_out_what_is_gone(built):
    for page in ("index.html", "affairs/index.html", "kiosk/affairs/index.html"):
        listed = items((built / page).read_text(encoding="utf-8"))
        assert has_mark(listed[REVISED_TITLE], REVISED), page
        assert WITHDRAWN_TITLE not in listed and EXPIRED_TITLE not in listed, page


def test_the_feed_titles_say_it_too(built):
    feed = (built / "feed.xml").read_text(encoding="utf-8")
    assert f"<title>〔未通过〕{FAILED_TITLE}</title>" in feed
    assert f"<title>〔已修订〕{REVISED_TITLE}</title>" in feed
    assert f"<title>{PLAIN_TITLE}</title>" in feed
    assert WITHDRAWN_TITLE not in feed


def test_a_list_patched_after_a_save_is_in_the_order_a_sort_gives():
    """``serve`` takes the section's list from the save before and puts in or takes out only the
    entries the save changed (``notices._resorted``): after random saves (dates moved, entries
    added and removed, some as new as others), every list it gives is the very list sorting all
    entries gives, and it gives one in most saves rather than sorting again."""
    import random
    from types import SimpleNamespace

    from villageboard.kinds import notices

    rng = random.Random(20261207)
    day = lambda: dt.date(2026, rng.randint(1, 12), rng.randint(1, 28))
    entry = lambda: SimpleNamespace(published_on=day(), date=day(), slug=f"n{rng.randint(0, 10 ** 6)}")
    listed = [entry() for _ in range(300)]
    made, patched = notices._newest_first(listed), 0
    for _ in range(400):
        gone = rng.sample(listed, rng.randint(0, 3))
        added = [entry() for _ in range(rng.randint(0, 3))]
        if rng.random() < 0.1 and listed:  # as new as an entry already there: kept in listing order by a sort
            twin = rng.choice(listed)
            added.append(SimpleNamespace(published_on=twin.published_on, date=twin.date, slug=twin.slug))
        listed = [e for e in listed if all(e is not g for g in gone)]
        for e in added:  # where the folder lists a new file: anywhere
            listed.insert(rng.randint(0, len(listed)), e)
        found = notices._resorted(made, gone, added)
        made = notices._newest_first(listed)
        if found is not None:
            patched += 1
            assert len(found) == len(made) and all(a is b for a, b in zip(found, made))
    assert patched > 300
