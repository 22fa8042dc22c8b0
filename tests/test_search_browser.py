"""Search in real headless Chromium: a phone from disk and over HTTP, a shared ?q= link, and the kiosk's
word keyboard tapped with a finger."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from conftest import DEMO, TODAY, screenshot
from villageboard.kinds import search
from villageboard.planning import site as site_module

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def phone_context(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    yield context
    context.close()


@pytest.fixture(scope="module")
def phone(phone_context):
    page = phone_context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    assert errors == []


def _results(page):
    return page.locator("#search-results > li")


def test_a_word_that_stands_only_in_a_body_is_found_and_marked(phone, built_demo):
    """请假 stands in the body of the meeting notice only: not its title, summary or category."""
    phone.goto((built_demo / "search.html").as_uri())  # from disk: script files, no fetch
    phone.get_by_label("输入要找的字").fill("请假")
    expect(phone.locator("#search-status")).to_have_text("找到 1 条")
    first = _results(phone).first
    expect(first.get_by_role("link")).to_have_text("关于召开村民代表会议的通知")
    expect(first.locator(".snippet mark")).to_have_text("请假")
    assert "网格长请假" in first.locator(".snippet").inner_text()
    # the text box's search is shareable: the address now carries the query
    phone.get_by_role("button", name="搜索").click()
    assert phone.url.endswith("search.html?q=%E8%AF%B7%E5%81%87")


def test_a_word_inside_a_table_and_a_piece_of_a_word_are_found(phone, built_demo):
    phone.goto((built_demo / "search.html").as_uri() + "?q=某根")  # a piece of 姚某根, in a table cell
    expect(phone.locator("#search-status")).to_have_text("找到 1 条")
    expect(_results(phone).first.locator(".snippet mark")).to_have_text("某根")
    expect(_results(phone).first.get_by_role("link")).to_have_text("2026年第四季度最低生活保障对象公示")


def test_shared_link_opens_with_ranked_results(phone, served):
    """?q=补贴 over HTTP: title hits first, then more hits, then the newer; each title and snippet marked."""
    phone.goto(served + "search.html?q=" + "补贴")
    expect(phone.get_by_label("输入要找的字")).to_have_value("补贴")
    expect(phone.locator("#search-status")).to_contain_text("找到")
    site = site_module.load(DEMO, dt.date.fromisoformat(TODAY))
    docs = [d for d in search.documents(site, site.pages()) if "补贴" in d.title + d.text]
    numbered = {d.path: n for n, d in enumerate(search.documents(site, site.pages()))}
    expected = sorted(docs, key=lambda d: ("补贴" not in d.title,
                                           -min(d.title.count("补贴") + d.text.count("补贴"), 5), -numbered[d.path]))
    expect(_results(phone)).to_have_count(min(len(expected), 10))
    shown = [a.get_attribute("href") for a in phone.locator("#search-results > li > a").all()]
    assert shown == [d.path for d in expected][:10]
    assert "补贴" in expected[0].title and "补贴" not in expected[-1].title  # the order is not trivial
    assert phone.locator("#search-results > li > a mark").first.inner_text() == "补贴"
    # every result is a real page, and opens
    phone.locator("#search-results > li > a").first.click()
    expect(phone.locator("h1")).to_have_text(expected[0].title)


def test_phone_results_look_right(phone, phone_context, served):
    phone.goto(served + "search.html?q=" + "村民代表会议")
    expect(phone.locator("#search-status")).to_contain_text("找到")
    expect(_results(phone).first.locator("mark").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    small = phone.evaluate("""[...document.querySelectorAll('#search-results a, .search-form button, #q')]
        .filter(e => e.getBoundingClientRect().height < 48).length""")
    assert small == 0
    expect(phone.get_by_role("button", name="显示更多结果")).to_be_hidden()  # all 5 are shown
    screenshot(phone, "search-phone-results")
    # many results come ten at a time
    phone.goto(served + "search.html?q=" + "2026")
    expect(phone.locator("#search-status")).to_contain_text("先显示 10 条")
    expect(_results(phone)).to_have_count(10)
    phone.get_by_role("button", name="显示更多结果").click()
    expect(_results(phone)).not_to_have_count(10)
    assert _results(phone).count() > 10


def test_axe_passes_with_results_shown(browser, served):
    from conftest import ROOT
    for path, viewport in (("search.html?q=补贴", {"width": 360, "height": 740}),
                           ("kiosk/search.html?q=低保", {"width": 1080, "height": 1920})):
        context = browser.new_context(viewport=viewport, locale="zh-CN", bypass_csp=True)
        page = context.new_page()
        page.goto(served + path)
        expect(page.locator("#search-results > li").first).to_be_visible()
        page.add_script_tag(path=str(ROOT / "node_modules" / "axe-core" / "axe.min.js"))
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        context.close()
        assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]] == [], path


def test_kiosk_search_by_tapping_words(browser, served):
    context = browser.new_context(viewport={"width": 1080, "height": 1920}, has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.goto(served + "kiosk/index.html")
    page.get_by_role("link", name="搜索").tap()
    expect(page.locator("h1")).to_contain_text("搜索")
    # Measured once the style sheets are in: a browser paints nothing before them, but a script that
    # asks for sizes sooner (on a busy machine) gets the unstyled ones.
    page.wait_for_load_state("load")
    assert page.locator("input, textarea, [contenteditable]").count() == 0  # no system keyboard can pop up
    keys = page.locator(".kiosk-key")
    assert keys.count() >= 10
    sizes = keys.evaluate_all("ks => ks.map(k => { const r = k.getBoundingClientRect(); return [r.width, r.height]; })")
    assert min(min(w, h) for w, h in sizes) >= 48
    # the words come from the village's own titles
    assert {"低保", "补贴", "财务"} <= set(keys.all_inner_texts())
    page.locator(".kiosk-key", has_text="低保").tap()
    expect(page.locator("#kiosk-query")).to_have_text("低保")
    expect(page.locator("#search-status")).to_contain_text("找到 2 条")
    expect(page.locator("#search-results > li").first.locator("mark").first).to_have_text("低保")
    screenshot(page, "search-kiosk-keyboard")
    # a year narrows it, tapping again takes it away
    page.locator(".kiosk-years .kiosk-key", has_text="2025年").tap()
    expect(page.locator("#kiosk-query")).to_have_text("低保 + 2025年")
    expect(page.locator("#search-status")).to_have_text("没有找到含“低保 2025年”的内容")
    page.locator(".kiosk-years .kiosk-key", has_text="2025年").tap()
    expect(page.locator("#search-status")).to_contain_text("找到 2 条")
    # a result opens the kiosk page, not the phone page
    page.locator("#search-results > li > a").first.tap()
    page.wait_for_url("**/kiosk/affairs/**")
    expect(page.locator(".kiosk-nav")).to_be_visible()
    context.close()


def test_kiosk_search_opens_from_a_shared_address(browser, built_demo):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.goto((built_demo / "kiosk" / "search.html").as_uri() + "?q=补贴")  # the kiosk from disk
    expect(page.locator(".kiosk-key", has_text="补贴")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#search-results > li").first).to_be_visible()
    screenshot(page, "search-kiosk-landscape")
    context.close()


def test_without_javascript_the_page_says_so_and_offers_the_sections(browser, served):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    page.goto(served + "search.html?q=低保")
    expect(page.get_by_text("搜索用不了")).to_be_visible()
    expect(page.get_by_text("JavaScript")).to_be_visible()
    page.locator(".search-browse").get_by_role("link", name="村务公开").click()
    expect(page.locator("h1")).to_contain_text("村务公开")
    context.close()


def test_words_typed_before_the_search_script_arrives_are_kept_and_searched(browser, served):
    """On 2G the search box shows while its script is still coming; what a villager types then
    must not be wiped when the script starts."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = context.new_page()
    held = []
    page.route(lambda url: url.split("?")[0].endswith("/static/search.js"), lambda route: held.append(route))
    with page.expect_request(lambda request: request.url.split("?")[0].endswith("/static/search.js")):
        page.goto(served + "search.html", wait_until="commit")
    box = page.get_by_label("输入要找的字")
    box.fill("低保")
    assert len(held) == 1  # the script is still on its way
    held[0].continue_()
    expect(page.locator("#search-results a").filter(has_text="2026年第四季度最低生活保障对象公示")).to_have_count(
        1, timeout=15000)
    expect(box).to_have_value("低保")
    context.close()


def test_amounts_as_typed_and_words_across_punctuation_are_found(phone, served):
    """A villager types 1780 for the 1,780.00 a page shows and 4户 for its 在保 4 户, and pastes a line
    whose · or （ the indexed text sets as a space or not at all. Before, each found nothing."""
    dibao = "2026年第四季度最低生活保障对象公示"
    for query, title, marks in (("1780", dibao, ["1,780"]), ("1780.00", dibao, ["1,780.00"]),
                                ("4户7人", dibao, ["4 户 7 人"]), ("、县", dibao, ["、县"]),
                                ("7月8日 · 记-07-01", "2026年第三季度财务收支公开", [])):
        phone.goto(served + "search.html?q=" + query)
        expect(phone.locator("#search-status")).to_have_text("找到 1 条")
        first = _results(phone).first
        expect(first.get_by_role("link")).to_have_text(title)
        assert first.locator(".snippet mark").all_inner_texts()[:len(marks)] == marks, query
    # the result's date as every page writes it
    phone.goto(served + "search.html?q=1780")
    expect(_results(phone).first.locator(".meta")).to_contain_text("2026年11月15日")
    phone.goto(served + "search.html?q=" + "中溪片（网格长 姚建国）")
    expect(phone.locator("#search-results > li > a", has_text="姚锡飞")).to_have_count(1)
    # punctuation alone is no search, and says so
    phone.goto(served + "search.html?q=" + "？？")
    expect(phone.locator("#search-status")).to_contain_text("请至少输入连着的两个字")
