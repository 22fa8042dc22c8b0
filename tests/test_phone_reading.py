"""Reading on a phone, in real headless Chromium: the home page's first screen holds the
news, tables reflow into readable cards and rows at 360 px and at 200 % text, the 大字
switch (适老化) keeps every text at 18 px or more, and every page describes itself when shared."""
from __future__ import annotations

import re

import pytest

from conftest import SCREENSHOTS, screenshot
from test_page_quality import AXE, AXE_TAGS

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 1, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}
TABLE_PAGES = ["affairs/2026-dibao-q4.html", "party/2026-q3-dangfei.html", "finance/2026-Q3.html",
               "finance/index.html", "finance/funds/fuwuzhongxin-gaizao.html"]
LARGE_TEXT_PAGES = ["index.html", "affairs/index.html", "affairs/2026-dibao-q4.html", "finance/index.html",
                    "finance/2026-Q3.html", "affairs/decisions/2026-houshan-linzu.html", "compact/compare-2019.html",
                    "households/yao-xifei.html", "households/index.html", "grids/1.html", "search.html"]

# Every table cell's text, line by line: how many characters each line holds, and whether
# each number (890.00, 1,780.00, 2026) stands on one line.
CELL_LINES = """() => {
  const found = [];
  for (const cell of document.querySelectorAll('main td, main th')) {
    if (!cell.checkVisibility() || cell.closest('thead') && getComputedStyle(cell.closest('thead')).position === 'absolute') continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode, text = node.textContent;
      const lines = [];
      let top = null;
      for (let i = 0; i < text.length; i++) {
        if (!text[i].trim()) continue;
        const range = document.createRange();
        range.setStart(node, i); range.setEnd(node, i + 1);
        const rect = range.getBoundingClientRect();
        if (rect.width === 0) continue;
        if (top === null || rect.top > top + rect.height / 2) { lines.push(0); top = rect.top; }
        lines[lines.length - 1] += 1;
      }
      const numbers = [];
      for (const m of text.matchAll(/\\d[\\d,.]*\\d/g)) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        numbers.push([m[0], range.getClientRects().length]);
      }
      if (lines.length) found.push({text: text.trim(), lines, numbers,
        width: cell.getBoundingClientRect().width, font: parseFloat(getComputedStyle(cell).fontSize)});
    }
  }
  return found;
}"""

# Amount cells: right-aligned, never wrapped, digits of one width.
AMOUNTS = """() => [...document.querySelectorAll('main td.num, main td.align-right')].filter(c => c.checkVisibility())
  .map(c => {
    const style = getComputedStyle(c), node = [...c.childNodes].find(n => n.nodeType === 3 && /\\d/.test(n.textContent));
    const range = document.createRange(); range.selectNodeContents(node);
    const box = c.getBoundingClientRect(), text = range.getBoundingClientRect();
    return {text: node.textContent.trim(), gap: box.right - parseFloat(style.paddingRight) - text.right,
            nowrap: style.whiteSpace === 'nowrap', tabular: style.fontVariantNumeric.includes('tabular-nums')};
  })"""

# The size every visible text is drawn at; an SVG chart's text is scaled with its drawing.
TEXT_SIZES = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el.checkVisibility({visibilityProperty: true})) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    if (![...range.getClientRects()].some(r => r.width > 1 && r.height > 1)) continue;  // visually hidden
    let size = parseFloat(getComputedStyle(el).fontSize);
    const svg = el.closest('svg');
    if (svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width) {
      size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    }
    found.push({size, text: node.textContent.trim().slice(0, 20), svg: !!svg});
  }
  return found;
}"""

# Any text on the page set one character per line (a name squeezed into a column).
STACKED = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, text = node.textContent;
    if (text.replace(/\\s/g, '').length < 3 || !node.parentElement.checkVisibility()) continue;
    let hidden = false;  // visually hidden for screen readers (clip-path), not laid out for reading
    for (let el = node.parentElement; el; el = el.parentElement) hidden = hidden || getComputedStyle(el).clipPath !== 'none';
    if (hidden) continue;
    const tops = [];
    for (let i = 0; i < text.length; i++) {
      if (!text[i].trim()) continue;
      const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
      const rect = range.getBoundingClientRect();
      if (rect.width > 1) tops.push(rect.top);
    }
    if (tops.length >= 3 && tops.every((top, i) => i === 0 || top > tops[i - 1] + 2)) found.push(text.trim().slice(0, 20));
  }
  return found;
}"""

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def phone(browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, errors


def test_the_first_screen_of_the_home_page_holds_the_news(browser, served):
    context = browser.new_context(java_script_enabled=False, **PHONE)
    page = context.new_page()
    page.goto(served + "index.html")
    height = PHONE["viewport"]["height"]
    village = page.locator("h1.village-name").bounding_box()
    pinned = page.locator(".pinned .notice-list li").first.bounding_box()
    latest = page.locator("section[aria-labelledby=latest-h] .notice-list li").first.bounding_box()
    assert village["y"] >= 0 and village["y"] + village["height"] <= height
    assert pinned["y"] > village["y"] and pinned["y"] + pinned["height"] <= height
    assert latest["y"] > pinned["y"] and latest["y"] + latest["height"] <= height
    # each item, its date line included, is one target of 48 px or more
    hits = page.evaluate("""() => [...document.querySelectorAll('.home .notice-list li')].map(li => {
        const meta = li.querySelector('.meta').getBoundingClientRect();
        const hit = document.elementFromPoint(meta.left + meta.width / 2, meta.top + meta.height / 2);
        return [li.getBoundingClientRect().height, hit === li.querySelector('a')];
    })""")
    assert all(height >= 48 and on_link for height, on_link in hits[:5]), hits  # the five on the first screen
    # the big section buttons come after the news, and stay big
    buttons = page.locator(".section-buttons .big-button")
    assert buttons.count() == 6
    for i in range(buttons.count()):
        box = buttons.nth(i).bounding_box()
        assert box["y"] > latest["y"] and box["height"] >= 72
    page.screenshot(path=str(SCREENSHOTS / "phone-home-first-screen.png"))  # the first screen only
    screenshot(page, "phone-home")
    context.close()


def test_the_status_reads_without_colour(browser, served):
    """A grey-scale phone screen (or a colour-blind reader) still tells a failed resolution apart."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(served + "affairs/index.html")
    failed = page.locator(".notice-list li", has_text="后山集体林地出租建设露营基地").locator(".status-failed")
    assert failed.inner_text().replace(" ", "") == "✗未通过"
    assert failed.evaluate("e => getComputedStyle(e).borderTopStyle") == "double"
    assert failed.is_visible()
    context.close()


@pytest.mark.parametrize("text_size", [100, 200])
def test_tables_reflow_into_readable_rows(phone, served, text_size):
    for path in TABLE_PAGES:
        phone.goto(served + path)
        if text_size != 100:  # the reader's own text size (WeChat 字体大小, Android font scale)
            phone.evaluate(f"document.documentElement.style.fontSize = '{112.5 * text_size / 100}%'")
        assert phone.evaluate(NO_SIDEWAYS_SCROLL), (path, text_size)
        assert phone.evaluate(STACKED) == [], (path, text_size)
        cells = phone.evaluate(CELL_LINES)
        assert cells, path
        for cell in cells:
            where = (path, text_size, cell["text"])
            lines = cell["lines"]
            # no one-character columns: a short text stays on one line, a longer one holds
            # at least four characters on every line but its last
            assert all(n >= 4 for n in lines[:-1]), (where, lines)
            assert cell["width"] >= min(sum(lines), 4) * cell["font"] * 0.9, (where, cell["width"])
            assert all(rects == 1 for _, rects in cell["numbers"]), (where, cell["numbers"])
        for amount in phone.evaluate(AMOUNTS):
            assert amount["nowrap"] and amount["tabular"], (path, amount)
            assert abs(amount["gap"]) <= 2, (path, text_size, amount)  # right-aligned
        if path == "affairs/2026-dibao-q4.html":
            table = phone.locator("main table").first
            table.scroll_into_view_if_needed()
            table.screenshot(path=str(SCREENSHOTS / f"phone-table-{text_size}pct.png"))
        if path == "finance/2026-Q3.html" and text_size == 200:
            screenshot(phone, "phone-ledger-200pct")


def test_the_large_text_switch_is_remembered_and_nothing_is_under_18px(phone, served):
    phone.goto(served + "index.html")
    switch = phone.get_by_role("button", name="大字")
    assert switch.get_attribute("aria-pressed") == "false"
    assert switch.bounding_box()["height"] >= 48
    switch.click()
    assert switch.get_attribute("aria-pressed") == "true"
    svg_texts = 0
    for path in LARGE_TEXT_PAGES:
        phone.goto(served + path)
        assert phone.evaluate("document.documentElement.classList.contains('large-text')"), path  # remembered
        sizes = phone.evaluate(TEXT_SIZES)
        small = [s for s in sizes if s["size"] < 18]
        assert not small, (path, small[:5])
        svg_texts += sum(s["svg"] for s in sizes)
        assert phone.evaluate(NO_SIDEWAYS_SCROLL), path
        assert phone.evaluate(STACKED) == [], path
        if path == "index.html":
            screenshot(phone, "phone-large-text-home")
        if path == "finance/2026-Q3.html":
            screenshot(phone, "phone-large-text-ledger")
    assert svg_texts > 20  # the chart labels were measured too
    phone.goto(served + "finance/index.html")
    phone.get_by_role("button", name="大字").click()
    phone.goto(served + "index.html")
    assert not phone.evaluate("document.documentElement.classList.contains('large-text')")
    assert phone.evaluate("getComputedStyle(document.documentElement).fontSize") == "18px"


def test_large_text_pages_pass_axe(browser, served):
    context = browser.new_context(bypass_csp=True, **PHONE)  # axe is an injected script
    page = context.new_page()
    page.goto(served + "index.html")
    page.get_by_role("button", name="大字").click()
    for path in ("index.html", "finance/index.html", "finance/2026-Q3.html", "affairs/2026-dibao-q4.html"):
        page.goto(served + path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]] == [], path
    context.close()


def test_without_javascript_the_switch_enlarges_the_page(browser, served):
    context = browser.new_context(java_script_enabled=False, **PHONE)
    page = context.new_page()
    page.goto(served + "affairs/2026-dibao-q4.html")
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "18px"
    page.get_by_role("link", name="大字").click()
    assert page.url.endswith("#large-text")
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "24px"
    assert min(s["size"] for s in page.evaluate(TEXT_SIZES)) >= 18
    context.close()


def test_every_page_describes_itself_for_a_shared_link(built_demo):
    base = "https://cunwu.example.org/qingxi/"
    pages = [p for p in built_demo.rglob("*.html")]
    assert len(pages) > 100
    descriptions = {}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        rel = page.relative_to(built_demo).as_posix()
        description = re.search(r'<meta name="description" content="([^"]+)">', html)
        assert description and 10 <= len(description.group(1)) <= 110, rel
        if not rel.startswith(("kiosk/", "print/")):
            descriptions[rel] = description.group(1)
        assert f'<meta property="og:description" content="{description.group(1)}">' in html, rel
        assert re.search(r'<meta property="og:title" content="[^"]+">', html), rel
        assert f'<meta property="og:image" content="{base}static/icon.png">' in html, rel
        assert re.search(r'<link rel="icon" href="(\.\./)*static/icon\.png"', html), rel
        if not rel.startswith(("kiosk/", "print/")):
            assert f'<meta property="og:url" content="{base}{rel}">' in html, rel
    # each page its own, not one sentence everywhere (the compact's index is its current version)
    assert len(set(descriptions.values())) >= len(descriptions) - 1
    assert (built_demo / "static" / "icon.png").is_file() and (built_demo / "favicon.ico").is_file()
    decision = (built_demo / "affairs" / "decisions" / "2026-houshan-linzu.html").read_text(encoding="utf-8")
    assert re.search(r'<meta name="description" content="〔未通过[^"]*〕', decision)  # the card tells the truth too
