"""The form editor's server (`python build.py edit`): who may ask, which files it touches, what it
writes and what it refuses. The browser side is in test_editor_browser.py."""
from __future__ import annotations

import datetime as dt
import http.client
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading

import pytest
from PIL import Image

from conftest import DEMO, ROOT, committed, run_cli
from villageboard.edit import forms, saving
from villageboard.edit.server import MAX_JSON, MAX_UPLOAD, make_server
from villageboard.reading.diagnostics import Report
from villageboard.reading.sources import read_text

TODAY = dt.date(2026, 11, 23)
COMMIT_TIME = "2026-11-23T09:30:00+08:00"


def make_village(tmp_path, monkeypatch):
    """A village repository as a clerk has it: content/ and schemas/ committed before the notices were published."""
    root = tmp_path / "qingxi"
    shutil.copytree(DEMO, root / "content")
    shutil.copytree(ROOT / "schemas", root / "schemas")
    git = committed(root, "青溪村公开栏内容")
    for key in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{key}_NAME", "村文书")
        monkeypatch.setenv(f"GIT_{key}_EMAIL", "wenshu@example.org")
        monkeypatch.setenv(f"GIT_{key}_DATE", COMMIT_TIME)
    return root / "content", git


class Client:
    def __init__(self, editor):
        self.editor = editor
        self.port = editor.port
        self.base = f"/{editor.token}/"

    def raw(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {"Host": f"127.0.0.1:{self.port}"}
        sent.update(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False).encode()
            sent.setdefault("Content-Type", "application/json")
        if body is not None:
            sent.setdefault("Content-Length", str(len(body)))
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, data

    def api(self, action, body, headers=None):
        status, data = self.raw("POST", self.base + "api/" + action, body,
                                {"Origin": f"http://127.0.0.1:{self.port}", **(headers or {})})
        return status, json.loads(data)

    def form(self, kind, name=None):
        status, data = self.raw("GET", self.base + f"api/form?kind={kind}" + (f"&file={name}" if name else ""))
        return status, json.loads(data)


@pytest.fixture
def village(tmp_path, monkeypatch):
    return make_village(tmp_path, monkeypatch)


@pytest.fixture
def editor(village):
    content, _ = village
    server = make_server(content, 0, today=TODAY)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Client(server.editor)
    server.shutdown()
    server.server_close()


NOTICE = {"title": "关于冬季防火的通知", "date": "2026-11-20", "category": "安全", "pinned": "true",
          "summary": "冬季天干物燥，请注意用火安全"}
VERSE = "冬季天干物燥，\n上山不带火种。\n\n有火情请拨打 119。"


# ---------------------------------------------------------------- who may ask


def test_requests_without_the_token_or_from_another_origin_are_refused(editor, village):
    content, _ = village
    notice = content / "affairs" / "2026-dibao-q4.md"
    before = notice.read_bytes()
    good = {"kind": "affairs", "file": "2026-dibao-q4.md", "values": {**NOTICE}, "body": "被改了"}
    origin = f"http://127.0.0.1:{editor.port}"
    refusals = [
        ("GET", "/", None, {}),  # no token
        ("GET", "/api/form?kind=affairs", None, {}),
        ("GET", "/" + "x" * len(editor.editor.token) + "/", None, {}),  # a wrong token of the right length
        ("POST", "/api/save", good, {"Origin": origin}),
        ("POST", editor.base + "api/save", good, {"Origin": "http://evil.example"}),  # CSRF from a web page
        ("POST", editor.base + "api/save", good, {"Origin": "null"}),  # a sandboxed frame or a file:// page
        ("POST", editor.base + "api/save", good, {"Sec-Fetch-Site": "cross-site"}),
        ("POST", editor.base + "api/save", good, {"Referer": "http://evil.example/page.html"}),
        ("POST", editor.base + "api/save", good, {"Host": "evil.example:80", "Origin": "http://evil.example:80"}),
        ("GET", editor.base, None, {"Host": f"rebound.example:{editor.port}"}),  # DNS rebinding
    ]
    for method, path, body, headers in refusals:
        status, data = editor.raw(method, path, body, headers)
        assert status == 403, (method, path, headers, status)
        assert "拒绝访问" in data.decode(), data
    assert notice.read_bytes() == before
    # The same requests, asked properly, are answered.
    status, page = editor.raw("GET", editor.base)
    assert status == 200 and "全部内容" in page.decode()
    status, answer = editor.api("check", good)
    assert status == 200 and "fields" in answer


def test_the_command_prints_an_address_with_a_fresh_token_on_loopback(village):
    content, _ = village
    tokens = []
    for _ in range(2):
        process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "edit", "--content", str(content),
                                    "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   encoding="utf-8")
        try:
            lines = [process.stdout.readline() for _ in range(2)]
            assert "表单编辑器已启动" in lines[0], lines
            match = re.match(r"http://127\.0\.0\.1:(\d+)/([A-Za-z0-9_-]{32,})/$", lines[1].strip())
            assert match, lines
            port, token = match.groups()
            tokens.append(token)
            conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
            conn.request("GET", f"/{token}/")
            assert conn.getresponse().status == 200
            conn.close()
            listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True,
                                       text=True).stdout if shutil.which("ss") else ""
            if listening.strip():  # where ss is installed: nothing but loopback
                assert all("127.0.0.1:" in line for line in listening.strip().splitlines()), listening
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert tokens[0] != tokens[1]


def test_file_names_stay_inside_their_folder_of_content(editor, village, tmp_path):
    content, _ = village
    outside = tmp_path / "elsewhere.md"
    outside.write_text("---\ntitle: x\ndate: 2026-01-01\n---\n", encoding="utf-8")
    (content / "affairs" / "link.md").symlink_to(outside)
    for name in ("../../evil", "../village", "/etc/passwd", "a/b", "..\\evil", ".hidden", "link", "a b", "x?y",
                 "C:evil"):
        status, answer = editor.api("save", {"kind": "affairs", "file": name, "new": True,
                                             "values": NOTICE, "body": "正文"})
        assert status == 400 and answer["error"]["code"] == "E-EDIT-NAME", (name, answer)
    status, answer = editor.form("affairs", "../village.yaml")
    assert status == 400 and answer["error"]["code"] == "E-EDIT-NAME"
    status, _ = editor.raw("GET", editor.base + "files/../../qingxi/content/village.yaml")
    assert status == 404
    assert outside.read_text(encoding="utf-8").startswith("---\ntitle: x")
    assert not (tmp_path / "evil.md").exists() and not (content.parent / "evil.md").exists()


def test_a_name_with_a_nul_is_refused_like_any_bad_name(editor, village):
    """A NUL makes the file system raise: it was an internal error (500) instead of the name's refusal."""
    content, _ = village
    before = sorted(p.name for p in (content / "affairs").iterdir())
    status, answer = editor.form("affairs", "x%00")
    assert status == 400 and answer["error"]["code"] == "E-EDIT-NAME", answer
    status, answer = editor.form("affairs", "2026-zhaijidi.md%00")
    assert status == 400 and answer["error"]["code"] == "E-EDIT-NAME", answer
    status, answer = editor.api("save", {"kind": "affairs", "file": "x\0", "new": True, "values": NOTICE, "body": "正文"})
    assert status == 400 and answer["error"]["code"] == "E-EDIT-NAME", answer
    status, data = editor.raw("GET", editor.base + "files/affairs/x%00.png")
    assert status == 404 and json.loads(data)["error"]["code"] == "E-EDIT-NAME"
    status, answer = editor.api("upload?kind=affairs&file=2026-dibao-q4.md", jpeg_with_gps(),
                                {"Content-Type": "application/octet-stream", "X-File-Name": "a%00b.jpg"})
    assert status == 200 and answer["name"] == "附件.jpg", answer  # renamed, as any name that cannot be an address
    assert sorted(p.name for p in (content / "affairs").iterdir()) == sorted(before + ["附件.jpg"])


def test_request_sizes_are_bounded(editor):
    origin = {"Origin": f"http://127.0.0.1:{editor.port}"}
    status, data = editor.raw("POST", editor.base + "api/check", None,
                              {**origin, "Content-Type": "application/json", "Content-Length": str(MAX_JSON + 1)})
    assert status == 413 and json.loads(data)["error"]["code"] == "E-EDIT-TOO-LARGE"
    status, data = editor.raw("POST", editor.base + "api/upload?kind=affairs&file=x",
                              None, {**origin, "Content-Type": "application/octet-stream", "X-File-Name": "a.pdf",
                                     "Content-Length": str(MAX_UPLOAD + 1)})
    assert status == 413
    status, data = editor.raw("POST", editor.base + "api/check", b"{}", {**origin, "Content-Type": "text/plain"})
    assert status == 415  # a plain HTML form from elsewhere cannot post JSON without asking first


# ---------------------------------------------------------------- what it writes


def test_a_new_notice_is_written_as_a_clerk_writes_one_by_hand_and_passes_check(editor, village):
    content, _ = village
    status, answer = editor.api("save", {"kind": "affairs", "file": "2026-11-20-dongji-fanghuo", "new": True,
                                         "values": {**NOTICE, "draft": "false", "expires": ""}, "body": VERSE})
    assert status == 200 and answer["saved"], answer
    text = (content / "affairs" / "2026-11-20-dongji-fanghuo.md").read_text(encoding="utf-8")
    assert text == ("---\ntitle: 关于冬季防火的通知\ndate: 2026-11-20\ncategory: 安全\n"
                    "summary: 冬季天干物燥，请注意用火安全\npinned: true\ndraft: false\n---\n" + VERSE + "\n")
    done = run_cli("check", "--content", str(content), "--today", TODAY.isoformat())
    assert done.returncode == 0, done.stderr
    # Saving it again with the same name is refused, not an overwrite.
    status, answer = editor.api("save", {"kind": "affairs", "file": "2026-11-20-dongji-fanghuo", "new": True,
                                         "values": NOTICE, "body": "另一份"})
    assert status == 400 and answer["error"]["code"] == "E-EDIT-EXISTS"
    assert "另一份" not in (content / "affairs" / "2026-11-20-dongji-fanghuo.md").read_text(encoding="utf-8")


def test_every_demo_file_comes_back_byte_for_byte_when_nothing_is_changed():
    for kind in forms.KINDS.values():
        for path in forms._files(kind, DEMO):
            values, body, _ = forms.read(kind, path)
            original = read_text(path, Report()).text
            assert saving.render(kind, saving.clean(kind.schema, values), body, original) == original, path


def test_an_existing_files_comments_survive_an_edit(editor, village):
    content, _ = village
    path = content / "village.yaml"
    before = path.read_text(encoding="utf-8")
    status, form = editor.form("village")
    assert status == 200
    values = form["values"]
    values["grids"][1]["leader"] = "姚建华"
    values["public_phones"].append("0570-7281235")
    values["kiosk"]["idle_seconds"] = "120"
    status, answer = editor.api("save", {"kind": "village", "file": "village.yaml", "values": values, "body": "",
                                         "version": form["version"]})
    assert status == 200 and answer["saved"], answer
    after = path.read_text(encoding="utf-8")
    for comment in ("# 村情基本信息：村名、网格、联系电话等。改完运行 python build.py check 检查。",
                    '  - "13905701234"   # 村务监督委员会主任工作手机，经本人同意公开',
                    "# yaml-language-server: $schema=../schemas/village.schema.json"):
        assert comment in after
    assert after.rstrip().endswith("# yaml-language-server: $schema=../schemas/village.schema.json")
    changed = [line for line in after.split("\n") if line not in before.split("\n")]
    assert changed == ["  - {id: 2, name: 中溪片, leader: 姚建华, households: 29}", "  idle_seconds: 120",
                       "  - 0570-7281235"]
    assert 'accounting: "2023"' in after  # the clerk's quotes are kept


def test_a_ledger_with_a_wrong_sum_is_refused_with_the_error_at_the_closing_row(editor, village):
    content, _ = village
    status, form = editor.form("finance")  # a new ledger opens where the books stand
    values = form["values"]
    assert values["period"] == "2026-Q4" and values["opening_balance"] == "104340.50"
    values.update(income=[{"date": "2026-10-09", "item": "店面租金", "category": "经营收入", "amount": "3000.00",
                           "voucher": "记-10-01"}],
                  expenditure=[{"date": "2026-10-20", "item": "办公用品", "category": "管理费用", "amount": "120.345",
                                "voucher": "记-10-02"}],
                  closing_balance="107340.50", published="2027-01-10")
    request = {"kind": "finance", "file": "2026-Q4", "new": True, "values": values, "body": ""}
    status, answer = editor.api("check", request)
    assert [e["code"] for e in answer["fields"]["expenditure.0.amount"]] == ["E-MONEY-DECIMALS"]
    values["expenditure"][0]["amount"] = "120.00"
    status, answer = editor.api("check", request)
    assert [e["code"] for e in answer["fields"]["closing_balance"]] == ["E-LEDGER-BALANCE"]
    facts = answer["facts"]
    assert facts["closing_needed"] == "107,220.50" and facts["closing_ok"] is False
    assert facts["closing_needed_capitals"] == "壹拾万柒仟贰佰贰拾元伍角"
    assert facts["income"]["running"] == ["3,000.00"] and facts["previous"]["closing"] == "104,340.50"
    status, answer = editor.api("save", request)
    assert status == 422 and answer["error"]["code"] == "E-EDIT-ERRORS"
    assert not (content / "finance" / "2026-Q4.yaml").exists()
    values["closing_balance"] = "107220.50"
    status, answer = editor.api("save", request)
    assert status == 200, answer
    text = (content / "finance" / "2026-Q4.yaml").read_text(encoding="utf-8")
    assert "  - {date: 2026-10-09, item: 店面租金, category: 经营收入, amount: 3000.00, voucher: 记-10-01}\n" in text
    assert text.endswith("# yaml-language-server: $schema=../../schemas/finance.schema.json\n")
    assert run_cli("check", "--content", str(content), "--today", TODAY.isoformat()).returncode == 0


def test_a_personal_number_is_flagged_at_the_field_it_was_typed_in(editor):
    request = {"kind": "affairs", "file": "x", "new": True, "body": "第一行\n联系人电话 13912345678",
               "values": {**NOTICE, "summary": "申请人 330824199001011234"}}
    status, answer = editor.api("check", request)
    assert [e["code"] for e in answer["fields"]["summary"]] == ["E-PRIVACY-ID"]
    assert [(e["code"], e["body_line"]) for e in answer["fields"]["body"]] == [("E-PRIVACY-PHONE", 2)]
    status, answer = editor.api("save", request)
    assert status == 422


def test_a_decision_shows_whether_quorum_and_majority_hold(editor):
    values = {"title": "修建村道", "proposal": {"date": "2026-10-01", "body": "村党支部委员会"},
              "consultation": {"date": "2026-10-05", "body": "村两委联席会议"},
              "review": {"date": "2026-10-10", "body": "党员大会", "attended": "20", "total": "24"},
              "resolution": {"date": "2026-10-15", "body": "村民代表会议", "attended": "25", "total": "40", "for": "20",
                             "against": "3", "abstain": "2"}}
    status, answer = editor.api("check", {"kind": "decision", "file": "x", "new": True, "values": values})
    assert answer["facts"]["resolution"]["passed"] is False
    assert "不足法定人数" in answer["facts"]["resolution"]["reason"]
    values["resolution"]["attended"] = "30"
    status, answer = editor.api("check", {"kind": "decision", "file": "x", "new": True, "values": values})
    assert answer["facts"]["resolution"]["passed"] is True


# ---------------------------------------------------------------- publishing and withdrawing


def git_log(content):
    return subprocess.run(["git", "log", "--format=%s"], cwd=content, capture_output=True, text=True).stdout.split("\n")


def test_publish_refuses_errors_and_private_numbers_then_commits_with_the_reason(editor, village):
    content, _ = village
    notice = content / "affairs" / "2026-zhaijidi.md"
    good = notice.read_text(encoding="utf-8")
    notice.write_text(good.replace("title:", "pinned: 是\ntitle:", 1), encoding="utf-8")  # a hand edit gone wrong
    status, answer = editor.api("publish", {"reason": "更正公示日期"})
    assert status == 400 and answer["error"]["code"] == "E-EDIT-CHECK" and "E-BOOL" in answer["error"]["message"]
    notice.write_text(good.replace("宅基地", "农村宅基地", 1), encoding="utf-8")
    status, answer = editor.api("publish", {"reason": "联系人 13912345678"})
    assert status == 400 and answer["error"]["code"] == "E-PRIVACY-PHONE"
    status, answer = editor.api("publish", {"reason": ""})
    assert answer["error"]["code"] == "E-EDIT-REASON"
    assert git_log(content)[0] == "青溪村公开栏内容"
    status, answer = editor.api("publish", {"reason": "更正公示标题"})
    assert status == 200, answer
    assert git_log(content)[0] == "更正公示标题" and answer["files"] == ["content/affairs/2026-zhaijidi.md"]
    status, answer = editor.api("publish", {"reason": "再发一次"})
    assert answer["error"]["code"] == "E-EDIT-NOTHING"


def test_withdrawing_removes_the_file_with_the_reason_and_the_page_says_so(editor, village, tmp_path):
    content, _ = village
    status, answer = editor.api("withdraw", {"kind": "affairs", "file": "2026-zhaijidi.md", "reason": "申请人已撤回申请"})
    assert status == 200, answer
    assert not (content / "affairs" / "2026-zhaijidi.md").exists()
    assert git_log(content)[0] == "撤下：申请人已撤回申请"
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(content), "--out", str(out), "--today", TODAY.isoformat())
    assert done.returncode == 0, done.stderr
    page = (out / "affairs" / "2026-zhaijidi.html").read_text(encoding="utf-8")
    assert "撤下" in page and "申请人已撤回申请" in page
    # A withdrawal that would break something else is refused: the fund's vouchers are in this ledger.
    status, answer = editor.api("withdraw", {"kind": "finance", "file": "2026-Q3.yaml", "reason": "重做"})
    assert status == 400 and answer["error"]["code"] == "E-EDIT-CHECK", answer
    assert "content/finance/funds/fuwuzhongxin-gaizao.yaml:6: 错误：" in answer["error"]["message"]
    assert "[E-FUND-LEDGER]" in answer["error"]["message"]
    assert (content / "finance" / "2026-Q3.yaml").exists() and git_log(content)[0] == "撤下：申请人已撤回申请"


def test_withdrawing_removes_exactly_the_named_file_whatever_its_name(editor, village):
    """git reads ``[12]`` in a path as a pattern and ``-n.md`` as an option: neither may touch another file."""
    content, git = village
    folder = content / "affairs"
    names = ["g1.md", "g2.md", "g[12].md", "n.md", "-n.md"]
    for i, name in enumerate(names):
        (folder / name).write_text(f"---\ntitle: 测试公告{i}\ndate: 2026-11-0{i + 1}\n---\n正文\n", encoding="utf-8")
    git("add", "-A")
    git("commit", "-qm", "测试公告")

    def last_commit():
        return subprocess.run(["git", "show", "--name-status", "--format=%s", "HEAD"], cwd=content,
                              capture_output=True, text=True).stdout.split()

    for name in ("g[12].md", "-n.md"):
        status, answer = editor.api("withdraw", {"kind": "affairs", "file": name, "reason": "测试撤下"})
        assert status == 200, answer
        assert last_commit() == ["撤下：测试撤下", "D", f"content/affairs/{name}"]
        assert not (folder / name).exists()
    for name in ("g1.md", "g2.md", "n.md"):
        assert (folder / name).is_file(), name
    tracked = subprocess.run(["git", "ls-files"], cwd=folder, capture_output=True, text=True).stdout.split()
    assert {"g1.md", "g2.md", "n.md"} <= set(tracked) and not {"g[12].md", "-n.md"} & set(tracked)


# ---------------------------------------------------------------- attachments and photos


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (29.0, 30.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_uploads_are_type_checked_stripped_and_stored_beside_the_source(editor, village):
    content, _ = village
    photo = jpeg_with_gps()
    assert b"PhoneMaker" in photo
    headers = {"Content-Type": "application/octet-stream"}
    status, answer = editor.api("upload?kind=affairs&file=2026-dibao-q4.md", photo,
                                {**headers, "X-File-Name": "%E7%8E%B0%E5%9C%BA.jpg"})  # 现场.jpg
    assert status == 200 and answer == {"name": "现场.jpg", "picture": True}
    stored = (content / "affairs" / "现场.jpg").read_bytes()
    assert b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
    for name, data, code in (("a.svg", b"<svg onload='x'/>", "E-EDIT-UPLOAD"),
                             ("fake.png", b"<html>not a picture</html>", "E-EDIT-UPLOAD"),
                             ("list.pdf", b"PK\x03\x04 a zip", "E-EDIT-UPLOAD")):
        status, answer = editor.api("upload?kind=affairs&file=2026-dibao-q4.md", data, {**headers, "X-File-Name": name})
        assert status == 400 and answer["error"]["code"] == code, name
        assert not (content / "affairs" / name).exists()
    assert not list((content / "affairs").glob(".upload-*"))


def test_a_hand_edit_made_while_the_form_was_open_is_not_overwritten(editor, village):
    content, _ = village
    path = content / "affairs" / "2026-zhaijidi.md"
    status, form = editor.form("affairs", "2026-zhaijidi.md")
    path.write_text(path.read_text(encoding="utf-8") + "\n记事本里补的一句。\n", encoding="utf-8")
    request = {"kind": "affairs", "file": "2026-zhaijidi.md", "values": form["values"], "body": form["body"],
               "version": form["version"]}
    status, answer = editor.api("save", request)
    assert status == 409 and answer["error"]["code"] == "E-EDIT-CHANGED"
    assert "记事本里补的一句。" in path.read_text(encoding="utf-8")
    status, form = editor.form("affairs", "2026-zhaijidi.md")  # reopened: the hand edit is in the form
    assert "记事本里补的一句。" in form["body"]
    status, answer = editor.api("save", {**request, "body": form["body"], "version": form["version"]})
    assert status == 200 and answer["saved"]


def test_checks_while_the_clerk_types_see_every_change_made_elsewhere_and_read_only_those(editor, village):
    """The editor keeps its copy of content/ between checks and copies again only what changed: a
    check must still see a file changed, deleted or put back by hand since the one before, and no
    draft checked before may linger in it."""
    content, _ = village
    other = content / "affairs" / "2026-zhaijidi.md"
    text = other.read_text(encoding="utf-8")
    status, form = editor.form("affairs", "2026-dibao-q4.md")
    request = {"kind": "affairs", "file": "2026-dibao-q4.md", "values": form["values"], "body": form["body"] + "\n补一句。",
               "version": form["version"]}

    def errors_elsewhere():
        status, answer = editor.api("check", request)
        assert status == 200 and not answer["fields"], answer
        return [(o["file"], o["line"], o["code"]) for o in answer["others"] if o["level"] == "error"]

    editor.editor.warming.join()  # the village read while the clerk looks at the form opened
    assert errors_elsewhere() == []
    assert editor.editor.scratch.memo.read_anew == 1  # even the first check reads only the draft
    # Notepad, in another window: an ID number at the last line of another notice.
    other.write_text(text + "\n申请人身份证号 330824199001011234\n", encoding="utf-8")
    line = len((text + "\n申请人身份证号 330824199001011234").split("\n"))
    assert errors_elsewhere() == [("affairs/2026-zhaijidi.md", line, "E-PRIVACY-ID")]
    assert editor.editor.scratch.memo.read_anew == 2  # the draft and that notice, not the whole village
    other.write_text(text, encoding="utf-8")
    assert errors_elsewhere() == []
    # A ledger's sum broken by hand, then the file taken away (the books then have a gap, a warning),
    # then put back as it was.
    ledger = content / "finance" / "2026-Q2.yaml"
    kept = ledger.read_text(encoding="utf-8")
    ledger.write_text(re.sub(r"closing_balance: [0-9.]+", "closing_balance: 1.00", kept), encoding="utf-8")
    line = kept[:kept.index("closing_balance")].count("\n") + 1
    assert ("finance/2026-Q2.yaml", line, "E-LEDGER-BALANCE") in errors_elsewhere()
    ledger.unlink()
    assert errors_elsewhere() == []
    ledger.write_text(kept, encoding="utf-8")
    assert errors_elsewhere() == []
    # A draft with an error, checked and left: the next check, of another file, no longer sees it.
    status, broken = editor.api("check", {**request, "file": "2026-zhaijidi.md", "values": {**form["values"], "date": "2026-13-01"}})
    assert broken["fields"], broken
    assert errors_elsewhere() == []


def test_a_check_as_the_clerk_types_looks_again_only_at_the_draft(editor, village, monkeypatch):
    """At ten thousand notices a check re-read every copied source and worked every page out again:
    a second a keystroke. Another notice's bytes are not looked at again, nor its page."""
    from villageboard.reading import memo
    from villageboard.rendering import record

    status, form = editor.form("affairs", "2026-dibao-q4.md")
    editor.editor.warming.join()
    request = {"kind": "affairs", "file": "2026-dibao-q4.md", "values": form["values"], "version": form["version"]}
    opened, walked = [], []
    digest, model = memo.content_digest, record.Digests.model
    monkeypatch.setattr(memo, "content_digest", lambda path: opened.append(str(path)) or digest(path))

    def walking(self, value):
        if id(value) not in self.models:
            walked.append(getattr(value, "path", None))
        return model(self, value)

    monkeypatch.setattr(record.Digests, "model", walking)
    for word in ("补一句。", "再补一句。"):
        opened.clear(), walked.clear()
        status, answer = editor.api("check", {**request, "body": form["body"] + "\n" + word})
        assert status == 200 and not answer["fields"] and answer["errors"] == 0, answer
        sources = sorted(p.replace("\\", "/").split("/content/")[-1] for p in opened if p.endswith((".md", ".yaml")))
        assert sources == ["affairs/2026-dibao-q4.md"]
        assert "affairs/2026-dibao-q4.html" in walked  # the draft's page is worked out again…
        assert "affairs/2026-zhaijidi.html" not in walked and "party/index.html" not in walked  # …no other's


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_a_named_pipe_in_the_content_neither_hangs_a_check_nor_goes_unsaid(editor, village):
    """The check's copy of content/ read each source to copy it: a named pipe named like a notice
    would keep the editor waiting for ever. It is named, as the build names it."""
    content, _ = village
    os.mkfifo(content / "party" / "2026-pipe.md")
    status, form = editor.form("affairs", "2026-dibao-q4.md")
    status, answer = editor.api("check", {"kind": "affairs", "file": "2026-dibao-q4.md", "values": form["values"],
                                          "body": form["body"], "version": form["version"]})
    assert status == 200 and answer["errors"] == 0, answer
    assert [(o["file"], o["code"]) for o in answer["others"]] == [("party/2026-pipe.md", "W-CONTENT-SPECIAL")], answer


def test_a_hand_edit_made_while_the_draft_is_checked_is_not_overwritten(editor, village, monkeypatch):
    """The check takes seconds; Notepad saving during them must win over the form, and so must a new file."""
    content, _ = village
    path = content / "affairs" / "2026-zhaijidi.md"
    status, form = editor.form("affairs", "2026-zhaijidi.md")
    checking = saving.check_draft

    def check_while_the_clerk_types(*args, **kwargs):
        if path.exists():
            path.write_text(path.read_text(encoding="utf-8") + "\n记事本里补的一句。\n", encoding="utf-8")
        (content / "affairs" / "2026-11-20-fanghuo.md").write_text("---\ntitle: 手写的\ndate: 2026-11-20\n---\n",
                                                                  encoding="utf-8")
        return checking(*args, **kwargs)

    monkeypatch.setattr(saving, "check_draft", check_while_the_clerk_types)
    status, answer = editor.api("save", {"kind": "affairs", "file": "2026-zhaijidi.md", "values": form["values"],
                                         "body": "表单里的正文", "version": form["version"]})
    assert status == 409 and answer["error"]["code"] == "E-EDIT-CHANGED", answer
    text = path.read_text(encoding="utf-8")
    assert "记事本里补的一句。" in text and "表单里的正文" not in text
    status, answer = editor.api("save", {"kind": "affairs", "file": "2026-11-20-fanghuo", "new": True,
                                         "values": NOTICE, "body": "表单里的正文"})
    assert status == 400 and answer["error"]["code"] == "E-EDIT-EXISTS", answer
    assert "手写的" in (content / "affairs" / "2026-11-20-fanghuo.md").read_text(encoding="utf-8")
    assert not list((content / "affairs").glob(".edit-*"))


def test_a_file_withdrawn_or_deleted_since_the_form_was_opened_is_not_brought_back(editor, village, monkeypatch):
    content, _ = village
    folder = content / "affairs"
    status, form = editor.form("affairs", "2026-zhaijidi.md")
    request = {"kind": "affairs", "file": "2026-zhaijidi.md", "values": form["values"], "body": form["body"],
               "version": form["version"]}
    status, answer = editor.api("withdraw", {"kind": "affairs", "file": "2026-zhaijidi.md", "reason": "申请人已撤回申请"})
    assert status == 200, answer  # in another window
    status, answer = editor.api("save", request)
    assert status == 409 and answer["error"]["code"] == "E-EDIT-CHANGED", answer
    assert not (folder / "2026-zhaijidi.md").exists()
    # Deleted while the draft is checked: the same.
    status, form = editor.form("affairs", "2026-dibao-q4.md")
    checking = saving.check_draft

    def check_while_deleted(*args, **kwargs):
        (folder / "2026-dibao-q4.md").unlink(missing_ok=True)
        return checking(*args, **kwargs)

    monkeypatch.setattr(saving, "check_draft", check_while_deleted)
    status, answer = editor.api("save", {"kind": "affairs", "file": "2026-dibao-q4.md", "values": form["values"],
                                         "body": form["body"], "version": form["version"]})
    assert status == 409 and answer["error"]["code"] == "E-EDIT-CHANGED", answer
    assert not (folder / "2026-dibao-q4.md").exists()


def test_saving_an_existing_file_without_the_version_it_was_opened_on_is_refused(editor, village):
    content, _ = village
    for kind, name in (("affairs", "2026-zhaijidi.md"), ("affairs", "gone.md"), ("village", "village.yaml")):
        path = content / ("" if kind == "village" else "affairs") / name
        before = path.read_bytes() if path.exists() else None
        status, form = editor.form(kind, "2026-zhaijidi.md" if name == "gone.md" else name)
        for extra in ({}, {"version": None}, {"new": True}):  # village.yaml is never new
            if extra.get("new") and kind != "village":
                continue
            status, answer = editor.api("save", {"kind": kind, "file": name, "values": form["values"],
                                                 "body": "没有版本的保存", **extra})
            assert status == 400 and answer["error"]["code"] == "E-EDIT-REQUEST", (name, extra, answer)
            assert (path.read_bytes() if path.exists() else None) == before, name


def test_a_notepad_file_keeps_its_crlf_and_bom(editor, village):
    content, _ = village
    path = content / "party" / "2026-sanhuiyike.md"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    status, form = editor.form("party", "2026-sanhuiyike.md")
    form["values"]["summary"] = "第三季度“三会一课”落实情况"
    status, answer = editor.api("save", {"kind": "party", "file": "2026-sanhuiyike.md", "values": form["values"],
                                         "body": form["body"], "version": form["version"]})
    assert status == 200, answer
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf---\r\n") and b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert "summary: 第三季度“三会一课”落实情况\r\n".encode() in data
