"""The form editor in a real Chromium, as a clerk uses it: a notice and a ledger made only through
the forms, a wrong sum shown at its row and refused, comments kept, 检查并发布 ending in the
page's revision record, and a page of another origin refused."""
from __future__ import annotations

import datetime as dt
import functools
import http.server
import shutil
import subprocess
import threading

import pytest
from playwright.sync_api import expect

from conftest import DEMO, ROOT, committed, run_cli, screenshot
from villageboard.edit.server import make_server

TODAY = dt.date(2026, 11, 23)
COMMIT_TIME = "2026-11-23T09:30:00+08:00"


@pytest.fixture(scope="module")
def village(tmp_path_factory):
    root = tmp_path_factory.mktemp("editor") / "qingxi"
    shutil.copytree(DEMO, root / "content")
    shutil.copytree(ROOT / "schemas", root / "schemas")
    committed(root, "青溪村公开栏内容")
    with pytest.MonkeyPatch.context() as env:
        for key in ("AUTHOR", "COMMITTER"):
            env.setenv(f"GIT_{key}_NAME", "村文书")
            env.setenv(f"GIT_{key}_EMAIL", "wenshu@example.org")
            env.setenv(f"GIT_{key}_DATE", COMMIT_TIME)
        server = make_server(root / "content", 0, today=TODAY)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield root / "content", server.editor.address
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.problems = problems
    yield page
    context.close()


def check_passes(content):
    done = run_cli("check", "--content", str(content), "--today", TODAY.isoformat())
    assert done.returncode == 0, done.stderr


def field(page, path):
    return page.locator(f"input[data-path='{path}'], select[data-path='{path}'], textarea[data-path='{path}']").first


def test_a_notice_made_only_through_the_form(page, village):
    content, address = village
    page.goto(address)
    page.get_by_role("link", name="新建村务公开").click()
    expect(page.locator("h1")).to_have_text("新建村务公开")
    page.get_by_label("标题").fill("关于冬季防火的通知")
    page.get_by_label("日期（必填）", exact=True).fill("2026-11-20")
    page.get_by_label("类别").fill("安全")
    page.get_by_label("置顶").check()
    page.locator("#body").fill("冬季天干物燥，\n上山不带火种。\n\n有火情请拨打 119。")
    expect(page.locator("#filename")).to_have_value("2026-11-20-关于冬季防火的通知")
    page.locator("#filename").fill("2026-11-20-dongji-fanghuo")
    expect(page.locator("#preview p").first).to_contain_text("冬季天干物燥，", timeout=20000)  # after a round trip
    expect(page.locator("#preview p br")).to_have_count(1)  # the verse keeps its line break
    expect(page.locator("#status")).to_contain_text("可以保存", timeout=20000)
    screenshot(page, "editor-notice-new")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#status")).to_contain_text("已保存 2026-11-20-dongji-fanghuo.md", timeout=20000)
    assert page.url.endswith("edit?kind=affairs&file=2026-11-20-dongji-fanghuo.md")
    text = (content / "affairs" / "2026-11-20-dongji-fanghuo.md").read_text(encoding="utf-8")
    assert text == ("---\ntitle: 关于冬季防火的通知\ndate: 2026-11-20\ncategory: 安全\npinned: true\n---\n"
                    "冬季天干物燥，\n上山不带火种。\n\n有火情请拨打 119。\n")
    check_passes(content)
    assert page.problems == []


def fill_row(page, side, index, date, item, category, amount, voucher):
    prefix = f"{side}.{index}"
    field(page, f"{prefix}.date").fill(date)
    field(page, f"{prefix}.item").fill(item)
    field(page, f"{prefix}.category").select_option(category)
    field(page, f"{prefix}.amount").fill(amount)
    field(page, f"{prefix}.voucher").fill(voucher)


def test_a_ledger_made_through_the_form_refuses_a_wrong_sum_at_its_row(page, village):
    content, address = village
    page.goto(address + "edit?kind=finance")
    expect(page.locator("h1")).to_have_text("新建财务公开表")
    # The books carry on: the new period and its opening come from the last ledger.
    expect(field(page, "period")).to_have_value("2026-Q4")
    expect(field(page, "opening_balance")).to_have_value("104340.50")
    expect(page.locator("[data-fact='opening_balance']")).to_contain_text("上期（2026年第三季度）期末余额 104,340.50 元",
                                                                        timeout=20000)
    page.locator("fieldset[data-path='income'] .add-row").click()
    fill_row(page, "income", 0, "2026-10-09", "村部临街店面出租（第四季度租金）", "经营收入", "3000.00", "记-10-01")
    page.locator("fieldset[data-path='income'] .add-row").click()
    fill_row(page, "income", 1, "2026-11-30", "第四季度银行存款利息", "其他收入", "280.50", "记-11-06")
    page.locator("fieldset[data-path='expenditure'] .add-row").click()
    fill_row(page, "expenditure", 0, "2026-10-20", "办公用品", "管理费用", "120.345", "记-10-02")
    field(page, "closing_balance").fill("107500.00")
    field(page, "published").fill("2027-01-10")
    # A row's own mistake is shown in that row.
    row_message = page.locator("[data-msg='expenditure.0']")
    expect(row_message).to_contain_text("E-MONEY-DECIMALS", timeout=20000)
    expect(page.locator("tr[data-path='expenditure.0']")).to_have_class("has-error")
    expect(field(page, "expenditure.0.amount")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("button", name="保存")).to_be_disabled()
    screenshot(page, "editor-ledger-row-error")
    field(page, "expenditure.0.amount").fill("120.00")
    # The sum: running totals per row, the totals in 大写, and the closing it must have.
    closing_message = page.locator("[data-msg='closing_balance']")
    expect(closing_message).to_contain_text("E-LEDGER-BALANCE", timeout=20000)
    expect(closing_message).to_contain_text("算不平")
    expect(row_message).to_be_empty()
    expect(page.locator("[data-fact='income.1.running']")).to_have_text("3,280.50")
    expect(page.locator("[data-fact='income.capitals']")).to_have_text("大写：叁仟贰佰捌拾元伍角")
    expect(page.locator("[data-fact='closing_balance']")).to_contain_text(
        "期末余额应为 107,501.00 元（大写：壹拾万柒仟伍佰零壹元整），与所填不符")
    expect(page.get_by_role("button", name="保存")).to_be_disabled()
    screenshot(page, "editor-ledger-wrong-sum")
    assert not (content / "finance" / "2026-Q4.yaml").exists()
    field(page, "closing_balance").fill("107501.00")
    expect(page.locator("#status")).to_contain_text("可以保存", timeout=20000)
    expect(closing_message).to_be_empty()
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#status")).to_contain_text("已保存 2026-Q4.yaml", timeout=20000)
    text = (content / "finance" / "2026-Q4.yaml").read_text(encoding="utf-8")
    assert text == (
        "# 财务公开表：期末余额必须等于 期初余额 + 收入合计 − 支出合计\n"
        "period: 2026-Q4\nopening_balance: 104340.50\nincome:\n"
        "  - {date: 2026-10-09, item: 村部临街店面出租（第四季度租金）, category: 经营收入, amount: 3000.00, voucher: 记-10-01}\n"
        "  - {date: 2026-11-30, item: 第四季度银行存款利息, category: 其他收入, amount: 280.50, voucher: 记-11-06}\n"
        "expenditure:\n"
        "  - {date: 2026-10-20, item: 办公用品, category: 管理费用, amount: 120.00, voucher: 记-10-02}\n"
        "closing_balance: 107501.00\nreviewed_by: 村务监督委员会\npublished: 2027-01-10\n"
        "# yaml-language-server: $schema=../../schemas/finance.schema.json\n")
    check_passes(content)
    screenshot(page, "editor-ledger-saved")
    assert page.problems == []


def test_an_existing_files_comments_survive_a_form_edit(page, village):
    content, address = village
    path = content / "finance" / "2025-Q4.yaml"
    before = path.read_text(encoding="utf-8").split("\n")
    page.goto(address + "edit?kind=finance&file=2025-Q4.yaml")
    expect(page.locator("#status")).to_contain_text("检查通过", timeout=20000)
    field(page, "expenditure.1.item").fill("办公用品及打印机墨盒")
    expect(page.locator("#status")).to_contain_text("可以保存", timeout=20000)
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#status")).to_contain_text("已保存", timeout=20000)
    after = path.read_text(encoding="utf-8").split("\n")
    assert [line for line in after if line not in before] == [
        "  - {date: 2025-11-12, item: 办公用品及打印机墨盒, category: 管理费用, amount: 1680.32, voucher: 记-11-03}"]
    assert after[:2] == before[:2] and after[0].startswith("# 2025年第四季度财务收支公开表")
    assert after[-2] == before[-2] == "# yaml-language-server: $schema=../../schemas/finance.schema.json"
    check_passes(content)


def test_publishing_commits_with_the_reason_and_the_page_shows_it(page, village, tmp_path):
    content, address = village
    page.goto(address + "edit?kind=affairs&file=2026-dibao-q4.md")
    expect(page.locator("#status")).to_contain_text("检查通过", timeout=20000)
    page.get_by_label("摘要").fill("在保 4 户 7 人，本季度新增 1 户，退出 1 户。")
    page.get_by_role("button", name="检查并发布").click()
    dialog = page.locator("#reason-dialog")
    expect(dialog).to_be_visible(timeout=20000)
    page.get_by_label("修改原因").fill("更正退出户数")
    screenshot(page, "editor-publish-reason")
    dialog.get_by_role("button", name="确定").click()
    expect(page.locator("#status")).to_contain_text("已发布：提交", timeout=30000)
    log = subprocess.run(["git", "log", "-1", "--format=%s", "--name-only"], cwd=content, capture_output=True,
                         text=True).stdout
    assert log.startswith("更正退出户数\n") and "content/affairs/2026-dibao-q4.md" in log
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(content), "--out", str(out), "--today", TODAY.isoformat())
    assert done.returncode == 0, done.stderr
    notice = out / "affairs" / "2026-dibao-q4.html"
    page.goto(notice.as_uri())
    expect(page.get_by_text("更正退出户数")).to_be_visible()
    screenshot(page, "editor-published-revision")


FORMS = [("index", ""), ("party", "edit?kind=party&file=2026-sanhuiyike.md"),
         ("fund", "edit?kind=fund&file=fuwuzhongxin-gaizao.yaml"),
         ("decision", "edit?kind=decision&file=2025-jiti-shouyi.yaml"),
         ("compact", "edit?kind=compact&file=2024.md"), ("household", "edit?kind=household&file=yao-xifei.yaml"),
         ("village", "edit?kind=village"), ("ledger-distribution", "edit?kind=finance&file=2026-Q1.yaml")]


def test_every_form_opens_on_the_demo_without_a_problem(page, village):
    content, address = village
    for name, url in FORMS:
        page.goto(address + url)
        if url:
            expect(page.locator("#status")).to_contain_text("检查通过", timeout=20000)
            assert page.locator(".msg .error").count() == 0, name
        screenshot(page, f"editor-form-{name}")
    page.goto(address + "edit?kind=household&file=yao-xifei.yaml")
    expect(field(page, "grid")).to_have_value("2")  # the village's grids as choices
    assert field(page, "grid").locator("option").all_inner_texts()[1:] == [
        "1 上溪片（网格长 陈美芳）", "2 中溪片（网格长 姚建国）", "3 下溪片（网格长 王春生）"]
    page.goto(address + "edit?kind=decision&file=2026-houshan-linzu.yaml")
    expect(page.locator("[data-fact='resolution']")).to_contain_text("未通过", timeout=20000)
    assert page.problems == []


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_a_page_without_the_token_or_from_another_origin_is_refused(page, village, tmp_path):
    content, address = village
    port = address.split(":")[2].split("/")[0]
    response = page.goto(f"http://127.0.0.1:{port}/")
    assert response.status == 403
    expect(page.locator("body")).to_contain_text("拒绝访问")
    # A web page elsewhere that somehow knew the token still cannot write: its Origin gives it away.
    (tmp_path / "index.html").write_text("<!doctype html><title>别的网站</title>", encoding="utf-8")
    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{other.server_address[1]}/index.html")
        notice = content / "affairs" / "2026-yishiyiyi.md"
        before = notice.read_bytes()
        sent = page.evaluate("""async (url) => {
            const body = JSON.stringify({kind: "affairs", file: "2026-yishiyiyi.md", values: {title: "被改了", date: "2026-01-01"}, body: "x"});
            try { await fetch(url, {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body}); } catch (e) {}
            try { await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body}); return "read"; }
            catch (e) { return "blocked"; }
        }""", address + "api/save")
        assert sent == "blocked"
        assert notice.read_bytes() == before
    finally:
        other.shutdown()
        other.server_close()


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def test_the_forms_pass_axe(browser, village):
    """The clerk's pages meet the same WCAG 2.2 AA rules as the villagers' (labels, contrast, names)."""
    content, address = village
    # bypass_csp: the pages allow no injected script, and axe is one.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    found = {}
    for name, url in [("index", ""), ("ledger", "edit?kind=finance&file=2026-Q1.yaml"),
                      ("notice", "edit?kind=affairs&file=2026-dibao-q4.md"), ("village", "edit?kind=village"),
                      ("household", "edit?kind=household&file=yao-xifei.yaml")]:
        page.goto(address + url)
        if url:
            expect(page.locator("#status")).to_contain_text("检查通过", timeout=20000)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, {runOnly: {type: 'tag', values: "
                               "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})")
        found[name] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    context.close()
    assert found == {name: [] for name in found}
