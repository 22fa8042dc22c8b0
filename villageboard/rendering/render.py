"""Rendering pages with the jinja2 templates in ``layouts/``.

One page, several renditions: the phone page at its path, the touchscreen page under
``kiosk/`` and the A4 page under ``print/``. A page template such as ``notice.html``
extends ``<rendition>/base.html``, so one template serves every rendition; a rendition
that needs a different layout overrides it with ``layouts/<rendition>/notice.html``.
Links are relative, so the site also works opened from disk, and a link made in the
kiosk stays in the kiosk when the target has a kiosk rendition.

While an output renders, ``record`` notes what it reads, so that the next build can tell
whether it would come out the same (``Renderer.digest``) without rendering it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import operator
import posixpath
import sys
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import jinja2
from markupsafe import Markup, escape

from villageboard.cache import NONE, Cache
from villageboard.kinds import kiosk
from villageboard.rendering import qr, record, sharing
from villageboard.rendering.sharing import chinese_date
from villageboard.reading.assets import ROOT_MARK, href
from villageboard.reading.chinese_amounts import yuan
from villageboard.planning.pages import Page
from villageboard.reading.privacy import mask_phone

RENDITIONS = {"phone": "", "kiosk": "kiosk/", "print": "print/"}


def money(value: Decimal | None) -> str:
    """1234567.5 -> 1,234,567.50 (always to the fen)."""
    if value is None:
        return ""
    return yuan(value)


def relative(target: str, folders: list[str]) -> str:
    """The link to the site path ``target`` from a page in ``folders`` (both inside the site,
    without ``.`` or ``..``): ``posixpath.relpath`` without its system calls, for every link of
    every page."""
    parts = target.split("/")
    if ".." in parts or "." in parts or "" in parts or parts == folders[:len(parts)]:
        return posixpath.relpath(target, "/".join(folders) or ".")  # a folder, or a path not in normal form
    shared = 0
    while shared < len(folders) and shared < len(parts) - 1 and folders[shared] == parts[shared]:
        shared += 1
    return "../" * (len(folders) - shared) + "/".join(parts[shared:])


class _Compiled(jinja2.BytecodeCache):
    """Templates compiled once: in memory for the life of the process (``serve`` builds again and
    again), and in the build cache for the next command. Compiling the eighteen templates a
    notice's pages load cost a command 0.15 s, more than rendering them. Kept by the template's
    file and a hash of its text, so an edited template is compiled again. The build runs what it
    loads, so it loads only what the cache has sealed (``cache.py``): code in a cache copied from
    elsewhere is never run; the templates are just compiled again."""

    def __init__(self):
        self.code: dict[tuple[str, str], object] = {}
        self.cache: Cache = NONE

    def use(self, cache: Cache) -> None:
        if cache.root != self.cache.root:  # what is in memory was kept in the other cache, if any
            self.code = {}
        self.cache = cache

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.code.get((bucket.key, bucket.checksum))
        if code is None:
            stored = self.cache.get(_CODE, f"{bucket.key}\0{bucket.checksum}", _CODE_SALT)
            if stored is not None:
                bucket.bytecode_from_string(stored)  # another Python's or jinja2's code is left unused
                code = self.code[(bucket.key, bucket.checksum)] = bucket.code
        bucket.code = code

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[(bucket.key, bucket.checksum)] = bucket.code
        self.cache.put(_CODE, f"{bucket.key}\0{bucket.checksum}", bucket.bytecode_to_string(), _CODE_SALT)


_CODE = "template-code"  # the build cache's kind for a compiled template
_CODE_SALT = f"jinja2 {jinja2.__version__} {sys.version}"
_COMPILED = _Compiled()


class _OnceABuild(jinja2.FileSystemLoader):
    """Each template's text read once per build, and the same text compiled and digested: a
    template saved while a build runs (``serve``) must not leave a page rendered from the old
    text under the digest of the new one, where the next build would keep it."""

    def __init__(self, folder: Path):
        super().__init__(folder)
        self.read: dict[str, tuple] = {}

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple:
        if template not in self.read:
            try:
                self.read[template] = super().get_source(environment, template)
            except UnicodeDecodeError as bad:  # saved by Notepad as "ANSI" (GBK), or a picture
                path = Path(self.searchpath[0]) / template
                line = path.read_bytes()[:bad.start].count(b"\n") + 1
                raise TemplateBroken(path, line, "模板文件不是 UTF-8 编码（常见原因：用记事本另存时选了 ANSI）；"
                                                 "请用 UTF-8 编码保存，或用 git checkout -- layouts/ 取回原来的模板") from None
        return self.read[template]


class TemplateBroken(Exception):
    """A template in ``layouts/`` that cannot be read or compiled: the build says where, in Chinese."""

    def __init__(self, path: Path, line: int, message: str):
        super().__init__(path, line, message)
        self.path, self.line, self.message = path, line, message


class Plan(NamedTuple):
    """What a published build planned, for the next build of the same process to patch: being
    published, no path of it was claimed twice."""

    layouts: Path
    pages: list[Page]
    outputs: dict[str, tuple[Page, str, str]]
    shapes: dict[tuple, list[tuple[str, str, str]]]


class Renderer:
    def __init__(self, layouts: Path, site, pages: list[Page], earlier: Plan | None = None):
        """``earlier``: the plan of the last build this process published (``plan``), which this
        one is patched from where ``pages`` are its pages but for a few (``_patched``)."""
        self.site = site
        _COMPILED.use(site.cache)
        self.env = record.RecordingEnvironment(
            loader=_OnceABuild(layouts), auto_reload=False, autoescape=True, bytecode_cache=_COMPILED,
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.filters.update(date=chinese_date, money=money)
        # The kiosk base wraps its page in `contain`, so no kind's template can link out of the kiosk.
        self.env.filters["contain"] = jinja2.pass_context(
            lambda ctx, html: kiosk.contain(html, ctx["out_path"], _Planned(self.outputs), self.site.village))
        self.env.globals["qr"] = qr.svg
        self.layouts = layouts
        self._template_digests: dict[str, bytes] = {}
        self._site: dict | None = None
        self._shared: dict[str, bytes] = {}  # name -> its part of every digest, for values shared by all outputs
        self._templates: dict[tuple, bytes] = {}  # the templates' part of a digest, by the templates an output loaded
        self._alike: dict[tuple, tuple[bytes, tuple[str, ...]]] = {}  # ``_read_alike``'s, by the names read
        self._everything_alike: bytes | None = None  # ``alike``'s
        self.digests = record.Digests()
        self.pages = pages
        self.outputs: dict[str, tuple[Page, str, str]] = {}  # out path -> (page, rendition, template)
        self.collisions: list[tuple[str, Page, Page]] = []  # (out path, page kept, page refused)
        # Per kind of page (its renditions and template), each rendition's folder and template: a
        # rendition's template of its own (kiosk/notice.html) is looked for once, not per page.
        self.shapes: dict[tuple, list[tuple[str, str, str]]] = {}
        # The outputs of the pages that are not those of ``earlier``'s plan; None: planned afresh.
        self.fresh: list[str] | None = None
        if earlier is None or not self._patched(earlier):
            outputs = self.outputs
            for page in pages:
                for folder, rendition, template in self._shape((page.renditions, page.template)):
                    out_path, output = folder + page.path, (page, rendition, template)
                    if outputs.setdefault(out_path, output) is not output:
                        self.collisions.append((out_path, outputs[out_path][0], page))

    def _shape(self, key: tuple[tuple[str, ...], str]) -> list[tuple[str, str, str]]:
        """Each output of a page of these renditions and template, as (folder, rendition, template)."""
        shape = self.shapes.get(key)
        if shape is None:
            renditions, template = key
            shape = self.shapes[key] = [
                (RENDITIONS[rendition], rendition, special if (self.layouts / special).is_file() else template)
                for rendition in renditions for special in (f"{rendition}/{template}",)]
        return shape

    def paths_of(self, page: Page) -> list[str]:
        """The output paths of ``page``, one a rendition."""
        return [folder + page.path for folder, _, _ in self._shape((page.renditions, page.template))]

    def plan(self) -> Plan:
        return Plan(self.layouts, self.pages, self.outputs, self.shapes)

    def _patched(self, earlier: Plan) -> bool:
        """The plan as ``earlier``'s, with the outputs of the pages that are not the very pages it
        planned (a save changes a few) planned again: thirty thousand outputs planned anew were a
        twentieth of a save at 10,000 notices. False where the pages are others, or a page's
        address, renditions or template changed, or a rendition's template came or went."""
        pages, before = self.pages, earlier.pages
        if len(pages) != len(before) or earlier.layouts != self.layouts \
                or any(self._shape(key) != shape for key, shape in earlier.shapes.items()):
            return False
        changed = [n for n, same in enumerate(map(operator.is_, pages, before)) if not same]
        outputs, fresh = dict(earlier.outputs), []
        for n in changed:
            page, old = pages[n], before[n]
            if (page.path, page.renditions, page.template) != (old.path, old.renditions, old.template):
                return False
            for folder, rendition, template in self._shape((page.renditions, page.template)):
                outputs[folder + page.path] = (page, rendition, template)
                fresh.append(folder + page.path)
        self.outputs, self.fresh = outputs, fresh
        return True

    def values(self, out_path: str) -> dict:
        """What a template of ``out_path`` can look up, beside the environment's globals and the
        helpers (``HELPERS``): all that its digest needs."""
        found = self._own_values(out_path)
        found.update(self._site_values())
        return found

    def _own_values(self, out_path: str) -> dict:
        """The values that differ from output to output."""
        page, rendition, _ = self.outputs[out_path]
        everyone = self._site_values()
        found = {name: value for name, value in page.context.items() if name not in everyone}
        found.update(page=page, rendition=rendition, out_path=out_path,
                     phone_url=self.site.village.phone_url(page.path))
        return found

    def _site_values(self) -> dict:
        """The values every output sees alike."""
        if self._site is None:
            history = self.site.history
            self._site = dict(
                village=self.site.village, today=self.site.today, preview=self.site.preview,
                history_missing=history.missing, updated=_updated if not history.missing else _never,
                updated_note=_updated_note)
        return self._site

    def context(self, out_path: str) -> dict:
        """The values and the helpers, for rendering ``out_path``."""
        page, rendition, _ = self.outputs[out_path]
        folders = out_path.split("/")[:-1]
        prefix = RENDITIONS[rendition]

        def url(target: str) -> str:
            """Relative link from this output to ``target`` (a phone path)."""
            fragment = ""
            if "#" in target:
                target, fragment = target.split("#", 1)
                fragment = "#" + fragment
            if prefix and record.exists(prefix + target, self.outputs):
                target = prefix + target
            return href(relative(target, folders)) + fragment

        root = "../" * len(folders)
        village = self.site.village
        context = self.values(out_path)
        context.update(
            url=url,
            mask_phone=lambda n: mask_phone(n, village.public_phones),
            rooted=lambda html: Markup(str(html).replace(ROOT_MARK, root)),
            share=lambda p: sharing.card(p, self.site),  # description and Open Graph card
        )
        return context

    def render(self, out_path: str) -> tuple[str, record.Reads]:
        """The html of ``out_path`` and what it read."""
        reads = record.start()
        try:
            try:
                template = self.env.get_template(self.outputs[out_path][2])
            except jinja2.TemplateSyntaxError as bad:
                raise TemplateBroken(Path(bad.filename or self.layouts / (bad.name or "")), bad.lineno,
                                     f"模板写法有误（{bad.message}）；请改正，或用 git checkout -- layouts/ 取回原来的模板") \
                    from None
            html = template.render(self.context(out_path))
            if _UPDATED_NOTE in html:
                html = html.replace(_UPDATED_NOTE, self._updated_note())
        finally:
            record.stop()
        reads.shown = []  # only needed while rendering; histories need not travel back from a worker
        return html, reads

    def _updated_note(self) -> str:
        """What ``updated_note()`` stood for, now that the whole page has rendered."""
        missing = self.site.history.missing
        changed = None if missing else _updated()
        if changed:
            return f" · 内容更新于 {chinese_date(changed)}"
        return f" · {escape(missing)}" if missing else ""

    def digest(self, out_path: str, names, templates, exists) -> bytes | None:
        """A digest of what ``out_path`` read when it last rendered, with today's values; None
        where a value has no stable digest (the output then always renders).

        The page's digest stands for every value of its context, read or not: a page's renditions
        share it, and a process that builds again keeps it with the page (``builder.Warm``). What
        is left differs between outputs in a handful of names, and the rest, what every output
        sees alike, is digested once a build for each set of names read: the digests of forty
        thousand outputs are then a hash each, not a walk through their values."""
        page, rendition, template = self.outputs[out_path]
        if type(names) is not tuple or type(templates) is not tuple:  # as the build database keeps them
            names, templates = tuple(sorted(names)), tuple(sorted(templates))
        try:
            parts = self._templates.get(templates)
            if parts is None:
                parts = self._templates[templates] = b"".join(
                    name.encode() + b"=" + self._template_digest(name) for name in sorted(templates))
            shared, special = self._read_alike(names, page)
            found = [template.encode(), b"\0", self.digests.model(page), shared, parts]
        except (record.Unknown, jinja2.TemplateNotFound):
            return None
        for name in special:
            value = out_path if name == "out_path" else rendition if name == "rendition" \
                else self.site.village.phone_url(page.path)
            found.append(b"%s=%s\0" % (name.encode(), b"s" + value.encode() if value is not None else b"n"))
        found += [path.encode() + (b"+" if path in self.outputs else b"-") for path in sorted(exists)]
        return hashlib.blake2b(b"".join(found), digest_size=16).digest()

    def alike(self) -> bytes | None:
        """A digest of all that an output's digest covers beside its page, its reads and the plan
        (which links exist): every template, and every value every output sees alike. Worked out
        once a build: each template is read once a build too (``_OnceABuild``)."""
        if self._everything_alike is not None:
            return self._everything_alike
        try:
            h = hashlib.blake2b(self.digests.of([sorted(self._site_values().items()), sorted(self.env.globals.items())]),
                                digest_size=16)
        except record.Unknown:
            return None
        for name in sorted(self.env.loader.list_templates()):
            if name.startswith("static/"):  # copied as they are, never loaded as templates
                continue
            try:
                h.update(name.encode() + b"=" + self._template_digest(name))
            except (TemplateBroken, jinja2.TemplateNotFound):  # a picture, or gone: a page loading it says so
                h.update(name.encode() + b"=?")
        self._everything_alike = h.digest()
        return self._everything_alike

    def page_digest(self, page: Page) -> bytes | None:
        """The digest of every value ``page`` shows; None where one has none."""
        try:
            return self.digests.model(page)
        except record.Unknown:
            return None

    def _read_alike(self, names, page: Page) -> tuple[bytes, tuple[str, ...]]:
        """Of the names an output read, the digest of those every output sees alike, and those that
        differ from rendition to rendition; the page's own stand in its digest."""
        key = (names, tuple(page.context))
        found = self._alike.get(key)
        if found is None:
            site, shared, special = self._site_values(), [], []
            for name in sorted(names):
                if name in _OUTPUT_VALUES:
                    special.append(name)
                elif name != "page" and (name not in page.context or name in site):
                    part = self._shared.get(name)
                    if part is None:
                        part = self._shared[name] = self._shared_part(name)
                    shared.append(part)
            found = self._alike[key] = (b"".join(shared), tuple(special))
        return found

    def _shared_part(self, name: str) -> bytes:
        h = [name.encode() + b"="]
        site = self._site_values()
        if name in site:
            self.digests.feed(site[name], h.append)
        elif name in HELPERS:  # what a helper gives depends only on the output's other reads
            h.append(b"helper")
        elif name in self.env.globals:
            self.digests.feed(self.env.globals[name], h.append)
        else:
            h.append(b"-")
        return b"".join(h)

    def _template_digest(self, name: str) -> bytes:
        if name not in self._template_digests:
            source = self.env.loader.get_source(self.env, name)[0]
            self._template_digests[name] = hashlib.blake2b(source.encode(), digest_size=16).digest()
        return self._template_digests[name]


class _Planned:
    """The planned outputs as ``kiosk.contain`` asks about them: each question is recorded."""

    def __init__(self, outputs):
        self.outputs = outputs

    def __contains__(self, path: str) -> bool:
        return record.exists(path, self.outputs)


def _updated():
    """本页内容更新于: the newest change among the models this page has shown so far."""
    return max(record.shown_changes(), default=None)


def _never():
    return None


_UPDATED_NOTE = "\x00updated\x00"


def _updated_note() -> Markup:
    """A place for 内容更新于 in a part of the page that renders before the content it dates."""
    return Markup(_UPDATED_NOTE)


# What an output can read that is neither its page's nor every output's alike (``_own_values``).
_OUTPUT_VALUES = frozenset({"out_path", "phone_url", "rendition"})

# The page's helpers, made per output in ``context``: each is a function of the output (its place,
# the village) and of the values it is given, all of which the output's digest covers.
HELPERS = frozenset({"url", "mask_phone", "rooted", "share"})
