"""Build speed on generated villages of growing size, beside other generators in the same run.

    python3 benchmarks/run.py                        # this project only: 100, 500, 2000 notices
    python3 benchmarks/run.py --others --sizes 100 1000
        # also Pelican and MkDocs on the same Markdown, installed into benchmarks/.venv

Each tool builds the same notices (Markdown with a table and verse) from a cold start, as
a clerk's `python build.py` does; the best of --repeat runs is reported as wall-clock
seconds and notices per second (our html count is larger: each notice also gets a
kiosk and an A4 print page, and listings are paginated by year). Results are printed as a Markdown table.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(__file__).resolve().parent / ".venv"
OTHERS = {"pelican": "pelican==4.12.0", "mkdocs": "mkdocs==1.6.1"}

BODY = """经村“两委”研究，现将第{i}号事项公示如下：

| 网格 | 户主 | 人数 | 金额（元） |
|------|------|-----:|-----------:|
| 第一网格 | 王某英 | 1 | 890.00 |
| 第二网格 | 姚某根 | 2 | 1,780.00 |

红白喜事要节俭，
攀比浪费要不得。

对公示有异议的，请向村务监督委员会反映。
"""


def notices(n: int):
    for i in range(n):
        yield i, f"公示事项第{i:05}号", f"2024-{i % 12 + 1:02}-{i % 28 + 1:02}", BODY.format(i=i)


def make_ours(folder: Path, n: int) -> None:
    shutil.copy(ROOT / "content" / "village.yaml", folder / "village.yaml")
    for section in ("party", "affairs"):
        (folder / section).mkdir(parents=True)
    for i, title, date, body in notices(n):
        section = "party" if i % 2 else "affairs"
        (folder / section / f"n{i:05}.md").write_text(
            f"---\ntitle: {title}\ndate: {date}\ncategory: 公示\n---\n{body}", encoding="utf-8")


def make_pelican(folder: Path, n: int) -> None:
    (folder / "content").mkdir(parents=True)
    (folder / "pelicanconf.py").write_text(
        "SITENAME='bench'\nTIMEZONE='Asia/Shanghai'\nDEFAULT_LANG='zh'\nRELATIVE_URLS=True\n"
        "FEED_ALL_ATOM=None\nCATEGORY_FEED_ATOM=None\nAUTHOR_FEED_ATOM=None\nAUTHOR_FEED_RSS=None\n"
        "DEFAULT_PAGINATION=20\n", encoding="utf-8")
    for i, title, date, body in notices(n):
        (folder / "content" / f"n{i:05}.md").write_text(
            f"Title: {title}\nDate: {date}\nCategory: {'party' if i % 2 else 'affairs'}\n\n{body}", encoding="utf-8")


def make_mkdocs(folder: Path, n: int) -> None:
    (folder / "docs").mkdir(parents=True)
    (folder / "mkdocs.yml").write_text("site_name: bench\nuse_directory_urls: false\n", encoding="utf-8")
    (folder / "docs" / "index.md").write_text("# bench\n", encoding="utf-8")
    for i, title, _, body in notices(n):
        (folder / "docs" / f"n{i:05}.md").write_text(f"# {title}\n\n{body}", encoding="utf-8")


TOOLS = {
    "villageboard": (make_ours, lambda f, py: [sys.executable, str(ROOT / "build.py"), "build", "--content",
                                              str(f), "--out", str(f.parent / "out"), "--today", "2026-11-22"]),
    "pelican": (make_pelican, lambda f, py: [py, "-m", "pelican", str(f / "content"), "-o", str(f.parent / "out"),
                                             "-s", str(f / "pelicanconf.py"), "-q"]),
    "mkdocs": (make_mkdocs, lambda f, py: [py, "-m", "mkdocs", "build", "-q", "-f", str(f / "mkdocs.yml"),
                                           "-d", str(f.parent / "out")]),
}


def venv_python() -> str:
    python = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        venv.create(VENV, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *OTHERS.values()], check=True)
    return str(python)


def measure(tool: str, n: int, repeat: int, python: str) -> tuple[float, int]:
    make, command = TOOLS[tool]
    best, pages = float("inf"), 0
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "src"
        source.mkdir()
        make(source, n)
        for _ in range(repeat):
            shutil.rmtree(Path(tmp) / "out", ignore_errors=True)
            start = time.perf_counter()
            subprocess.run(command(source, python), check=True, capture_output=True)
            best = min(best, time.perf_counter() - start)
        pages = sum(1 for _ in (Path(tmp) / "out").rglob("*.html"))
    return best, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--others", action="store_true", help="also run Pelican and MkDocs")
    args = parser.parse_args()
    tools = ["villageboard"] + (list(OTHERS) if args.others else [])
    python = venv_python() if args.others else sys.executable
    print(f"| notices | {' | '.join(tools)} |")
    print("|---:|" + "---:|" * len(tools))
    for n in args.sizes:
        cells = []
        for tool in tools:
            seconds, pages = measure(tool, n, args.repeat, python)
            cells.append(f"{seconds:.2f} s ({n / seconds:.0f} notices/s, {pages} html files)")
        print(f"| {n} | {' | '.join(cells)} |", flush=True)


if __name__ == "__main__":
    main()
