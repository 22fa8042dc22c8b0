"""The build, stage by stage: read and check every source into the typed site
(``planning/site.py``), plan every output path once (``_check_plan``), render only the
outputs whose recorded reads changed (``_kept``), publish the whole site at once
(``publishing/writer.py``)."""
from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import functools
import gc
import hashlib
import io
import itertools
import json
import operator
import os
import re
from importlib.metadata import version
from pathlib import Path

from villageboard.cache import flush_all
from villageboard.kinds import feeds, search
from villageboard.reading import privacy
from villageboard.rendering import record
from villageboard.planning import site as site_module
from villageboard.reading.assets import published_bytes
from villageboard.reading.diagnostics import Report, display_path
from villageboard.reading.memo import Memo
from villageboard.reading.fingerprint import file_stat
from villageboard.planning.pages import same_pages
from villageboard.rendering.render import Plan, Renderer, TemplateBroken
from villageboard.workers import WorkerLost, each, in_background
from villageboard.publishing.writer import MARK, AtomicOutput, OutputRefused, listed, unsafe

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"
SEARCH_INDEX = "搜索索引"


def check(content: Path, today: dt.date, memo: Memo | None = None, cache_root: Path | None = None) -> site_module.Site:
    """What ``build`` would refuse, without rendering: the content and the plan of every output path.
    ``memo``: the readings of the check before, by a process that checks again and again (the
    editor); ``cache_root``: the build cache to use, when not the one beside ``content``."""
    again, memo = memo is not None, memo or Memo()
    try:
        site = site_module.load(content, today, memo=memo, cache_root=cache_root)
        if not site.report.errors:
            # The pages the check before planned, and their digests, as a build takes them (``_build``):
            # the search index's documents are found by them, and ten thousand pages walked again
            # were a third of every check in the editor.
            pages, memo.pages = same_pages(site.pages(), memo.pages, memo.unchanged())
            renderer = Renderer(LAYOUTS, site, pages)
            renderer.digests.keep(memo.digests, memo.results())
            # The search index's files are planned too, made from what the check before or the last
            # build worked out of the same documents (made afresh, they were two thirds of a check in
            # the editor); afresh, and more simply, by a check that has neither.
            remembered = memo.searched(search.Remembered) if again or memo.known() else None
            others, index_files, learned = _other_outputs(site, renderer, LAYOUTS, publish=False, remembered=remembered)
            if remembered is not None:
                remembered.take(learned)
            _check_plan(site, renderer, [(rel, who) for rel, _, who in others], list(map(_REL, index_files)))
            if again:  # for the next check
                memo.digests = renderer.digests.models
        return site
    finally:
        gc.unfreeze()  # what the stored memo brought (``Memo.restore``): the editor checks again and again


class Warm:
    """What a process that builds one ``--out`` again and again (``serve``) keeps between builds,
    so that a save costs about what it changed: the files it read (``reading/memo.py``), the
    build database as it last published, and which files it published. Only for a folder no
    other program writes to (the preview): from the second build on, the changed files are
    moved into it one by one (``AtomicOutput``'s ``over``) instead of a whole new site swapped in."""

    def __init__(self):
        self.memo = Memo(watched=True)
        self.db: record.Database | None = None
        self.files: set[str] = set()  # site paths as published
        self.folders: dict[str, set[str]] = {}  # the same, by folder: the names in each
        self.mark: tuple | None = None  # version.json's stat as published: another program has written since if not
        self.pages: dict[str, object] = {}  # each output's page as published
        self.alike: bytes | None = None  # what every output saw alike then (``Renderer.alike``)
        self.lines: dict[str, str] = {}  # each output's line of build-manifest.json as published
        self.plan: Plan | None = None  # the plan published last (``Renderer.plan``), for the next to patch
        self.planned: list[str] = []  # its output paths, in order
        # The search index's files published last, the public numbers' digest and the index's parts of
        # the build id; the pages' parts (``_id_parts``).
        self.others: tuple | None = None
        self.id_parts: list[bytes] | None = None
        # Each folder's times and inode when it was last found holding all it was published with,
        # and had not changed for a while before (``over``); None where the file system was seen not
        # to move a folder's times when a name in it changes (FAT).
        self.times: dict[str, tuple] | None = {}
        self.looked: dict[str, tuple] = {}  # each folder's times as this build began

    def database(self, cache_root: Path | None, out: Path, program: str, setting: str) -> record.Database:
        """The build database as this process last saved it, rather than read again from the cache."""
        db = self.db
        if db is None or (db.program, db.setting) != (program, setting) or self.mark != file_stat(out / MARK):
            db = self.db = record.Database(cache_root, out, program, setting)
            self.pages = {}  # its entries are not those this process published
        db.start()
        return db

    def over(self, out: Path) -> set[str] | None:
        """The files of ``out`` as this process published them, less those gone since (an
        antivirus took one, the clerk deleted a folder): the build makes them again. None when
        another build has written there since."""
        if not self.files or self.mark != file_stat(out / MARK):
            return None
        # Each folder's names against those published there, as sets: a look at each of 42,000
        # entries, one by one, took 0.04 s of a save at 10,000 notices. Not even that for a folder
        # whose times are those it had when last found whole: a name removed since would have moved
        # them. Those times are kept only where they were older than the version file then (one
        # clock, the file system's, so a network drive's is no matter): a name removed after the
        # look cannot have been given the same time (FAT keeps times to two seconds).
        times, self.looked = self.times, {}
        for folder, names in self.folders.items():
            path = os.path.join(out, folder)
            now = self.looked[folder] = _folder_times(path)
            if times is not None and now is not None and times.get(folder) == now:
                continue
            try:
                there = os.listdir(path)
            except OSError:
                there = ()
            if not names.issubset(there):
                return self.files & listed(out)
            if times is not None and now is not None and max(now[:2]) < self.mark[1] - _FOLDER_SETTLING:
                times[folder] = now
        return self.files

    def shown(self, renderer: Renderer) -> dict[str, object]:
        """Each output's page as published, while every template, what every output sees alike and
        the plan are as they were: an output of the very same page then has the same digest
        (``_kept``), which need not be worked out again. Empty otherwise."""
        if renderer.alike() != self.alike or self.pages.keys() != renderer.outputs.keys():
            return {}
        return self.pages

    def unsure(self, renderer: Renderer, over: set[str] | None, published: dict) -> set[str] | None:
        """The outputs that may not be as published: those of the pages the plan was patched for
        (``Renderer.fresh``), those the build database holds nothing of, and those of a page whose
        digest is not held. None where that cannot be told without looking at each output: the
        plan was made afresh, or a file is gone from the folder (``over``)."""
        if renderer.fresh is None or over is not self.files:
            return None
        found = set(renderer.fresh)
        found.update(renderer.outputs.keys() - published.keys())
        digested = renderer.digests.models
        for page in [page for page in renderer.pages if id(page) not in digested]:
            found.update(renderer.paths_of(page))
        return found

    def published(self, out: Path, files: set[str], changed: list[str], renderer: Renderer, planned: list[str],
                  lines: dict[str, str]) -> None:
        """``changed``: the files this build wrote or removed in place (version.json among them,
        on every save): where one's folder kept the times it had as the build began, the file
        system does not move them (FAT), and they tell nothing."""
        if self.times is not None:
            for folder in {rel.rpartition("/")[0] for rel in changed}:
                before = self.looked.get(folder)
                if before is not None and _folder_times(os.path.join(out, folder)) == before:
                    self.times = None
                    break
        if files != self.files:
            self.folders = {}
            for rel in files:
                folder, _, name = rel.rpartition("/")
                self.folders.setdefault(folder, set()).add(name)
        self.files, self.lines = files, lines
        self.mark = file_stat(out / MARK)
        if renderer.fresh is not None and self.pages:  # the plan published last, patched
            for out_path in renderer.fresh:
                self.pages[out_path] = renderer.outputs[out_path][0]
        else:
            self.pages = {path: page for path, (page, _, _) in renderer.outputs.items()}
        self.alike, self.plan, self.planned = renderer.alike(), renderer.plan(), planned


# How much older than the version file a folder's times must be to be kept (``Warm.over``).
_FOLDER_SETTLING = 3 * 10**9


def _folder_times(path: str) -> tuple[int, int, int] | None:
    """A folder's modification and change times and its inode (None: gone)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def build(content: Path, out: Path, today: dt.date, layouts: Path = LAYOUTS, jobs: int = 1,
          preview: bool = False, drafts: bool = False, warm: Warm | None = None,
          seen: dict | None = None) -> tuple[Report, int]:
    """Build ``content`` into ``out``; returns the report and the number of pages planned. ``seen``:
    what the command line's stamp found of each source a moment ago (``Memo``)."""
    refused = unsafe(out, content)
    if refused:
        report = Report()
        report.error(out, 1, "E-OUT-UNSAFE", refused)
        return report, 0
    try:
        site = site_module.load(content, today, drafts=drafts, jobs=jobs, memo=warm.memo if warm else Memo(seen))
        # What was read lives until the build ends: Python's collector need not walk it again and
        # again (at 10,000 notices, in serve, that walking was most of a second a build), nor dirty the pages the
        # forked workers share with this process.
        gc.freeze()
        return _build(site, out, today, layouts, jobs, preview, warm)
    finally:
        gc.unfreeze()
        flush_all()


def _build(site, out: Path, today: dt.date, layouts: Path, jobs: int, preview: bool,
           warm: Warm | None) -> tuple[Report, int]:
    site.preview = preview
    report = site.report
    if report.errors:
        return report, 0
    pages, site.memo.pages = same_pages(site.pages(), site.memo.pages, site.memo.unchanged())
    renderer = Renderer(layouts, site, pages, warm.plan if warm else None)
    renderer.digests.keep(site.memo.digests, site.memo.results())
    db = (warm.database if warm else record.Database)(site.cache.root, out, record.program_digest(layouts),
                                                        f"preview={preview}")
    try:
        with contextlib.ExitStack() as storing:
            _write(out, site, renderer, layouts, today, jobs, db, warm, storing)
    except _Abort:
        pass
    except OutputRefused as refusal:
        report.error(out, 1, refusal.code, str(refusal))
    except TemplateBroken as broken:
        report.error(broken.path, broken.line, "E-TEMPLATE", broken.message)
    except WorkerLost:
        report.error(out, 1, "E-BUILD-WORKER",
                     "生成网页的一个子进程意外退出了（常见原因是电脑内存不足），网站保持原样没有更新；"
                     "请关掉其他程序后再生成一次，或加上 --jobs 1 只用一个进程生成")
    return report, len(renderer.outputs)


def _other_outputs(site, renderer: Renderer, layouts: Path, publish: bool = True,
                   remembered: search.Remembered | None = None) \
        -> tuple[list[tuple[str, str | bytes | Path, str]], list[tuple[str, str, bytes]], tuple]:
    """Every output that is not a rendered page nor the search index's, as (site path, text, bytes or
    file to copy, what claims it); the search index's files as (site path, text, digest): a
    document it kept is not hashed again (ten thousand of them were a fifteenth of a save); and
    what the search index learned for the next build, with ``remembered``."""
    phone_pages = [page for page in renderer.pages if "phone" in page.renditions]
    found = [(rel, data, "生成的文件") for rel, data in site.files()]
    if site.village.base_url:  # as ``feeds.sitemap``; a check needs only its path, not ten thousand lines
        sitemap = feeds.sitemap(site, phone_pages) if publish else ""
        found.append(("sitemap.xml", sitemap, "网站地图"))
    index_files = search.outputs(site, phone_pages, remembered, renderer.page_digest)
    found += [(rel, published_bytes(source) if publish else source, display_path(source))
              for rel, source in sorted(site.assets.files.items())]
    found += [("static/" + f.relative_to(layouts / "static").as_posix(), f, "样式和脚本")
              for f in sorted((layouts / "static").rglob("*")) if f.is_file()]
    found.append(("favicon.ico", _favicon(layouts / "static" / "icon.png", site.cache), "图标"))  # asked for by many browsers
    if site.preview:
        found.append(("_preview/preview.js", layouts / "preview" / "preview.js", "预览脚本"))
    return found, index_files, remembered.news() if remembered else None


def _staged_others(site, renderer: Renderer, layouts: Path, out: Path, output: AtomicOutput, db: record.Database,
                   storing: bool, published: tuple | None = None):
    """Every other output made, scanned and staged in the process that makes them, as render
    workers stage pages: sent back to the main process, ten thousand search documents were then
    scanned and written there one by one, after the pages, while the other core waited. Gives per
    output staged (site path, what claims it, the digest of its bytes, whether they are new, or
    None when the published file is kept); the search index's files carried over as published
    (below); the search index's parts of the build id (``_id_parts``); what the privacy
    scan found; what the search index learned; the public numbers' digest; and, in ``serve``, the
    search index's files. With ``storing``, what the search index learned is kept here, for
    ``Memo.store_search`` to store for the next command once the build has what it needs.
    ``published``: in ``serve``, the search index's files, the public numbers' digest and the parts
    of the build id of the last publish (``_id_parts``), where every file it published is still there."""
    found, index_files, learned = _other_outputs(site, renderer, layouts, True, site.memo.searched(search.Remembered))
    if storing:  # and not sent back: the command ends with this build
        site.memo.search.take(learned)
        learned = None
    phones = site.village.public_phones
    scanned = record.Digests().of(sorted(phones))  # what the privacy scan lets through
    # Which of the index's files are the very ones published last save: those are carried over
    # together, not looked at one by one (ten thousand documents were a tenth of a save).
    same = list(map(operator.is_, index_files, published[0])) \
        if published is not None and len(published[0]) == len(index_files) else None
    redo = None if same is None else [n for n in range(len(published[2])) if not all(same[n * _RUN:(n + 1) * _RUN])]
    index_parts = _id_parts(index_files, _REL, _DIGEST, redo, published and published[2])
    carried, looked_at = [], index_files
    if same is not None and published[1] == scanned:
        carried = list(map(_REL, itertools.compress(index_files, same)))
        looked_at = list(itertools.compress(index_files, map(operator.not_, same)))
    findings, staged = Report(), []
    for rel, data, who, sha in itertools.chain([(rel, data, who, None) for rel, data, who in found],
                                               [(rel, text, SEARCH_INDEX, sha) for rel, text, sha in looked_at]):
        data = data.read_bytes() if isinstance(data, Path) else data
        sha = sha or record.sha(data)
        # Published with these bytes under the same public numbers, and left as it was: the search
        # index's ten thousand documents are neither scanned nor read again.
        entry = db.published.get(rel)
        if entry is not None and (entry.names, entry.sha, entry.digest) == (_OTHER, sha, scanned) \
                and output.untouched(rel, entry.stat) and output.link(rel, entry.stat[2]):
            staged.append((rel, who, sha, None))
            continue
        if who == SEARCH_INDEX and search.holds_text(rel):  # the pages' text again: the same last defence
            privacy.scan(out / rel, data, findings, phones)
        staged.append((rel, who, sha, output.stage(rel, data)))
    return staged, carried, index_parts, findings.items, learned, scanned, None if storing else index_files


# Outputs a part of the build id covers: a save works out again only the parts of what it changed.
_RUN = 1024


def _id_parts(outputs: list, path_of, digest_of, redo: list[int] | None = None,
              earlier: list[bytes] | None = None) -> list[bytes]:
    """The parts of the build id: a digest of the paths and digests of each run of ``_RUN`` of
    ``outputs``, in order; those of ``earlier`` but the runs ``redo``, where both are given (hashing
    forty thousand paths again was a twentieth of a save)."""
    count = -(-len(outputs) // _RUN)
    if redo is None or earlier is None or len(earlier) != count:
        earlier, redo = [b""] * count, range(count)
    parts = list(earlier)
    for n in set(redo):
        run = outputs[n * _RUN:(n + 1) * _RUN]
        parts[n] = hashlib.sha256(b"".join(map(bytes.__add__, map(str.encode, map(path_of, run)),
                                                map(digest_of, run)))).digest()
    return parts


def _favicon(icon: Path, cache) -> bytes:
    """The icon as browsers ask for it, kept in the build cache: loading Pillow and encoding it cost
    every command a twentieth of a second."""
    data = icon.read_bytes()

    def encoded() -> bytes:
        from PIL import Image

        buffer = io.BytesIO()
        with Image.open(io.BytesIO(data)) as image:
            image.save(buffer, "ICO", sizes=[(32, 32), (16, 16)])
        return buffer.getvalue()

    return cache.data("favicon", hashlib.sha256(data).hexdigest(), encoded, salt=f"pillow {version('pillow')}")


def _check_plan(site, renderer: Renderer, others: list[tuple[str, str]], index: list[str] = ()) -> None:
    """Every output path is claimed once: a notice named index.md must not silently replace a listing.
    ``others``: the other outputs' paths and what claims each; ``index``: the search index's paths."""
    # What claims each path, described only where two claim one (most sites: nowhere).
    planned, claimed = renderer.outputs, {}  # the pages' paths, and the others'
    paths = [rel for rel, _ in others] + list(index) + list(RESERVED)
    if not renderer.collisions and len(set(paths)) == len(paths) and planned.keys().isdisjoint(paths):
        return  # as most sites: ten thousand search files looked at one by one cost a hundredth of a save
    others = others + [(rel, SEARCH_INDEX) for rel in index]
    pairs = {(id(first), id(second)): (path, first, second) for path, first, second in reversed(renderer.collisions)}
    clashes = [(path, _describe(first), _describe(second), second) for path, first, second in pairs.values()]
    for rel, who in others + [(name, "本程序") for name in RESERVED]:
        if rel in planned:
            clashes.append((rel, _describe(planned[rel][0]), who, None))
        elif rel in claimed:
            clashes.append((rel, claimed[rel], who, None))
        claimed.setdefault(rel, who)
    for path, first, second, page in clashes:
        where = page.sources[0] if page is not None and len(page.sources) == 1 else site.content
        site.report.error(where, 1, "E-OUTPUT-COLLISION",
                          f"两处内容要写到同一个网址 {path}：{first}，和 {second}；后写的会把先写的盖掉，"
                          "所以没有生成。请给其中一个文件改名（文件名就是网址，index、四位年份等名字已被列表页占用）")


def _describe(page) -> str:
    if len(page.sources) == 1 and page.template != "section.html":
        return f"“{page.title}”（{display_path(page.sources[0])}）"
    return f"“{page.title}”列表页"


def _write(out: Path, site, renderer: Renderer, layouts: Path, today: dt.date, jobs: int, db: record.Database,
           warm: Warm | None, storing: contextlib.ExitStack) -> None:
    """``storing``: what is stored for the next command is waited for there, once the site is published."""
    report = site.report
    planned = warm.planned if warm and renderer.fresh is not None else sorted(renderer.outputs)
    shas: dict[str, bytes] = {}
    if warm:  # kept here, for the next save
        site.memo.searched(search.Remembered)
    with AtomicOutput(out, warm.over(out) if warm else None, spare=warm is None) as output, \
            contextlib.closing(in_background(_staged_others, (site, renderer, layouts, out, output, db, not warm,
                                                              warm.others if warm and output.over is warm.files else None),
                                             here=jobs <= 1 or warm is not None,
                                             then=None if warm else functools.partial(site.memo.store_search, site.cache, site.content))) as others:
        # The command makes and stages the other outputs (the search index above all) on a second
        # core while this one works out which pages would come out as published and has them staged.
        # Not ``serve``: for a save, forking a process cost more than the work it took over (its
        # start, and every page of memory this one then touched copied: 0.10-0.12 s a save at 1,000
        # notices, 0.08-0.10 s with it made here). Under the lock: another build cannot publish
        # between these looks at --out and the links to it.
        # What the search index learned is stored for the next command by the process that made it, after
        # it handed the index back (pickling it takes a tenth of a second at 10,000 notices), and waited
        # for once the site is published.
        storing.callback(_stored, others)
        if not warm and site.memo.readings_changed():  # for the next command; serve keeps its own
            storing.callback(_stored, in_background(site.memo.store, (site.cache, site.content), here=jobs <= 1))
        elif warm:
            site.memo.forget_stored()
        judged = (site.memo.mark, renderer.alike(), hashlib.blake2b("\0".join(planned).encode(), digest_size=16).digest())
        shown = warm.shown(renderer) if warm else _shown_since(site.memo, renderer, db, judged)
        stale, looked_at = _kept(output, renderer, db, planned, shas, shown,
                                 warm.unsure(renderer, output.over, db.published) if warm and shown else None)
        shown, site.memo.sources = _sources(site, renderer, site.memo.sources, looked_at)
        # Closed on the way out whatever happens: no worker may still be staging when the staging is thrown away.
        with contextlib.closing(each(functools.partial(_made, renderer, out, output), stale, jobs)) as made:
            for out_path, changed, sha, findings, entry, page_digest in made:
                report.items += findings
                output.staged(out_path, changed)
                shas[out_path] = sha
                if entry is not None:
                    db.made(out_path, entry)
                if page_digest is not None:  # from a worker: the next build need not walk the page again
                    page = renderer.outputs[out_path][0]
                    renderer.digests.models.setdefault(id(page), (page, page_digest))
        # For the next build or the stored memo, which take from it the digests of their own models only
        # (``Digests.keep``, ``Memo.store_digests``): twenty thousand sorted out here were a thirtieth of a save.
        site.memo.digests = renderer.digests.models
        if not warm:
            site.memo.store_digests(site.cache, site.content)
        # What needs only the pages is done while the command's other outputs are still being made.
        manifest, lines = _manifest(renderer, db, planned, shown, warm.lines if warm else {}, looked_at)
        # The build id covers every file, style sheets and scripts included, so a kiosk reloads for a style fix.
        # Where the plan is the one published, only the parts of outputs rendered again can differ.
        redo = [bisect.bisect_left(planned, out_path) // _RUN for out_path in stale] \
            if warm and renderer.fresh is not None else None
        page_parts = _id_parts(planned, str, shas.__getitem__, redo, warm and warm.id_parts)
        staged, carried, index_parts, findings, learned, scanned, index_files = others.result()
        if learned is not None:
            site.memo.search.take(learned)
        report.items += findings
        # Staged, not published: a path claimed twice still stops the build before anything is swapped in.
        _check_plan(site, renderer, [(rel, who) for rel, who, _, _ in staged], carried)
        if report.errors:
            raise _Abort()
        build_id = hashlib.sha256(b"".join(page_parts) + b"".join(
            rel.encode() + sha for rel, who, sha, _ in staged if who != SEARCH_INDEX) + b"".join(index_parts))
        # The search files carried over as published: taken together, not one by one.
        output.kept_in_place(carried)
        db.entries.update(zip(carried, map(db.published.__getitem__, carried)))
        for rel, _, sha, changed in staged:
            output.staged(rel, bool(changed))
            if changed is None:
                db.entries[rel] = db.published[rel]
            else:
                db.made(rel, record.Entry(_OTHER, (), {}, scanned, sha, (0, 0, 0)))
        output.write("build-manifest.json", manifest)
        version = {"build": build_id.hexdigest()[:16],
                   "built": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "today": today.isoformat()}
        if report.next_change:  # for a scheduler: the site must be built again on this day
            version["next_change"] = report.next_change[0].isoformat()
        before = _published_version(out)
        if before and {**before, "built": None} == {**version, "built": None}:
            version["built"] = before["built"]  # nothing changed: the site, to the byte, stays as it is
        output.write(MARK, json.dumps(version, ensure_ascii=False))
    report.rewritten = output.changed
    report.rendered = len(stale)
    db.save(out, judged if not warm and None not in judged else None)
    output.finish()
    if warm:
        warm.published(out, output.names, output.changed + sorted(output.over - output.names)
                       if output.over is not None else [], renderer, planned, lines)
        warm.others, warm.id_parts = (index_files, scanned, index_parts), page_parts
    else:  # for the command line's stamp; serve has none
        report.left = _left(out, output.names, db)


def _left(out: Path, names: set[str], db: record.Database) -> list[tuple] | None:
    """Every file of ``out`` as this build left it, as the stamp lists them (``publishing/stamp.py``):
    from the build database's sizes, times and inodes rather than by looking at each file again."""
    found = []
    for rel in names:
        entry = db.published.get(rel)
        stat = entry.stat if entry is not None else file_stat(os.path.join(out, rel))
        if not stat or stat == (0, 0, 0):  # not to be told without looking: the stamp looks
            return None
        found.append((rel.replace("/", os.sep), *stat))
    return sorted(found)


def _stored(storing: in_background) -> None:
    with contextlib.suppress(WorkerLost):  # only the next command's head start is lost
        storing.finish()



def _made(renderer: Renderer, out: Path, output: AtomicOutput, out_path: str):
    """One output rendered, checked and staged, in whichever process renders it: (path, whether
    its bytes are new, their digest, what the privacy scan found, the build database's entry or None,
    its page's digest or None).
    A page with a personal number is staged all the same: the error throws the staging away."""
    html, reads = renderer.render(out_path)
    findings = Report()
    # Last line of defence: a template must never print an unmasked number.
    privacy.scan(out / out_path, _DRAWING.sub(' d=""', html), findings, renderer.site.village.public_phones)
    data = html.encode("utf-8")
    changed = output.stage(out_path, data)
    sha = record.sha(data)
    names, templates = tuple(sorted(reads.names)), tuple(sorted(reads.templates))
    digest = renderer.digest(out_path, names, templates, reads.exists)
    entry = None if digest is None else record.Entry(names, templates, reads.exists, digest, sha, (0, 0, 0))
    return out_path, changed, sha, findings.items, entry, renderer.page_digest(renderer.outputs[out_path][0])


def _shown_since(memo: Memo, renderer: Renderer, db: record.Database, judged: tuple) -> dict:
    """The command line's ``Warm.shown``: each output's page where it is the very page stored with
    the readings that the last publish of this ``--out`` was made with (``Memo.mark``), while every
    template, what every output sees alike and the plan are as they were then. Empty otherwise."""
    mark, pages = memo.stored()
    if mark is None or db.judged != (mark, *judged[1:]):
        return {}
    return {out_path: page for out_path, (page, _, _) in renderer.outputs.items() if pages.get(page.path) is page}


def _kept(output: AtomicOutput, renderer: Renderer, db: record.Database, planned: list[str], shas: dict,
          shown: dict, unsure: set[str] | None = None) -> tuple[list[str], list[str]]:
    """Stage, as published, each output whose recorded reads have the same digest as when it was
    published and whose published file is as it was left; gives the rest, to render, and the
    outputs looked at one by one: those not carried over as a whole (below). ``shown``: each
    output's page as published, when what every output sees alike is the same too (``Warm.shown``,
    ``_shown_since``): an output of the very same page then has the same digest. The page's digest
    is known all the same (walked once, then kept with the page): the search index takes each
    page's document by it. ``unsure``: in ``serve``, all outputs but those carried over as a whole
    (``Warm.unsure``), where known without looking at each."""
    outputs, published, entries = renderer.outputs, db.published, db.entries
    looked_at = planned
    if output.over is not None and shown:
        # A save in ``serve``: most outputs show the very page they showed, in the folder as this
        # process left it. Carried over together, their lines of the manifest too: looking at each
        # one by one was a sixth of a save.
        if unsure is not None:
            same, looked_at = [out_path for out_path in planned if out_path not in unsure], sorted(unsure)
        else:
            here, digest, digested = output.over, renderer.page_digest, renderer.digests.models
            # A page whose digest is known (``Digests.model``: the very page, as it holds it) has one.
            same = [out_path for out_path in planned if (page := outputs[out_path][0]) is shown.get(out_path)
                    and out_path in here and out_path in published and (id(page) in digested or digest(page) is not None)]
        output.kept_in_place(same)
        as_published = list(map(published.__getitem__, same))
        entries.update(zip(same, as_published))
        shas.update(zip(same, map(_SHA, as_published)))
        if unsure is None:
            carried = set(same)
            looked_at = [out_path for out_path in planned if out_path not in carried]
    stale = []
    for out_path in looked_at:
        page = outputs[out_path][0]
        entry = published.get(out_path)
        if entry is not None \
                and (shown.get(out_path) is page and renderer.page_digest(page) is not None
                     or renderer.digest(out_path, entry.names, entry.templates, entry.exists) == entry.digest) \
                and output.untouched(out_path, entry.stat) and output.keep(out_path, entry.stat[2]):
            entries[out_path] = entry
            shas[out_path] = entry.sha
        else:  # changed, or gone from --out since it was published
            stale.append(out_path)
    return stale, looked_at


def _sources(site, renderer: Renderer, earlier: dict, looked_at: list[str]) -> tuple[dict[int, str], dict[tuple, str]]:
    """Each page's list of content files as the manifest writes it, by the page and by the list,
    for the pages of the outputs ``looked_at`` (``_kept``). ``earlier``: the lists a build before
    wrote, kept with the memo: ten thousand lists of paths written again cost a tenth of a save."""
    inside = os.path.join(site.content, "")

    def name(source: str) -> str:
        rel = source[len(inside):] if source.startswith(inside) else os.path.relpath(source, site.content)
        return rel.replace(os.sep, "/")

    pages: dict[int, str] = {}
    sources: dict[tuple, str] = {}
    for out_path in looked_at:
        page = renderer.outputs[out_path][0]
        if id(page) not in pages:  # a page's renditions share its sources
            made_from = tuple(map(str, page.sources))  # text, not paths: kept apart from the readings' paths
            shown = earlier.get(made_from)
            if shown is None:
                shown = _json(sorted({name(s) for s in made_from}))
            pages[id(page)] = sources[made_from] = shown
    return pages, sources


def _manifest(renderer: Renderer, db: record.Database, planned: list[str], sources: dict[int, str],
              earlier: dict[str, str], looked_at: list[str]) -> tuple[str, dict[str, str]]:
    """Per output: the content files it was made from (``sources``, by page) and the templates it
    really loaded; and each output's line. ``earlier``: the lines as published, which stand for
    the outputs carried over as a whole, all but those ``looked_at`` (``_kept``)."""
    # One output a line, readable in a text editor. Each part is written once: a few dozen sets of
    # templates serve every output.
    templates: dict[tuple | None, str] = {}
    lines = dict(earlier) if len(looked_at) < len(planned) else {}
    for out_path in looked_at:
        shown = sources[id(renderer.outputs[out_path][0])]
        entry = db.entries.get(out_path)
        used = entry.templates if entry else None
        loaded = templates.get(used)
        if loaded is None:
            loaded = templates[used] = _json(list(used) if used is not None else None)
        quoted = f'"{out_path}"' if not _ESCAPED.search(out_path) else _json(out_path)  # as json.dumps, sooner
        lines[out_path] = f'{quoted}: {{"sources": {shown}, "templates": {loaded}}}'
    # One string of seven megabytes at 10,000 notices made once: each "+" copied it again (a tenth of
    # a save, the memory newly touched each time).
    parts = list(map(lines.__getitem__, planned)) or [""]
    parts[0] = "{\n" + parts[0]
    parts[-1] += "\n}"
    return ",\n".join(parts), lines


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


_ESCAPED = re.compile(r'[\x00-\x1f\\"]')  # what json.dumps escapes in a string with ensure_ascii=False


_SHA = operator.attrgetter("sha")
_REL, _DIGEST = operator.itemgetter(0), operator.itemgetter(2)  # of (site path, text or what claims it, digest, …)
# The build database's names for an output that is not a rendered page: no template reads anything.
_OTHER = ("",)
# A QR code's drawing (its SVG path data) is all digits but never text: the scan skips it.
_DRAWING = re.compile(r' d="[^"\n]*"')
RESERVED = (MARK, "build-manifest.json")


def _published_version(out: Path) -> dict | None:
    try:
        return json.loads((out / MARK).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class _Abort(Exception):
    """Raised inside the output block so that the half-built site is thrown away."""
