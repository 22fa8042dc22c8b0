"""``serve``: preview on this computer, rebuilding when a file in content/ or layouts/ changes.

Listens on 127.0.0.1 unless told otherwise, so a draft is never visible to the whole
village network by accident. A broken edit prints its errors and keeps the last good
preview, exactly like ``build``.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from livereload import Server

from . import builder
from .cli import print_report
from .diagnostics import Report
from .writer import unsafe


def serve(content: Path, out: Path, host: str, port: int) -> int:
    refused = unsafe(out, content)
    if refused:  # before the first build and before any watching: nothing is written at all
        report = Report()
        report.error(out, 1, "E-OUT-UNSAFE", refused)
        print_report(report)
        return 1

    def rebuild() -> None:
        report, count = builder.build(content, out, dt.date.today())
        print_report(report)
        print(f"已重新生成 {count} 个页面" if not report.errors else "有错误，预览保持上一次的结果")

    rebuild()
    server = Server()
    server.watch(str(content), rebuild, delay=0.3)
    server.watch(str(builder.LAYOUTS), rebuild, delay=0.3)
    print(f"预览地址：http://{host}:{port}/  （按 Ctrl+C 停止）")
    server.serve(host=host, port=port, root=str(out), open_url=False)
    return 0
