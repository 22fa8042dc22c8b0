"""The build: load and check the content, render every page, write the site atomically."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
from pathlib import Path

from . import feeds, privacy, qr, search, site as site_module
from .assets import published_bytes
from .cache import Cache, default_root
from .diagnostics import Report, display_path
from .render import Renderer
from .writer import MARK, AtomicOutput, OutputRefused, unsafe

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"


def check(content: Path, today: dt.date) -> site_module.Site:
    """What ``build`` would refuse, without rendering: the content and the plan of every output path."""
    site = site_module.load(content, today)
    if not site.report.errors:
        renderer = Renderer(LAYOUTS, site, site.pages())
        _check_plan(site, renderer, _other_outputs(site, renderer, LAYOUTS, publish=False))
    return site


def build(content: Path, out: Path, today: dt.date, layouts: Path = LAYOUTS, jobs: int = 1,
          preview: bool = False, drafts: bool = False) -> tuple[Report, int]:
    """Build ``content`` into ``out``; returns the report and the number of pages written."""
    refused = unsafe(out, content)
    if refused:
        report = Report()
        report.error(out, 1, "E-OUT-UNSAFE", refused)
        return report, 0
    site = site_module.load(content, today, drafts=drafts)
    site.preview = preview
    report = site.report
    if report.errors:
        return report, 0
    qr.use_cache(Cache(default_root(content)))
    renderer = Renderer(layouts, site, site.pages())
    others = _other_outputs(site, renderer, layouts)
    _check_plan(site, renderer, others)
    if report.errors:
        return report, 0
    try:
        _write(out, site, renderer, others, today, jobs)
    except _Abort:
        pass
    except OutputRefused as refusal:
        report.error(out, 1, refusal.code, str(refusal))
    return report, len(renderer.outputs)


def _other_outputs(site, renderer: Renderer, layouts: Path, publish: bool = True) -> list[tuple[str, str | bytes | Path, str]]:
    """Every output that is not a rendered page: (site path, text, bytes or file to copy, what claims it)."""
    phone_pages = [page.path for page, rendition, _ in renderer.outputs.values() if rendition == "phone"]
    found = [(rel, data, "生成的文件") for rel, data in site.files()]
    sitemap = feeds.sitemap(site, [renderer.outputs[p][0] for p in phone_pages])
    if sitemap:
        found.append(("sitemap.xml", sitemap, "网站地图"))
    found.append(("search-index.js", search.index_script(site, [renderer.outputs[p][0] for p in phone_pages]),
                  "搜索索引"))
    found += [(rel, published_bytes(source) if publish else source, display_path(source))
              for rel, source in sorted(site.assets.files.items())]
    found += [("static/" + f.relative_to(layouts / "static").as_posix(), f, "样式和脚本")
              for f in sorted((layouts / "static").rglob("*")) if f.is_file()]
    found.append(("favicon.ico", _favicon(layouts / "static" / "icon.png"), "图标"))  # asked for by many browsers
    if site.preview:
        found.append(("_preview/preview.js", layouts / "preview" / "preview.js", "预览脚本"))
    return found


def _favicon(icon: Path) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    with Image.open(icon) as image:
        image.save(buffer, "ICO", sizes=[(32, 32), (16, 16)])
    return buffer.getvalue()


def _check_plan(site, renderer: Renderer, others) -> None:
    """Every output path is claimed once: a notice named index.md must not silently replace a listing."""
    claimed: dict[str, str] = {path: _describe(page) for path, (page, _, _) in renderer.outputs.items()}
    pairs = {(id(first), id(second)): (path, first, second) for path, first, second in reversed(renderer.collisions)}
    clashes = [(path, _describe(first), _describe(second), second) for path, first, second in pairs.values()]
    for rel, _, who in others + [(name, None, "本程序") for name in RESERVED]:
        if rel in claimed:
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


def _write(out: Path, site, renderer: Renderer, others, today: dt.date, jobs: int) -> None:
    report = site.report
    digest = hashlib.sha256()
    manifest = {}
    with AtomicOutput(out) as output:
        for out_path, html in renderer.render_all(sorted(renderer.outputs), jobs):
            # Last line of defence: a template must never print an unmasked number.
            privacy.scan(out / out_path, html, report, site.village.public_phones)
            output.write(out_path, html)
            digest.update(out_path.encode() + html.encode())
            page = renderer.outputs[out_path][0]
            manifest[out_path] = {
                "sources": sorted({Path(os.path.relpath(s, site.content)).as_posix() for s in page.sources}),
                "templates": renderer.templates_used(out_path),
            }
        # The build id covers every file, style sheets and scripts included, so a kiosk reloads for a style fix.
        for rel, data, _ in others:
            data = data.read_bytes() if isinstance(data, Path) else data
            output.write(rel, data)
            digest.update(rel.encode() + (data if isinstance(data, bytes) else data.encode()))
        if report.errors:
            raise _Abort()
        output.write("build-manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        version = {"build": digest.hexdigest()[:16],
                   "built": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "today": today.isoformat()}
        if report.next_change:  # for a scheduler: the site must be built again on this day
            version["next_change"] = report.next_change[0].isoformat()
        before = _published_version(out)
        if before and {**before, "built": None} == {**version, "built": None}:
            version["built"] = before["built"]  # nothing changed: the site, to the byte, stays as it is
        output.write(MARK, json.dumps(version, ensure_ascii=False))
    report.rewritten = output.changed


RESERVED = (MARK, "build-manifest.json")


def _published_version(out: Path) -> dict | None:
    try:
        return json.loads((out / MARK).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class _Abort(Exception):
    """Raised inside the output block so that the half-built site is thrown away."""
