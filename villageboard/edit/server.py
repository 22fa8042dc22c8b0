"""The editor's web server: 127.0.0.1 only, every address behind a secret made at start.

Anyone who can reach the port could otherwise rewrite the village's disclosures or
commit in the clerk's name, and any web page the clerk has open could try (CSRF, DNS
rebinding). So: the socket listens on loopback alone; the ``Host`` must be this
machine; every path starts with a token of 192 random bits printed at start (a page
from elsewhere cannot know it); a request that says it comes from another origin
(``Origin``, ``Referer``, ``Sec-Fetch-Site``) is refused; file names are confined to
their kind's folder inside content/, and request bodies are bounded.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import sys
import threading
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import jinja2

from villageboard.reading import assets, clock, markup, privacy, sources
from villageboard import builder
from villageboard.kinds import finance, village as village_kind
from villageboard.planning import site as site_module
from villageboard.reading.diagnostics import Report
from villageboard.edit import forms, publishing, saving
from villageboard.edit.saving import EditRefused

PAGES = builder.LAYOUTS / "edit"
STATIC = PAGES / "static"
MAX_JSON = sources.MAX_SOURCE_BYTES + 256 * 1024  # a draft is at most one source file, plus the form's wrapping
MAX_UPLOAD = 20 * 1024 * 1024  # a scanned list or a phone photo; a bigger file is not for a village board
UPLOAD_TYPES = assets.ATTACHMENT_TYPES | assets.IMAGE_TYPES
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".png": "image/png",
         ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp", ".pdf": "application/pdf"}


def version_of(data: bytes) -> str:
    """The version a form was opened on: saving is refused when the file's bytes no longer have it."""
    return hashlib.sha256(data).hexdigest()[:16]


class Editor:
    """What every request needs: the content folder, the token and one lock for all writing and checking."""

    def __init__(self, content: Path, port: int, today: dt.date | None = None, token: str | None = None):
        self.content = content.resolve()
        self.port = port
        self.fixed_today = today
        self.token = token or secrets.token_urlsafe(24)
        self.lock = threading.Lock()  # one clerk; the Markdown converter and git are not for two at once
        self.scratch = saving.Scratch(self.content)  # where drafts are checked, kept up to date between checks
        self.warming: threading.Thread | None = None
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        self.origins = {f"http://{h}" for h in self.hosts}
        self.pages = jinja2.Environment(loader=jinja2.FileSystemLoader(str(PAGES)), autoescape=True)

    def warm_up(self) -> None:
        """Once, when the first form is open: every file read into the scratch copy while the clerk
        looks at the form, so that the first check as they type costs what the later ones do."""
        if self.warming is None:
            self.warming = threading.Thread(target=self._warm, daemon=True)
            self.warming.start()

    def _warm(self) -> None:
        with self.lock:
            try:
                self.scratch.warm(self.today)
            except Exception:  # only a head start is lost: the check itself says what is wrong
                pass

    @property
    def today(self) -> dt.date:
        return self.fixed_today or clock.today()

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.token}/"

    # ------------------------------------------------------------ who may ask

    def refusal(self, headers, raw_path: str) -> str | None:
        """Why this request is refused, or None. Checked before anything else is looked at."""
        if headers.get("Host", "") not in self.hosts:
            return "地址不对：表单编辑器只能在这台电脑上用启动时显示的地址打开"
        origin = headers.get("Origin")
        if origin is not None and origin not in self.origins:
            return "这个请求来自别的网站或页面"
        referer = headers.get("Referer")
        if referer:
            parts = urlsplit(referer)
            if f"{parts.scheme}://{parts.netloc}" not in self.origins:
                return "这个请求来自别的网站或页面"
        fetch_site = headers.get("Sec-Fetch-Site")
        if fetch_site is not None and fetch_site not in ("same-origin", "none"):
            return "这个请求来自别的网站或页面"
        segment = urlsplit(raw_path).path.split("/")[1] if raw_path.startswith("/") else ""
        if not hmac.compare_digest(segment.encode("utf-8", "replace"), self.token.encode()):
            return "地址里缺少或写错了密钥；请用启动编辑器时显示的完整地址打开"
        return None

    # ------------------------------------------------------------ which file

    def locate(self, kind_key, name, must_exist: bool = False) -> tuple[forms.Kind, str, Path]:
        """The kind and the file ``name`` of it, confined to its folder inside content/."""
        kind = forms.KINDS.get(kind_key) if isinstance(kind_key, str) else None
        if kind is None:
            raise EditRefused("E-EDIT-NAME", "不认识的内容类型")
        if kind.fixed:
            name = kind.fixed
        if not isinstance(name, str) or not name.strip():
            raise EditRefused("E-EDIT-NAME", "请填写文件名（文件名就是网址的一部分）")
        name = name.strip()
        if not name.lower().endswith(kind.suffix):
            name += kind.suffix
        stem = name[: -len(kind.suffix)]
        if ("/" in name or "\\" in name or name.startswith(".") or ".." in name or len(name) > 80
                or not sources.ADDRESS_RE.match(stem) or name in kind.skip
                or sources.hidden_characters(name)):  # a NUL is no name either: the file system raises on it
            raise EditRefused("E-EDIT-NAME", f"文件名 “{name}” 不能用：只用汉字、字母、数字和 -，不能含空格、/、\\、..、"
                                             "? # % & : 等符号，最多 80 个字符（文件名就是网址的一部分）")
        folder = self.content / kind.folder if kind.folder else self.content
        path = folder / name
        try:
            inside = folder.resolve() == path.resolve().parent and path.resolve().is_relative_to(self.content)
        except OSError:
            inside = False
        if not inside or path.is_symlink() or (path.exists() and not path.is_file()):
            raise EditRefused("E-EDIT-NAME", f"文件 “{name}” 不在 content 文件夹里（或是指向别处的快捷方式），不能编辑")
        if must_exist and not path.is_file():
            raise EditRefused("E-EDIT-NAME", f"找不到文件 {kind.folder}/{name}", HTTPStatus.NOT_FOUND)
        return kind, path.relative_to(self.content).as_posix(), path

    def village(self):
        return village_kind.load(self.content, Report())

    # ------------------------------------------------------------ what the pages ask for

    def form(self, query: dict) -> dict:
        kind_key = query.get("kind", [""])[0]
        name = query.get("file", [None])[0]
        the_village = self.village()
        if name is None and not forms.KINDS.get(kind_key, forms.KINDS["party"]).fixed:
            kind = forms.KINDS.get(kind_key)
            if kind is None:
                raise EditRefused("E-EDIT-NAME", "不认识的内容类型")
            values, body, rel = self.starting_values(kind), "", None
        else:
            kind, rel, path = self.locate(kind_key, name, must_exist=True)
            values, body, report = forms.read(kind, path)
            if values is None:
                lines = "\n".join(d.format() for d in report.sorted() if d.is_error)
                raise EditRefused("E-EDIT-UNREADABLE", "这个文件有格式错误，表单打不开；请先用记事本按下面的提示改正：\n"
                                  + lines, HTTPStatus.UNPROCESSABLE_ENTITY)
        version = version_of(path.read_bytes()) if rel else None
        return {"kind": kind.key, "title": kind.title, "file": Path(rel).name if rel else None, "version": version,
                "new": rel is None, "fixed": bool(kind.fixed), "body_label": kind.body, "name_from": kind.name_from,
                "form": forms.describe(kind.schema, forms.hints(kind, self.content, the_village)),
                "values": values, "body": body}

    def starting_values(self, kind: forms.Kind) -> dict:
        """A new file starts as ``new`` would start it: today's date, the books carried on."""
        today = self.today.isoformat()
        if kind.key in ("party", "affairs"):
            return {"date": today}
        if kind.key == "compact":
            return {"adopted": today}
        if kind.key == "fund":
            return {"date": today}
        if kind.key == "finance":
            site = site_module.load(self.content, self.today)
            ledgers = site.books.all_ledgers
            values = {"reviewed_by": "村务监督委员会"}
            if ledgers:
                last = max(ledgers, key=lambda l: l.period.end)
                start = last.period.end + dt.timedelta(days=1)
                following = finance.Period.quarter(start.year, (start.month - 1) // 3 + 1) \
                    if last.period.is_quarter else finance.Period.month(start.year, start.month)
                values.update(period=following.key, opening_balance=f"{last.closing:.2f}")
            return values
        return {}

    def draft(self, request: dict) -> tuple[forms.Kind, str, Path, str, tuple[bool, bool]]:
        """The form's values as the file's new text (not written)."""
        kind, rel, path = self.locate(request.get("kind"), request.get("file"))
        new = bool(request.get("new")) and not kind.fixed
        values = saving.clean(kind.schema, request.get("values"))
        body = request.get("body") if isinstance(request.get("body"), str) else ""
        original, crlf, bom = None, False, False
        if path.is_file() and not new:
            report = Report()
            source = sources.read_text(path, report)
            if source is None:
                raise EditRefused("E-EDIT-UNREADABLE", "\n".join(d.format() for d in report.sorted()))
            raw = path.read_bytes()
            original, crlf, bom = source.text, b"\r\n" in raw, raw.startswith(b"\xef\xbb\xbf")
        modeline = ""
        if kind.schema_file and (self.content.parent / "schemas" / f"{kind.schema_file}.schema.json").is_file():
            up = "../" * (len(Path(rel).parts))
            modeline = f"# yaml-language-server: $schema={up}schemas/{kind.schema_file}.schema.json\n"
        return kind, rel, path, saving.render(kind, values, body, original, modeline), (crlf, bom)

    def check(self, request: dict) -> dict:
        kind, rel, path, text, _ = self.draft(request)
        result, _ = saving.check_draft(self.content, self.today, kind, rel, text, scratch=self.scratch)
        found = result.as_json()
        found["text"] = text
        found["exists"] = path.exists() and bool(request.get("new"))
        return found

    def save(self, request: dict) -> dict:
        kind, rel, path, text, (crlf, bom) = self.draft(request)
        new = bool(request.get("new")) and not kind.fixed
        opened = request.get("version")
        if not new and not isinstance(opened, str):
            # without the version the form was opened on, nothing tells a hand edit or a deletion made
            # since from the clerk's own change: saving would silently undo it
            raise EditRefused("E-EDIT-REQUEST", "表单里缺少文件打开时的版本，没有保存（以免冲掉别处的修改）；"
                                                "请刷新页面后再改")

        def as_opened():
            """Refuse unless the file on disk is still the one the form was opened on (none, for a new one)."""
            if new:
                if path.exists():
                    raise EditRefused("E-EDIT-EXISTS", f"已经有一个文件叫 {Path(rel).name}，没有覆盖；请换一个文件名")
            elif not path.is_file():
                # deleted or withdrawn in another window: saving would bring it back unseen
                raise EditRefused("E-EDIT-CHANGED", "这个文件在表单打开以后被删掉或撤下了（另一个窗口或文件夹里），"
                                                    "没有保存，以免把它又建出来；还需要的话请新建", HTTPStatus.CONFLICT)
            elif version_of(path.read_bytes()) != opened:
                # changed by hand (or in another window) since the form was opened: saving would undo that change
                raise EditRefused("E-EDIT-CHANGED", "这个文件在表单打开以后被别处改过了（记事本或另一个窗口），没有保存，"
                                                    "以免冲掉那边的修改；请刷新页面，在最新的内容上再改",
                                  HTTPStatus.CONFLICT)

        as_opened()  # at once: a stale form is not worth seconds of checking
        result, _ = saving.check_draft(self.content, self.today, kind, rel, text, scratch=self.scratch)
        found = result.as_json()
        if result.draft_errors:
            raise EditRefused("E-EDIT-ERRORS", f"还有 {result.draft_errors} 个错误（已在表单上标出），改正后才能保存",
                              HTTPStatus.UNPROCESSABLE_ENTITY)
        if result.errors:  # errors elsewhere that this draft brings (the next period's opening, say)
            before, _ = saving.check_draft(self.content, self.today, kind, None, None, scratch=self.scratch)
            known = {(o["file"], o["code"], o["message"]) for o in before.others if o["level"] == "error"}
            brought = [o for o in found["others"] if o["level"] == "error"
                       and (o["file"], o["code"], o["message"]) not in known]
            if brought:
                first = brought[0]
                raise EditRefused("E-EDIT-ERRORS", f"保存后别的文件会出错，没有保存：{first['file']}:{first['line']}: "
                                                   f"{first['message']} [{first['code']}]",
                                  HTTPStatus.UNPROCESSABLE_ENTITY)
        path.parent.mkdir(parents=True, exist_ok=True)
        # the checks above take seconds, and Notepad does not wait for them: look again at the last moment
        saving.write_atomically(path, text, crlf, bom, before_replace=as_opened)
        found.update(saved=True, file=path.name, text=text, version=version_of(path.read_bytes()))
        return found

    def preview(self, request: dict) -> dict:
        body = request.get("body")
        if not isinstance(body, str):
            raise EditRefused("E-EDIT-REQUEST", "表单内容不完整，请刷新页面后再试")
        kind, _, path = self.locate(request.get("kind"), request.get("file") or "preview")
        html = markup.render(body, path, 1, assets.Assets(self.content), Report())
        return {"html": html.replace(assets.ROOT_MARK, "")}

    def publish(self, request: dict) -> dict:
        the_village = self.village()
        phones = the_village.public_phones if the_village else frozenset()
        return publishing.publish(self.content, self.today, request.get("reason"), phones)

    def withdraw(self, request: dict) -> dict:
        kind, rel, path = self.locate(request.get("kind"), request.get("file"), must_exist=True)
        if kind.fixed:
            raise EditRefused("E-EDIT-NAME", "村情文件 village.yaml 不能撤下")
        the_village = self.village()
        phones = the_village.public_phones if the_village else frozenset()
        result, _ = saving.check_draft(self.content, self.today, kind, None, None, remove=rel, scratch=self.scratch)
        errors = [f"content/{o['file']}:{o['line']}: 错误：{o['message']} [{o['code']}]"
                  for o in result.others if o["level"] == "error"]
        return publishing.withdraw(self.content, rel, request.get("reason"), phones, errors)

    def upload(self, query: dict, headers, data: bytes) -> dict:
        """A file from the clerk's computer, stored beside the source it belongs to, without its metadata."""
        kind, rel, _ = self.locate(query.get("kind", [""])[0], query.get("file", ["upload"])[0] or "upload")
        name = unquote(headers.get("X-File-Name", "")).strip()
        suffix = Path(name).suffix.lower()
        if suffix not in UPLOAD_TYPES:
            raise EditRefused("E-EDIT-UPLOAD", f"只能添加 {', '.join(sorted(UPLOAD_TYPES))} 文件，“{name}” 不行"
                                               "（svg 可能带脚本，Word、Excel 请先另存为 PDF）")
        stem = Path(name).stem
        if (not sources.ADDRESS_RE.match(stem) or name.startswith(".") or len(name) > 80
                or sources.hidden_characters(name)):
            stem = "附件"  # a name that cannot be an address is replaced, not refused: the clerk did nothing wrong
        the_village = self.village()
        report = Report()
        privacy.scan(Path(name), stem, report, the_village.public_phones if the_village else frozenset())
        if report.errors:
            raise EditRefused("E-EDIT-UPLOAD", "文件名会公开，" + report.errors[0].message + "；请改名后再添加")
        folder = (self.content / rel).parent
        folder.mkdir(parents=True, exist_ok=True)
        scratch = folder / f".upload-{secrets.token_hex(6)}{suffix}"
        try:
            scratch.write_bytes(data)
            problem = assets.content_problem(scratch)
            if problem:
                raise EditRefused("E-EDIT-UPLOAD", f"“{name}” {problem}")
            clean = assets.published_bytes(scratch)  # a picture re-encoded from its pixels: no GPS, no camera
        finally:
            scratch.unlink(missing_ok=True)
        target, n = folder / f"{stem}{suffix}", 1
        while target.exists() and target.read_bytes() != clean:
            n += 1
            target = folder / f"{stem}-{n}{suffix}"
        saving.write_atomically_bytes(target, clean)
        return {"name": target.name, "picture": suffix in assets.IMAGE_TYPES}

    def content_file(self, rel: str) -> tuple[bytes, str]:
        """A picture or PDF of content/ for the body's preview, as the site would publish it."""
        if sources.hidden_characters(unquote(rel)):  # no such file, and a NUL would make resolve() raise
            raise EditRefused("E-EDIT-NAME", "找不到这个文件", HTTPStatus.NOT_FOUND)
        path = (self.content / unquote(rel)).resolve()
        if not path.is_relative_to(self.content) or path.suffix.lower() not in UPLOAD_TYPES or not path.is_file():
            raise EditRefused("E-EDIT-NAME", "找不到这个文件", HTTPStatus.NOT_FOUND)
        return assets.published_bytes(path), TYPES[path.suffix.lower()]

    def pending(self) -> list[str]:
        done = publishing._git(["status", "--porcelain", "--untracked-files=all", "--", "."], self.content)
        if done.returncode != 0:
            return []
        return [line[3:] for line in done.stdout.splitlines() if line[3:]]


class Handler(BaseHTTPRequestHandler):
    server_version = "villageboard-edit"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    @property
    def editor(self) -> Editor:
        return self.server.editor

    def log_message(self, format, *args):  # the clerk's console shows the start line and problems, not every request
        pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, "不支持这种请求".encode(), "text/plain; charset=utf-8")

    do_DELETE = do_PATCH = do_PUT

    def _handle(self, method: str):
        refused = self.editor.refusal(self.headers, self.path)
        if refused:
            self._send(HTTPStatus.FORBIDDEN, f"403 拒绝访问：{refused}\n".encode(), "text/plain; charset=utf-8")
            return
        parts = urlsplit(self.path)
        rest = parts.path.split("/", 2)[2] if parts.path.count("/") >= 2 else None
        if rest is None:
            self._redirect(f"/{self.editor.token}/")
            return
        query = parse_qs(parts.query)
        try:
            if method == "GET":
                self._get(rest, query)
            else:
                self._post(rest, query)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page was closed or moved on before the answer came: nothing to tell
        except EditRefused as refusal:
            self._json({"error": {"code": refusal.code, "message": str(refusal)}}, refusal.status)
        except Exception as exc:  # a bug: say so plainly, keep serving
            print(f"内部错误（程序缺陷，请把这段话发给维护人员）：{type(exc).__name__}: {exc}", file=sys.stderr)
            traceback.print_exc(limit=3, file=sys.stderr)
            self._json({"error": {"code": "E-EDIT-INTERNAL",
                                  "message": f"内部错误（程序缺陷，不是内容的问题）：{type(exc).__name__}；文件没有改动"}},
                       HTTPStatus.INTERNAL_SERVER_ERROR)

    def _get(self, rest: str, query: dict):
        editor = self.editor
        if rest == "":
            kinds = [(k, forms.listing(k, editor.content)) for k in forms.KINDS.values()]
            html = editor.pages.get_template("index.html").render(kinds=kinds, pending=editor.pending(),
                                                                  content=editor.content)
            self._send(HTTPStatus.OK, html.encode(), "text/html; charset=utf-8")
        elif rest == "edit":
            kind = forms.KINDS.get(query.get("kind", [""])[0])
            if kind is None:
                raise EditRefused("E-EDIT-NAME", "不认识的内容类型", HTTPStatus.NOT_FOUND)
            html = editor.pages.get_template("form.html").render(kind=kind, file=query.get("file", [""])[0])
            self._send(HTTPStatus.OK, html.encode(), "text/html; charset=utf-8")
        elif rest == "static/icon.png" or rest.startswith("static/") and rest[7:] in {p.name for p in STATIC.iterdir()}:
            path = STATIC / rest[7:] if rest != "static/icon.png" else builder.LAYOUTS / "static" / "icon.png"
            self._send(HTTPStatus.OK, path.read_bytes(), TYPES.get(path.suffix, "application/octet-stream"))
        elif rest.startswith("files/"):
            with editor.lock:
                data, kind = editor.content_file(rest[6:])
            self._send(HTTPStatus.OK, data, kind)
        elif rest == "api/form":
            with editor.lock:
                found = editor.form(query)
                editor.warm_up()  # waits for this lock, then reads while the clerk looks at the form
                self._json(found)
        else:
            self._send(HTTPStatus.NOT_FOUND, "404 没有这个页面\n".encode(), "text/plain; charset=utf-8")

    def _post(self, rest: str, query: dict):
        editor = self.editor
        actions = {"api/check": editor.check, "api/save": editor.save, "api/preview": editor.preview,
                   "api/publish": editor.publish, "api/withdraw": editor.withdraw}
        if rest not in actions and rest != "api/upload":
            self._send(HTTPStatus.NOT_FOUND, "404 没有这个页面\n".encode(), "text/plain; charset=utf-8")
            return
        upload = rest == "api/upload"
        kind = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind != ("application/octet-stream" if upload else "application/json"):
            # a form from another page cannot send JSON without asking first (CORS); refuse anything else
            raise EditRefused("E-EDIT-REQUEST", "请求格式不对", HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
        data = self._body(MAX_UPLOAD if upload else MAX_JSON)
        with editor.lock:
            if upload:
                self._json(editor.upload(query, self.headers, data))
                return
            try:
                request = json.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise EditRefused("E-EDIT-REQUEST", "表单内容不完整，请刷新页面后再试") from None
            if not isinstance(request, dict):
                raise EditRefused("E-EDIT-REQUEST", "表单内容不完整，请刷新页面后再试")
            self._json(actions[rest](request))

    def _body(self, limit: int) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True
            raise EditRefused("E-EDIT-REQUEST", "请求缺少长度", HTTPStatus.LENGTH_REQUIRED)
        if int(length) > limit:
            self.close_connection = True  # the body is not read: the connection cannot be reused
            raise EditRefused("E-EDIT-TOO-LARGE", f"太大了：最多 {limit // 1024 // 1024} MB",
                              HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        return self.rfile.read(int(length))

    def _json(self, data: dict, status: int = HTTPStatus.OK):
        self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _redirect(self, where: str):
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: int, data: bytes, kind: str):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "same-origin")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)


def make_server(content: Path, port: int, today: dt.date | None = None) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.editor = Editor(content, server.server_address[1], today)
    return server


def serve(content: Path, port: int, today: dt.date | None = None, open_browser: bool = False) -> int:
    from villageboard.serving.serve import _free_port

    if not (content / "village.yaml").is_file():
        print(f"{content}/village.yaml 找不到：请在村仓库的文件夹里运行，或用 --content 指明内容文件夹", file=sys.stderr)
        return 1
    chosen = _free_port("127.0.0.1", port) if port else 0
    if chosen is None:
        print(f"端口 {port} 到 {port + 19} 都被别的程序占用了；请用 --port 换一个，例如 --port 8900", file=sys.stderr)
        return 1
    server = make_server(content, chosen, today)
    print("表单编辑器已启动。请用浏览器打开下面的地址（只能在这台电脑上打开；地址里的密钥每次启动都不同，不要发给别人）：")
    print(server.editor.address, flush=True)
    print("按 Ctrl+C 停止。", flush=True)
    if open_browser:
        import webbrowser
        threading.Timer(0.5, webbrowser.open, (server.editor.address,)).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
