"""The search index: every piece of two characters of published text is found, the postings carry
what ranking needs, nothing unpublished is indexed, and the index stays within its download budget."""
from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re

import pytest

from conftest import DEMO, ROOT, TODAY, committed
from villageboard import builder
from villageboard.kinds import search
from villageboard.planning import site as site_module
from villageboard.rendering import record


def _value(script: str):
    """The JSON value a search file assigns."""
    m = re.fullmatch(r'\(window\.SEARCH_DATA=window\.SEARCH_DATA\|\|\{\}\)\["([pd]\d+)"\]=(.*);\n', script, re.S)
    assert m, script[:80]
    return json.loads(m.group(2))


@pytest.fixture(scope="module")
def demo():
    site = site_module.load(DEMO, dt.date.fromisoformat(TODAY))
    assert not site.report.errors
    documents = search.documents(site, site.pages())
    index = search.Index(documents)
    files = dict(index.files())
    shards = {n: _value(files[f"search/p/{n}.js"]) for n in range(index.shards)}
    return site, documents, index, files, shards


def _found(shards, count, term: str) -> set[int]:
    """The documents whose postings hold every lookup bigram of ``term``, as search.js reads them."""
    found = None
    for key in search.lookup_keys(search.fold(term)):
        ids = {d for d, _, _ in search.decode_postings(shards[search.shard_of(key, count)].get(key, ""))}
        found = ids if found is None else found & ids
    return found or set()


def test_every_two_characters_of_every_published_text_are_found(demo):
    _, documents, index, _, shards = demo
    assert len(documents) > 25
    checked = 0
    for number, doc in enumerate(documents):
        for text in (doc.title, doc.text):
            for i in range(len(text) - 1):
                piece = text[i:i + 2]
                if piece.strip() == piece and " " not in piece:
                    assert number in _found(shards, index.shards, piece), (doc.path, piece)
                    checked += 1
    assert checked > 5000


def test_bodies_tables_ledgers_decisions_compact_and_households_are_in_the_index(demo):
    _, documents, index, _, shards = demo
    by_path = {d.path: n for n, d in enumerate(documents)}
    for path, words in {
        "affairs/2026-daibiao-huiyi.html": ["请假", "村部二楼会议室"],       # notice body only
        "affairs/2026-dibao-q4.html": ["王某英", "姚某根", "1,780.00"],       # a Markdown table
        "affairs/2026-fuwuzhongxin-gaizao.html": ["适老化卫生间", "改造前的办事大厅"],  # list, picture text
        "finance/2026-Q3.html": ["溪边沟渠清淤", "记-08-06", "壹拾万肆仟叁佰肆拾元伍角"],  # ledger items, capitals
        "affairs/decisions/2026-houshan-linzu.html": ["露营基地", "未通过"],
        "compact/index.html": ["电子鞭炮", "婚事新办"],
        "households/yao-xifei.html": ["山洪", "矛盾调解员"],
    }.items():
        for word in words:
            assert by_path[path] in _found(shards, index.shards, word), (path, word)
            assert word in documents[by_path[path]].text or word in documents[by_path[path]].title


def test_postings_rank_by_title_and_hits(demo):
    """A posting says how often its bigram stands in the title and in the body: enough to rank
    candidates before their text is loaded."""
    docs = [search.Document("a.html", "低保公示", "村务公开", "2026-01-01", "", "低保 低保 低保"),
            search.Document("b.html", "通知", "村务公开", "2026-02-01", "", "低保"),
            search.Document("c.html", "通知", "村务公开", "2026-03-01", "", "补贴")]
    index = search.Index(docs)
    postings = search.decode_postings(index.postings["低保"])
    assert postings == [(0, 1, 3), (1, 0, 1)]
    assert search.decode_postings(index.postings["补贴"]) == [(2, 0, 1)]
    assert [search.decode_numbers(search.encode_number(n))[0] for n in (0, 31, 32, 1023, 1024, 10 ** 6)] == \
        [0, 31, 32, 1023, 1024, 10 ** 6]


def test_folding_keeps_positions_and_finds_full_width_and_capitals():
    assert search.fold("２０２６年Ｑ３") == "2026年q3"
    assert len(search.fold("ＡＢ㈠𝐀")) == len("ＡＢ㈠𝐀")  # one character for one: highlights stay in place
    assert set(search.bigrams("2026 Q3")) == {"20", "02", "26", "q3"}  # no bigram spans a space


def test_nothing_unpublished_is_indexed(demo):
    """Drafts (caogao-dangke.md) and notices not yet published (2027-chunjie-zhiban.md) are in no file."""
    _, documents, _, files, _ = demo
    everything = "".join(files.values())
    assert "尚未确定讲课人" not in everything and "冬季党课安排" not in everything
    assert "值班表另附" not in everything and "春节期间村部值班安排" not in everything
    assert not any(d.path.startswith(("party/caogao", "affairs/2027")) for d in documents)
    assert not any(d.path in ("finance/index.html", "affairs/index.html", "index.html") for d in documents)


def test_a_withdrawn_notice_is_not_indexed(tmp_path, demo_copy):
    from conftest import run_cli

    git = committed(demo_copy, "发布", when="2026-10-12T10:00:00+08:00")
    git("rm", "-q", "affairs/2026-zhaijidi.md")
    git("commit", "-qm", "撤下：申请人已撤回申请", when="2026-10-20T15:00:00+08:00")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    assert "已于" in (out / "affairs" / "2026-zhaijidi.html").read_text(encoding="utf-8")
    index = "".join(p.read_text(encoding="utf-8") for p in (out / "search").rglob("*.js"))
    assert "affairs/2026-zhaijidi.html" not in index and "宅基地申请审批结果公示" not in index
    assert "低保" in index  # the rest is there


def test_the_privacy_scan_covers_the_index(tmp_path, monkeypatch):
    """Should a kind ever put a number into search that its page does not show, the build refuses it."""
    leak = search.Document("affairs/x.html", "通知", "村务公开", "2026-01-01", "", "联系 13912345678")
    real = search.documents
    monkeypatch.setattr(search, "documents", lambda site, pages, *rest: real(site, pages, *rest) + [leak])
    report, _ = builder.build(DEMO, tmp_path / "site", dt.date.fromisoformat(TODAY))
    errors = [e for e in report.errors if "E-PRIVACY-PHONE" in str(e)]
    assert errors and "search/d/" in str(errors[0])
    assert not (tmp_path / "site").exists()


def test_index_files_are_inert_scripts(demo):
    _, documents, index, files, _ = demo
    assert files["search-index.js"].startswith("window.SEARCH_INDEX = {")
    meta = json.loads(files["search-index.js"].split("=", 1)[1].strip().rstrip(";"))
    assert meta["shards"] == index.shards and meta["docs"] == len(documents)
    for name, script in files.items():
        assert "<" not in script, name
        if name != "search-index.js":
            _value(script)


def _budget():
    spec = importlib.util.spec_from_file_location("search_budget", ROOT / "scripts" / "search_budget.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_search_downloads_little_at_1000_notices():
    """The README's budget: a typical query (a two-character word) loads under 32 KiB of index and
    documents at 1,000 notices, the longest query of the set under 64 KiB."""
    summary, rows = _budget().measure(1000)
    assert summary["shards"] >= 32 and summary["largest_shard"] < 24 * 1024
    two = [r["bytes"] for r in rows if len(r["query"]) == 2]
    assert max(two) < 32 * 1024, rows
    assert max(r["bytes"] for r in rows) < 64 * 1024, rows
    assert all(r["files"] <= 2 + 3 * 2 + 10 + 5 for r in rows), rows


def test_the_index_serve_remembers_is_the_index_made_afresh():
    """``serve`` keeps each document's bigram weights between builds and makes the index from them
    (in another process, whose findings come back with ``news``): after an edit, an added and a
    removed document, its files must be the ones a build from scratch writes, to the byte."""
    import dataclasses

    site = site_module.load(DEMO, dt.date.fromisoformat(TODAY))
    documents = search.documents(site, site.pages())
    remembered = search.Remembered()
    edited = [dataclasses.replace(documents[3], text=documents[3].text + " 补充说明：发放时间改为十二月。")]
    added = [search.Document("affairs/new.html", "新增的低保公示", "村务公开", "2026-11-30", "", "名单见附件。")]
    for version in (documents, documents[:3] + edited + documents[4:], documents[:3] + edited + documents[5:] + added):
        kept = search.Index(version, remembered).files()
        remembered.take(remembered.news())
        assert kept == search.Index(version).files()
    assert len(remembered.weights) == len({(d.title, d.text) for d in version})  # the rest is let go
    # A document keeps its script once written; one made from it with another text writes its own, and a
    # document that moves to another number is written under that number.
    first = version[0]
    assert '["d0"]' in first.script(0)[0] and "改过的正文" not in first.script(0)[0]
    assert "改过的正文" in dataclasses.replace(first, text="改过的正文").script(0)[0]
    assert '["d7"]' in first.script(7)[0] and first.script(7)[1] == record.sha(first.script(7)[0])


def test_a_remembered_index_spliced_after_each_edit_is_the_index_made_afresh():
    """``serve`` splices the posting lists of the bigrams whose weight changed into the last index
    when few documents changed (an edit, a notice added at the end, one taken out), and makes it
    anew when many did. After each of 200 random changes to the demo's documents, every file is
    the one a build from scratch writes, and the lists it keeps are the ones it published."""
    import dataclasses
    import random

    site = site_module.load(DEMO, dt.date.fromisoformat(TODAY))
    documents = search.documents(site, site.pages())
    words = sorted({w for d in documents for w in d.text.split()})
    rng = random.Random(9)
    remembered, spliced = search.Remembered(), 0

    def new(n: int) -> search.Document:
        return search.Document(f"affairs/r{n}.html", " ".join(rng.sample(words, 2)), "村务公开", "2026-11-30", "",
                               " ".join(rng.choices(words, k=rng.randint(0, 30))))

    for step in range(200):
        documents = list(documents)
        change = rng.randrange(6)
        n = rng.randrange(len(documents)) if documents else 0
        if change == 0 and documents:  # a sentence added
            documents[n] = dataclasses.replace(documents[n], text=documents[n].text + " " + rng.choice(words))
        elif change == 1 and documents:  # words taken out
            documents[n] = dataclasses.replace(documents[n], text=" ".join(documents[n].text.split()[:-3]))
        elif change == 2:  # a new notice, the newest
            documents.append(new(step))
        elif change == 3 and documents:  # one taken out: the later ones are numbered anew
            del documents[n]
        elif change == 4:  # a backdated notice in the middle
            documents.insert(n, new(step))
        elif documents:  # the title changed, then most of the documents
            documents[n] = dataclasses.replace(documents[n], title=documents[n].title + "（更正）")
            if step % 50 == 0:
                documents = [new(step * 1000 + i) for i in range(len(documents))]
        kept = search.Index(documents, remembered).files()
        news = remembered.news()
        spliced += not news[2][3]
        remembered.take(news)
        afresh = search.Index(documents)
        assert kept == afresh.files(), step
        assert remembered.postings == afresh.postings, step
    assert spliced > 100  # most changes were spliced, not made anew


def test_what_the_pages_show_beside_the_texts_is_found_and_the_kiosk_year_keys_find_that_year(demo):
    """The dates as the pages show them, subtotals, amounts in capitals, a fund's spending, a family's
    heading and its grid. Before, the kiosk's year keys (2026年) found only a notice whose body happened
    to name the year: the date a page shows was never indexed."""
    site, documents, index, _, shards = demo
    by_path = {d.path: n for n, d in enumerate(documents)}

    def found(path: str, word: str) -> bool:
        return by_path[path] in _found(shards, index.shards, word)

    ledger = next(l for l in site.books.ledgers if l.url == "finance/2026-Q3.html")
    for direction in ("收入", "支出"):
        for group in ledger.groups(direction):
            assert found(ledger.url, search.yuan(group.subtotal)), group.category
    for fund in site.books.funds:
        assert found(fund.url, search.capitals(fund.spent)), fund.url
    for household in site.households:
        if not household.is_centre:
            assert found(household.url, f"{household.name}家")
    for household in site.households:
        assert found(household.url, f"第{household.grid_id}网格")
    years = search.keyboard_years(site)
    assert years
    for year in years:
        public = {n.url for notices in site.notices.values() for n in notices if n.published_on.year == int(year)}
        assert public and {documents[d].path for d in _found(shards, index.shards, f"{year}年")} >= public, year
    zhaijidi = next(n for n in site.notices["affairs"] if n.slug == "2026-zhaijidi")
    assert found(zhaijidi.url, f"{zhaijidi.date.year}年{zhaijidi.date.month}月{zhaijidi.date.day}日")


def _matches(doc, query: str) -> bool:
    """Whether every word of ``query`` stands in ``doc`` as search.js checks it: folded, across the
    comma of 1,780 and the space of 4 户."""
    found = [search._SKIPPED.sub("", search.fold(t)) for t in (doc.title, doc.text)]
    return all(any(term in text for text in found) for term in search.terms(query))


def _candidates(shards, count, query: str) -> set[int]:
    found = None
    for term in search.terms(query):
        if len(term) >= 2:
            ids = _found(shards, count, term)
            found = ids if found is None else found & ids
    return found or set()


def test_query_words_split_at_punctuation_and_amounts_read_as_typed():
    """A page sets · where its indexed text has a space, or （ where it has none: punctuation separates
    words. A villager types 1780 and 4户 for the 1,780.00 and 4 户 a page shows."""
    assert search.terms("１,７８０.00 片（网格长 姚建国） 日 · 记-07-01") == \
        ["1780.00", "片", "网格长", "姚建国", "日", "记", "07", "01"]
    assert search.terms("<script>？？") == ["script"] and search.terms("。，、") == []
    # a piece that is one character beside a mark is looked for as typed, mark and all
    assert search.terms("、县 3, 户，退") == ["、县", "3,", "户,退"]
    assert {"17", "80", "4户", "0元", "户7"} <= set(search.bigrams("1,780.00 元 在保 4 户 7 人"))
    assert not {"元在", "a b"} & set(search.bigrams("元 在 a b"))  # between words, still no bigram


def test_a_decision_is_indexed_as_its_page_reads_not_as_a_python_object(demo):
    """The decisions' text held ``Status(marks=(Mark(key='revised', …),))``: the repr of their status,
    found by searching Mark or revised and shown in a snippet, and not the page's 已通过，已实施."""
    _, documents, index, _, shards = demo
    for doc in documents:
        assert "Status(" not in doc.text and "Mark(" not in doc.text, doc.path
    by_path = {d.path: d for d in documents}
    numbered = {d.path: n for n, d in enumerate(documents)}
    for path, query in (("affairs/decisions/2025-jiti-shouyi.html", "已通过，已实施"),
                        ("affairs/decisions/2025-jiti-shouyi.html", "公开至 2026年12月31日"),
                        ("affairs/decisions/2025-jiti-shouyi.html", "决议公开 已完成"),
                        ("affairs/decisions/2026-houshan-linzu.html", "✗ 未通过")):
        assert _matches(by_path[path], query), (path, query)
        assert numbered[path] in _candidates(shards, index.shards, query), (path, query)


def test_dates_amounts_and_counts_the_pages_show_are_found(demo):
    """Found by what a villager reads on the page: the day a notice ran until, a ledger's period, an
    amount typed without its separators, a fund's spending dates and balance, the compact's votes, a
    grid's and a family's counts, pieces across the page's · and （."""
    _, documents, index, _, shards = demo
    by_path = {d.path: d for d in documents}
    numbered = {d.path: n for n, d in enumerate(documents)}
    for path, query in (
            ("affairs/2026-zhaijidi.html", "2026年6月10日 到期，仅供查阅"),  # 已于 2026年6月10日 到期，仅供查阅
            ("affairs/2026-dibao-q4.html", "公示至 2026年11月25日"),  # not yet: 公示至 2026年11月25日
            ("affairs/2026-dibao-q4.html", "1780"),                   # 1,780.00
            ("affairs/2026-dibao-q4.html", "4户7人"),                  # 在保 4 户 7 人
            ("affairs/2026-dibao-q4.html", "村民委员会 · 2026年11月15日 · 低保"),
            ("finance/2026-Q1.html", "2026年1月1日至2026年3月31日"),
            ("finance/2026-Q1.html", "87812.95"),
            ("finance/2026-Q1.html", "每人 97.65 元 × 256 人"),
            ("finance/2026-Q3.html", "7月8日 · 记-07-01"),
            ("finance/funds/fuwuzhongxin-gaizao.html", "8月10日 · 2026年第三季度 记-08-03"),
            ("finance/funds/fuwuzhongxin-gaizao.html", "结余 29400"),
            ("finance/funds/fuwuzhongxin-gaizao.html", "贰万玖仟肆佰元整"),
            ("compact/index.html", "赞成 74 票，反对 1 票"),
            ("compact/2019.html", "已被 2024年3月16日通过的版本取代"),
            ("grids/1.html", "28 户"), ("grids/1.html", "共联系 7 户"), ("grids/1.html", "李淑芬家"),
            ("households/yao-xifei.html", "联系 8 户"), ("households/yao-xifei.html", "中溪片（网格长 姚建国）"),
            ("households/wang-dahai.html", "7星")):
        assert _matches(by_path[path], query), (path, query)
        assert numbered[path] in _candidates(shards, index.shards, query), (path, query)


def test_the_status_a_list_shows_is_found(tmp_path, demo_copy):
    """已修订 and 已过公示期 stand beside an item in every list and result; a supervisor looking for every
    item revised after publication searched 已修订 and found nothing."""
    git = committed(demo_copy, "发布", when="2026-06-01T10:00:00+08:00")
    notice = demo_copy / "affairs" / "2026-gengdi-butie.md"
    notice.write_text(notice.read_text(encoding="utf-8").replace("79 户享受补贴", "80 户享受补贴"), encoding="utf-8")
    git("commit", "-qam", "更正户数", when="2026-10-01T10:00:00+08:00")
    site = site_module.load(demo_copy, dt.date.fromisoformat(TODAY))
    documents = search.documents(site, site.pages())
    index = search.Index(documents)
    files = dict(index.files())
    shards = {n: _value(files[f"search/p/{n}.js"]) for n in range(index.shards)}
    for status in ("已修订", "已过公示期"):
        marked = {n for n, d in enumerate(documents) if d.status == status}
        assert marked and _found(shards, index.shards, status) == marked, status
    assert "affairs/2026-gengdi-butie.html" in {documents[n].path for n in _found(shards, index.shards, "已修订")}


def test_the_documents_a_save_changed_are_put_in_the_order_a_sort_gives(monkeypatch):
    """``serve`` keeps the last build's documents oldest first and puts the few a save changed in
    their places. After each of 300 random saves (dates moved, a day shared with other documents,
    documents added and taken away), the order is the one a sort gives, and most saves were patched."""
    import random

    rng = random.Random(5)
    remembered, sorts = search.Remembered(), []
    monkeypatch.setattr(search, "sorted", lambda *args, **kw: sorts.append(1) or sorted(*args, **kw), raising=False)

    def document(n: int) -> search.Document:
        return search.Document(f"affairs/n{n:06d}.html", "标题", "村务公开", f"2026-{rng.randint(1, 3):02d}-01", "", "")

    found, numbers = [document(n) for n in range(400)], iter(range(400, 10**6))
    for _ in range(300):
        if rng.random() < 0.1:  # a notice added or removed: the documents are others
            found = found + [document(next(numbers))] if rng.random() < 0.5 else found[1:]
        else:
            found = list(found)
            for n in rng.sample(range(len(found)), rng.randint(1, 5)):
                found[n] = document(int(found[n].path[-11:-5]))  # the same page saved: a new document
        ordered, expected = remembered.oldest_first(found + [None]), sorted(found, key=search._OLDEST)
        assert len(ordered) == len(expected) and all(map(lambda a, b: a is b, ordered, expected))
    assert len(sorts) < 60
