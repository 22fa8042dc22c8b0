"""The phone site in real headless Chromium: a cheap phone, JavaScript off."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from conftest import screenshot

PAGES = ["index.html", "party/index.html", "affairs/2026-dibao-q4.html", "affairs/2026-fuwuzhongxin-gaizao.html",
         "grids/index.html"]


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False,
                                  device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_home_reads_on_a_phone_without_javascript(phone, served):
    hosts = set()
    phone.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    phone.goto(served + "index.html")
    assert phone.get_by_role("heading", name="青溪村").is_visible()
    assert phone.get_by_role("link", name="关于召开村民代表会议的通知").first.is_visible()
    assert phone.get_by_role("link", name="党务公开").is_visible()
    assert no_horizontal_scroll(phone)
    assert hosts == {urlsplit(served).netloc}
    # body text is large enough for elderly readers
    assert phone.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)") >= 18
    screenshot(phone, "phone-home")


@pytest.mark.parametrize("path", PAGES[1:])
def test_pages_fit_the_phone_width(phone, served, path):
    phone.goto(served + path)
    assert phone.locator("h1").first.is_visible()
    assert no_horizontal_scroll(phone), path
    if path.endswith("dibao-q4.html"):
        screenshot(phone, "phone-notice")


def test_a_villager_can_follow_the_big_buttons(phone, served):
    phone.goto(served + "index.html")
    phone.locator(".section-buttons").get_by_role("link", name="村务公开").click()
    phone.get_by_role("link", name="2026年第四季度最低生活保障对象公示").click()
    assert "王某英" in phone.locator("article").inner_text()
    small = phone.evaluate("""[...document.querySelectorAll('a.button, a.big-button, .notice-list a')]
        .filter(a => a.getBoundingClientRect().height < 48).length""")
    assert small == 0


def test_search_finds_notices_and_households(browser, built_demo):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = context.new_page()
    page.goto((built_demo / "index.html").as_uri())  # from disk: the index is a script, not a fetch
    page.get_by_role("link", name="搜索").click()
    page.get_by_label("输入要找的字").fill("低保")
    results = page.locator("#search-results a")
    expect(results.filter(has_text="2026年第四季度最低生活保障对象公示")).to_have_count(1, timeout=15000)  # waits for the search
    expect(page.locator("#search-status")).to_contain_text("找到")
    page.get_by_label("输入要找的字").fill("姚锡飞")
    expect(results.first).to_contain_text("姚锡飞")
    results.first.click()
    assert page.locator("h1").inner_text() == "姚锡飞"
    page.goto((built_demo / "search.html").as_uri() + "?q=没有这样的字")
    assert "没有找到" in page.locator("#search-status").inner_text()
    assert no_horizontal_scroll(page)
    screenshot(page, "phone-search")
    context.close()


def test_search_without_javascript_offers_the_sections(phone, served):
    phone.goto(served + "search.html")
    assert phone.get_by_text("搜索用不了").is_visible()
    assert phone.locator(".search-browse").get_by_role("link", name="财务公开").is_visible()


def test_every_phone_page_reflows_at_320_px(browser, served, built_demo):
    """WCAG 1.4.10: the smallest phones (and 200 % zoom) never need sideways scrolling."""
    context = browser.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    page = context.new_page()
    paths = sorted(p.relative_to(built_demo).as_posix() for p in built_demo.rglob("*.html")
                   if p.relative_to(built_demo).parts[0] not in ("kiosk", "print"))
    assert len(paths) > 40
    wide = []
    for path in paths:
        page.goto(served + path)
        if not no_horizontal_scroll(page):
            wide.append(path)
    context.close()
    assert wide == []
