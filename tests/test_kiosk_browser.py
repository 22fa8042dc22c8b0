"""The kiosk in real headless Chromium with touch, portrait 1080x1920 and landscape 1920x1080.

Playwright's fake clock stands in for waiting, so the idle return, the attract loop and
the expiry of a notice are tested in seconds. Screenshots land in tests/screenshots/.
"""
from __future__ import annotations

import datetime as dt
import functools
import http.server
import json
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import DEMO, SCREENSHOTS, TODAY, run_cli, screenshot

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
MORNING = dt.datetime(2026, 11, 22, 10, 30)
IDLE = 30  # the demo copy's kiosk.idle_seconds; the last third (10 s) is the countdown

CHECK_PAGE = """() => {
  const shown = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const fixed = e => { for (; e; e = e.parentElement) if (getComputedStyle(e).position === 'fixed') return true; return false; };
  const targets = [...document.querySelectorAll('a[href], button, [role=button], input, select, summary')].filter(shown);
  const small = targets.map(e => [e, e.getBoundingClientRect()]).filter(([e, r]) => r.width < 64 || r.height < 64)
    .map(([e, r]) => `${Math.round(r.width)}x${Math.round(r.height)} ${e.outerHTML.slice(0, 80)}`);
  const close = [];
  for (let i = 0; i < targets.length; i++) for (let j = i + 1; j < targets.length; j++) {
    const [a, b] = [targets[i], targets[j]];
    if (fixed(a) !== fixed(b)) continue;  // the fixed bars float above the scrolling page
    const [p, q] = [a.getBoundingClientRect(), b.getBoundingClientRect()];
    if (p.left < q.right + 8 && q.left < p.right + 8 && p.top < q.bottom + 8 && q.top < p.bottom + 8)
      close.push(a.textContent.trim() + ' / ' + b.textContent.trim());
  }
  const tiny = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || el.closest('script') || !shown(el)) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    const svg = el.closest('svg');
    if (svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width)  // SVG text is in user units: scale it
      size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    if (size < 24) tiny.push(size + 'px ' + n.textContent.trim().slice(0, 30));
  }
  const root = document.documentElement;
  return {overflow: root.scrollWidth - root.clientWidth, small, close, tiny, targets: targets.length};
}"""


def _serve(directory: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def idle_site(tmp_path_factory) -> Path:
    """The demo with kiosk.idle_seconds shortened to IDLE, built once for this module."""
    from conftest import DEMO

    base = tmp_path_factory.mktemp("kiosk")
    content = base / "content"
    shutil.copytree(DEMO, content)
    village = content / "village.yaml"
    village.write_text(village.read_text(encoding="utf-8").replace("idle_seconds: 90", f"idle_seconds: {IDLE}"),
                       encoding="utf-8")
    done = run_cli("build", "--content", str(content), "--out", str(base / "site"), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    return base / "site"


@pytest.fixture(scope="module")
def idle_url(idle_site):
    server, url = _serve(idle_site)
    yield url
    server.shutdown()


def _context(browser, viewport, start=MORNING):
    context = browser.new_context(viewport=viewport, has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.clock.install(time=start)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return context, page, errors


def _tap(page, locator):
    box = locator.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def _shot(page, name: str) -> None:
    """What the screen shows (fixed bars in place), for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_touch_layout_big_targets_big_text_no_overflow_no_other_host(browser, served, viewport):
    context, page, errors = _context(browser, viewport)
    requests: list[str] = []
    context.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()))
    name = "portrait" if viewport is PORTRAIT else "landscape"
    for path in ("kiosk/index.html", "kiosk/affairs/index.html", "kiosk/affairs/2026-dibao-q4.html",
                 "kiosk/affairs/2026-gengdi-butie.html", "kiosk/grids/index.html", "kiosk/party/2025.html"):
        page.goto(served + path)
        found = page.evaluate(CHECK_PAGE)
        assert found["overflow"] <= 0, f"{path}: {found['overflow']}px of horizontal overflow"
        assert not found["small"], f"{path}: targets under 64px: {found['small']}"
        assert not found["close"], f"{path}: targets less than 8px apart: {found['close']}"
        assert not found["tiny"], f"{path}: text under 24px: {found['tiny']}"
        # Home and back always on screen, inside the viewport, whatever the scroll.
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        for label in ("首页", "返回"):
            box = page.locator(".kiosk-nav").get_by_text(label, exact=True).bounding_box()
            assert box and box["y"] + box["height"] <= viewport["height"] and box["height"] >= 64
        page.evaluate("window.scrollTo(0, 0)")
        if path in ("kiosk/index.html", "kiosk/affairs/2026-gengdi-butie.html"):
            _shot(page, f"kiosk-{name}-{path.split('/')[-1][:-5]}")
    hosts = {urlsplit(u).hostname for u in requests}
    assert hosts == {"127.0.0.1"}, hosts
    assert not errors, errors
    # The page really is touch-first: no overscroll gestures, no selection.
    style = page.evaluate("[getComputedStyle(document.documentElement).overscrollBehaviorY,"
                          " getComputedStyle(document.body).userSelect, getComputedStyle(document.documentElement).touchAction]")
    assert style == ["none", "none", "manipulation"]
    context.close()


def test_page_buttons_scroll_a_long_page(browser, served):
    context, page, _ = _context(browser, LANDSCAPE)
    page.goto(served + "kiosk/index.html")
    up, down = page.locator("#page-up"), page.locator("#page-down")
    assert up.is_disabled() and down.is_enabled()
    _tap(page, down)
    page.wait_for_function("() => window.scrollY > 300")
    assert up.is_enabled()
    _tap(page, up)
    page.wait_for_function("() => window.scrollY === 0")
    context.close()


def test_idle_countdown_extend_then_return_home_with_scroll_reset(browser, idle_url):
    context, page, errors = _context(browser, PORTRAIT)
    page.goto(idle_url + "kiosk/affairs/2026-gengdi-butie.html")
    _tap(page, page.locator("#page-down"))
    page.wait_for_function("() => window.scrollY > 100")
    warning = page.locator("#idle-warning")
    # idle_seconds 30: the warning takes at most the last third, 10 s, never the 20 s of a longer idle time
    page.clock.fast_forward((IDLE - IDLE // 3 - 1) * 1000)
    assert warning.is_hidden()
    page.clock.fast_forward(2000)
    assert warning.is_visible()
    left = int(page.locator("#idle-count").text_content())
    assert IDLE // 3 - 2 <= left <= IDLE // 3
    stay = page.get_by_role("button", name="继续浏览")
    assert stay.bounding_box()["height"] >= 64
    _shot(page, "kiosk-idle-warning")
    _tap(page, stay)
    assert warning.is_hidden()
    page.clock.fast_forward((IDLE - 5) * 1000)
    assert page.url.endswith("kiosk/affairs/2026-gengdi-butie.html"), "returned home although extended"
    page.clock.fast_forward(6000)
    page.wait_for_url(re.compile(r"/kiosk/index\.html"))
    assert page.evaluate("window.scrollY") == 0
    assert page.locator("#attract").is_visible(), "the attract loop does not start after the idle return"
    assert not errors, errors
    context.close()


def test_attract_loop_first_touch_only_dismisses_and_home_never_reloads(browser, idle_url):
    context, page, errors = _context(browser, LANDSCAPE)
    page.goto(idle_url + "kiosk/index.html")
    page.evaluate("window.__sameDocument = true")
    attract = page.locator("#attract")
    assert attract.is_hidden()
    page.clock.fast_forward((IDLE + 1) * 1000)
    assert attract.is_visible()
    assert page.evaluate("window.__sameDocument") is True, "the home page reloaded on idle"
    title = page.locator(".slide.current .slide-title")
    first = title.text_content()
    assert first == "关于召开村民代表会议的通知"
    assert float(title.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 60
    _shot(page, "kiosk-attract-landscape")
    page.clock.fast_forward(9000)
    assert title.text_content() != first, "the attract loop does not move on"
    # Burn-in: a minute later the header has moved a few pixels.
    where = ("() => [getComputedStyle(document.querySelector('.kiosk-page')).paddingLeft,"
             " getComputedStyle(document.documentElement).getPropertyValue('--shift-y')]")
    before = page.evaluate(where)
    page.clock.fast_forward(61_000)
    after = page.evaluate(where)
    assert before[0] != after[0] and before[1] != after[1], (before, after)
    # The first touch, right on the 党务公开 tile beneath, only ends the loop.
    tile = page.locator(".kiosk-tile", has_text="党务公开")
    _tap(page, tile)
    page.wait_for_timeout(300)
    assert attract.is_hidden()
    assert page.url.endswith("kiosk/index.html"), "the first touch went through to the tile"
    _tap(page, tile)
    page.wait_for_url(re.compile(r"/kiosk/party/index\.html(\?b=\w+)?$"))  # asked for under its build
    assert not errors, errors
    context.close()


def test_expired_notice_leaves_the_kiosk_within_a_minute_without_rebuild(browser, served):
    # The 低保 公示 runs until 2026-11-25: at midnight it must go from lists and the loop.
    context, page, _ = _context(browser, PORTRAIT, start=dt.datetime(2026, 11, 25, 23, 59, 30))
    page.goto(served + "kiosk/index.html")
    listed = page.locator("main li", has_text="2026年第四季度最低生活保障对象公示")
    slide = page.locator('.slide[data-expires="2026-11-25"]')
    assert listed.first.is_visible()
    assert slide.get_attribute("hidden") is None
    page.clock.fast_forward(60_000)
    assert listed.count() and all(listed.nth(i).is_hidden() for i in range(listed.count()))
    assert slide.get_attribute("hidden") is not None
    assert page.locator("main li", has_text="关于召开村民代表会议的通知").first.is_visible()
    page.goto(served + "kiosk/affairs/2026.html")  # the year archive keeps it
    assert page.locator("main li", has_text="2026年第四季度最低生活保障对象公示").is_visible()
    context.close()


def test_new_build_reloads_only_at_the_next_idle_return(browser, idle_site, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(idle_site, site)
    server, url = _serve(site)
    try:
        context, page, _ = _context(browser, PORTRAIT)
        page.goto(url + "kiosk/affairs/2026-dibao-q4.html")
        page.wait_for_function("() => sessionStorage.getItem('kiosk-build')")
        version = json.loads((site / "version.json").read_text(encoding="utf-8"))
        (site / "version.json").write_text(json.dumps({**version, "build": "newbuild1234"}), encoding="utf-8")
        heading = page.locator("main h1")
        for _ in range(40):  # someone keeps reading for 5 minutes 20 seconds
            page.clock.fast_forward(8000)
            _tap(page, heading)
        page.wait_for_function("() => document.body.dataset.newBuild === 'newbuild1234'")
        assert page.url.endswith("kiosk/affairs/2026-dibao-q4.html"), "reloaded in the middle of reading"
        page.clock.fast_forward((IDLE + 1) * 1000)
        page.wait_for_url(re.compile(r"/kiosk/index\.html\?b=newbuild1234"))
        assert page.evaluate("sessionStorage.getItem('kiosk-build')") == "newbuild1234"
        context.close()
    finally:
        server.shutdown()


def test_a_new_build_is_shown_whole_though_the_browser_keeps_what_it_was_sent(browser, idle_site, tmp_path):
    """A plain web server lets the browser keep each file for as long as it guesses fresh (hours,
    days): the kiosk went home to the new build, but kept its old style sheet and showed the old
    pages further in, a withdrawn notice among them. Here every file may be kept for a day."""
    site = tmp_path / "site"
    shutil.copytree(idle_site, site)

    class Keeping(http.server.SimpleHTTPRequestHandler):
        def end_headers(self):
            self.send_header("Cache-Control", "max-age=86400")
            super().end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Keeping, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        context, page, errors = _context(browser, PORTRAIT)
        page.goto(url + "kiosk/index.html")
        page.wait_for_function("() => sessionStorage.getItem('kiosk-build')")
        _tap(page, page.locator(".kiosk-tile", has_text="党务公开"))
        page.wait_for_url(re.compile(r"/kiosk/party/index\.html"))
        _tap(page, page.locator(".kiosk-nav a", has_text="首页"))
        page.wait_for_url(re.compile(r"/kiosk/index\.html"))
        # The new build: a style fix, a changed list, a new build id.
        with (site / "static" / "kiosk.css").open("a", encoding="utf-8") as css:
            css.write("\nhtml{--build-mark:new}\n")
        listing = site / "kiosk" / "party" / "index.html"
        listing.write_text(listing.read_text(encoding="utf-8").replace("</main>", '<p id="fresh">新版列表</p></main>'),
                           encoding="utf-8")
        version = json.loads((site / "version.json").read_text(encoding="utf-8"))
        (site / "version.json").write_text(json.dumps({**version, "build": "newbuild5678"}), encoding="utf-8")
        page.clock.fast_forward(6 * 60 * 1000)  # idle: home, the attract loop, then the version check
        page.wait_for_url(re.compile(r"/kiosk/index\.html\?b=newbuild5678"))
        page.wait_for_load_state()
        assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--build-mark').trim()") == "new"
        _tap(page, page.locator("#attract"))  # the first tap only ends the loop
        _tap(page, page.locator(".kiosk-tile", has_text="党务公开"))
        page.wait_for_url(re.compile(r"/kiosk/party/index\.html\?b=newbuild5678"))
        assert page.locator("#fresh").inner_text() == "新版列表"
        assert not errors, errors
        context.close()
    finally:
        server.shutdown()


def test_works_from_file_url(browser, idle_site):
    context, page, errors = _context(browser, PORTRAIT)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((idle_site / "kiosk/index.html").as_uri())
    assert page.locator(".kiosk-tile").count() >= 3  # one per section; more as kinds are added
    assert page.locator("svg.qr").count() == 1
    _tap(page, page.locator(".kiosk-tile", has_text="村务公开"))
    page.wait_for_url(re.compile(r"/kiosk/affairs/index\.html$"))
    _tap(page, page.locator("main li a", has_text="耕地地力保护补贴"))
    page.wait_for_url(re.compile(r"/kiosk/affairs/2026-gengdi-butie\.html$"))
    assert page.locator(".kiosk-qr", has_text="耕地地力保护补贴发放名单").is_visible()  # the title, not the file name
    assert page.locator(".att-page img").first.evaluate("img => img.naturalWidth > 0")  # the list itself, from disk
    assert page.evaluate("getComputedStyle(document.body).fontFamily")  # styles loaded from disk
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('.kiosk-btn')).fontSize)") >= 24
    page.clock.fast_forward((IDLE + 1) * 1000)
    page.wait_for_url(re.compile(r"/kiosk/index\.html"))
    assert {urlsplit(u).scheme for u in requests} == {"file"}
    assert not errors, errors
    context.close()


FAKE_SPEECH = """
window.__spoken = [];
const voices = [{lang: 'en-US', name: 'English'}, {lang: 'zh-CN', name: '普通话'}];
Object.defineProperty(window, 'speechSynthesis', {configurable: true, value: {
  speaking: false, getVoices: () => voices, addEventListener() {},
  speak(u) { window.__spoken.push([u.text, u.lang, u.voice && u.voice.name]); }, cancel() { window.__spoken.push('cancel'); }}});
window.SpeechSynthesisUtterance = function (text) { this.text = text; };
"""


def test_read_aloud_in_chinese_where_a_voice_exists_hidden_where_not(browser, served):
    context, page, _ = _context(browser, PORTRAIT)
    page.goto(served + "kiosk/affairs/2026-dibao-q4.html")
    has_zh = page.evaluate("!!window.speechSynthesis && speechSynthesis.getVoices().some(v => /^zh/i.test(v.lang))")
    assert page.locator("#read-aloud").is_visible() == has_zh
    context.close()

    context, page, _ = _context(browser, PORTRAIT)
    page.add_init_script(FAKE_SPEECH)
    page.goto(served + "kiosk/affairs/2026-dibao-q4.html")
    button = page.get_by_role("button", name="朗读")
    assert button.is_visible()
    _tap(page, button)
    spoken = page.evaluate("window.__spoken.filter(x => x !== 'cancel')")
    assert spoken[0] == ["2026年第四季度最低生活保障对象公示", "zh-CN", "普通话"]
    assert any("低保对象" in text for text, *_ in spoken)
    assert all(lang == "zh-CN" for _, lang, _ in spoken)
    assert page.get_by_role("button", name="停止朗读").get_attribute("aria-pressed") == "true"
    _tap(page, page.get_by_role("button", name="停止朗读"))
    assert page.evaluate("window.__spoken.at(-1)") == "cancel"
    screenshot(page, "kiosk-notice-full-page")
    context.close()


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_every_kiosk_page_meets_the_touch_rules(browser, served, built_demo, viewport):
    """Each kind's pages, as they reach the kiosk: 64 px targets 8 px apart, 24 px text, no overflow."""
    context, page, errors = _context(browser, viewport)
    paths = sorted(p.relative_to(built_demo).as_posix() for p in (built_demo / "kiosk").rglob("*.html"))
    assert len(paths) > 30
    problems = {}
    for path in paths:
        page.goto(served + path)
        found = page.evaluate(CHECK_PAGE)
        bad = {k: found[k][:3] for k in ("small", "close", "tiny") if found[k]}
        if found["overflow"] > 0:
            bad["overflow"] = found["overflow"]
        if bad:
            problems[path] = bad
    assert problems == {}
    assert not errors, errors
    context.close()


def test_a_panel_whose_notices_have_all_expired_leaves_with_its_heading(browser, tmp_path):
    """When every pinned notice had expired on the kiosk's clock, 置顶公告 stayed with nothing under it."""
    content = tmp_path / "content"
    shutil.copytree(DEMO, content)
    for notice in content.glob("*/*.md"):
        text = notice.read_text(encoding="utf-8")
        if "\npinned: true\n" in text:
            text = re.sub(r"\nexpires: \S+\n", "\n", text).replace("\npinned: true\n", "\npinned: true\nexpires: 2026-11-28\n")
            notice.write_text(text, encoding="utf-8")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(content), "--out", str(out), "--today", "2026-11-20")
    assert done.returncode == 0, done.stderr
    context, page, errors = _context(browser, PORTRAIT, start=dt.datetime(2026, 11, 28, 23, 59, 30))
    page.goto((out / "kiosk" / "index.html").as_uri())
    heading = page.locator("h2", has_text="置顶公告")
    assert heading.is_visible()
    page.clock.fast_forward(60_000)
    assert heading.is_hidden()
    assert page.locator("h2", has_text="最新公告").is_visible()
    assert not errors, errors
    context.close()
