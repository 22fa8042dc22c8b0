"""The build: load and check the content, render every page, write the site atomically."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

from . import feeds, privacy, qr, search, site as site_module
from .cache import Cache, default_root
from .diagnostics import Report
from .render import Renderer
from .writer import AtomicOutput

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"


def check(content: Path, today: dt.date) -> site_module.Site:
    return site_module.load(content, today)


def build(content: Path, out: Path, today: dt.date, layouts: Path = LAYOUTS, jobs: int = 1) -> tuple[Report, int]:
    """Build ``content`` into ``out``; returns the report and the number of pages written."""
    site = site_module.load(content, today)
    report = site.report
    if report.errors:
        return report, 0
    qr.use_cache(Cache(default_root(content)))
    renderer = Renderer(layouts, site, site.pages())
    try:
        _write(out, site, renderer, layouts, today, jobs)
    except _Abort:
        pass
    return report, len(renderer.outputs)


def _write(out: Path, site, renderer: Renderer, layouts: Path, today: dt.date, jobs: int) -> None:
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
        phone_pages = [page for page, rendition, _ in renderer.outputs.values() if rendition == "phone"]
        sitemap = feeds.sitemap(site, [page.path for page in phone_pages])
        if sitemap:
            output.write("sitemap.xml", sitemap)
        output.write("search-index.js", search.index_script(site, phone_pages))
        for rel, data in site.files():
            output.write(rel, data)
            digest.update(rel.encode() + (data if isinstance(data, bytes) else data.encode()))
        for rel, source in sorted(site.assets.files.items()):
            output.copy(rel, source)
            digest.update(rel.encode() + source.read_bytes())
        for static in sorted((layouts / "static").rglob("*")):
            if static.is_file():
                output.copy("static/" + static.relative_to(layouts / "static").as_posix(), static)
        if report.errors:
            raise _Abort()
        output.write("version.json", json.dumps(
            {"build": digest.hexdigest()[:16], "built": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
             "today": today.isoformat()}, ensure_ascii=False))
        output.write("build-manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))


class _Abort(Exception):
    """Raised inside the output block so that the half-built site is thrown away."""
