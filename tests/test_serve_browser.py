"""The clerk's preview in a real browser: errors over the last good page, cleared by the next
good save, every save reflected, drafts shown only here, a busy port handled in Chinese."""
from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from conftest import ROOT, TODAY, run_cli, screenshot
from test_serve import fetch, free_port, wait_for


@pytest.fixture
def preview(demo_copy):
    port = free_port()
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", str(port), "--drafts",
                                "--today", TODAY], cwd=demo_copy.parent, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    assert wait_for(lambda: fetch(base + "_preview/state.json")), "the preview did not start"
    yield base, demo_copy
    process.terminate()
    process.communicate(timeout=10)


def test_errors_show_over_the_last_good_page_and_clear_on_the_next_good_save(browser, preview):
    base, content = preview
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(base + "affairs/2026-yishiyiyi.html")
    notice = content / "affairs" / "2026-yishiyiyi.md"
    good = notice.read_text(encoding="utf-8")
    notice.write_text(good.replace("---\n", "---\npinned: 是\n", 1), encoding="utf-8")
    overlay = page.locator("#preview-errors")
    expect(overlay).to_contain_text("affairs/2026-yishiyiyi.md:", timeout=20000)
    expect(overlay).to_contain_text("[E-BOOL]")
    expect(page.locator("h1")).to_contain_text("筹资方案")  # the last good page is still there underneath
    screenshot(page, "preview-error-overlay")
    notice.write_text(good.replace("筹资方案征求意见", "筹资方案（第二稿）"), encoding="utf-8")
    expect(page.locator("h1")).to_contain_text("第二稿", timeout=20000)  # reloaded by itself
    expect(overlay).to_have_count(0)
    # A second fix right after the first reload is not dropped.
    notice.write_text(good.replace("筹资方案征求意见", "筹资方案（第三稿）"), encoding="utf-8")
    expect(page.locator("h1")).to_contain_text("第三稿", timeout=20000)
    page.close()


def test_drafts_appear_in_the_preview_only(browser, preview, tmp_path):
    base, content = preview
    page = browser.new_page()
    page.goto(base + "party/index.html")
    expect(page.locator(".tag.draft").first).to_be_visible()
    expect(page.get_by_text("冬季党课安排（草稿）").first).to_be_visible()
    page.close()
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(content), "--out", str(out), "--today", TODAY).returncode == 0
    assert not (out / "party" / "caogao-dangke.html").exists()
    assert not (out / "_preview").exists()
    assert "preview.js" not in (out / "index.html").read_text(encoding="utf-8")


def test_a_fresh_clone_with_an_error_shows_the_errors_not_a_404(browser, demo_copy):
    notice = demo_copy / "party" / "2026-sanhuiyike.md"
    notice.write_text("---\ntitle: 坏了\n", encoding="utf-8")
    port = free_port()
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", str(port)],
                               cwd=demo_copy.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}/"
        assert wait_for(lambda: fetch(base + "_preview/state.json"))
        page = browser.new_page()
        page.goto(base)
        expect(page.locator("h1")).to_have_text("预览还没有生成")
        expect(page.locator("#preview-errors")).to_contain_text("[E-FRONTMATTER]", timeout=20000)
        page.close()
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_a_busy_port_moves_to_the_next_free_one(demo_copy):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", str(port)],
                                   cwd=demo_copy.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            assert wait_for(lambda: fetch(f"http://127.0.0.1:{port + 1}/index.html")) or \
                wait_for(lambda: fetch(f"http://127.0.0.1:{port + 2}/index.html"))
        finally:
            process.terminate()
            output = process.communicate(timeout=10)[0].decode("utf-8", "replace")
    assert f"端口 {port} 已被别的程序占用，改用" in output and "内部错误" not in output
