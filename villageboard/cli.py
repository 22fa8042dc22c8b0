"""The command line: ``python build.py [build|check|serve|new|schema|edit] …`` (see PRODUCT.md)."""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
from pathlib import Path

from villageboard.reading import clock
from villageboard.reading.diagnostics import Report


# argparse's own words (usage, options, help, its errors), in Chinese like everything else.
ARGPARSE_WORDS = {
    "usage: ": "用法：", "positional arguments": "位置参数", "options": "选项", "optional arguments": "选项",
    "show this help message and exit": "显示这段帮助并退出",
    "the following arguments are required: %s": "缺少参数：%s",
    "unrecognized arguments: %s": "不认识的参数：%s",
    "expected one argument": "后面要跟一个值",
    "invalid choice: %(value)r (choose from %(choices)s)": "不认识 %(value)r，可以用：%(choices)s",
    "invalid %(type)s value: %(value)r": "值 %(value)r 不对",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是 %(matches)s",
}
argparse._ = lambda text: ARGPARSE_WORDS.get(text, text)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # Chinese, exit 1 like every other failure
        self.print_usage(sys.stderr)
        print(f"命令参数有误：{message}", file=sys.stderr)
        sys.exit(1)


TODAY_RANGE = (dt.date(2000, 1, 1), dt.date(2099, 12, 31))  # a board's working life; outside it a typo


def _date(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写成 YYYY-MM-DD，写的是 “{text}”") from None
    if not TODAY_RANGE[0] <= day <= TODAY_RANGE[1]:
        raise argparse.ArgumentTypeError(f"日期 {text} 不在 {TODAY_RANGE[0].year} 到 {TODAY_RANGE[1].year} 年之间，"
                                         "是不是写错了年份？")
    return day


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--jobs 应是 1 或更大的整数，写的是 “{text}”")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="build.py", description="村务公开栏网站生成器")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    b = sub.add_parser("build", help="生成网站（默认）")
    c = sub.add_parser("check", help="只检查内容，不生成")
    for p in (b, c):
        p.add_argument("--content", type=Path, default=Path("content"), help="内容文件夹（默认 content）", metavar="文件夹")
        p.add_argument("--today", type=_date, default=None, help="按哪一天生成（默认今天）", metavar="年-月-日")
    b.add_argument("--out", type=Path, default=Path("site"), help="输出文件夹（默认 site）", metavar="文件夹")
    b.add_argument("--jobs", type=_jobs, default=None, help="同时用几个处理器核心生成（默认全部；结果与核心数无关）", metavar="N")
    s = sub.add_parser("serve", help="本机预览，改了文件自动刷新")
    s.add_argument("--port", type=int, default=8000, help="端口（默认 8000）", metavar="端口")
    s.add_argument("--host", default="127.0.0.1", help="默认只允许本机访问", metavar="地址")
    s.add_argument("--content", type=Path, default=Path("content"), help="内容文件夹（默认 content）", metavar="文件夹")
    s.add_argument("--out", type=Path, default=None, metavar="文件夹",
                   help="预览写到的文件夹（默认 .cache/villageboard/preview，不是要发布的 site）")
    s.add_argument("--drafts", action="store_true", help="预览里也显示草稿（标“草稿”，不会发布）")
    s.add_argument("--today", type=_date, default=None, help="预览某一天的样子（默认今天）", metavar="年-月-日")
    n = sub.add_parser("new", help="新建一个内容文件")
    n.add_argument("kind", metavar="类型", help="类型：党务 村务 财务 四议两公开 模范户 村规民约"
                                "（或 party affairs finance decision household compact）")
    n.add_argument("title", metavar="标题", help="标题（期间，如 2026-Q4，用于财务）")
    n.add_argument("--content", type=Path, default=Path("content"), help="内容文件夹（默认 content）", metavar="文件夹")
    m = sub.add_parser("schema", help="写出各类内容的 JSON Schema，供编辑器检查和补全")
    m.add_argument("--out", type=Path, default=Path("schemas"), help="写到哪个文件夹（默认 schemas）", metavar="文件夹")
    e = sub.add_parser("edit", help="表单编辑器：在浏览器里填表修改内容（只在本机，地址带密钥）")
    e.add_argument("--content", type=Path, default=Path("content"), help="内容文件夹（默认 content）", metavar="文件夹")
    e.add_argument("--port", type=int, default=8700, help="端口（默认 8700）", metavar="端口")
    e.add_argument("--today", type=_date, default=None, help="按哪一天检查（默认今天）", metavar="年-月-日")
    e.add_argument("--open", action="store_true", help="启动后用浏览器打开编辑器")
    for p in (n, m):
        p.set_defaults(today=None)
    return parser


def print_report(report: Report) -> None:
    for item in report.sorted():
        print(item.format(), file=sys.stderr)
    if report.items:
        print(f"共 {len(report.errors)} 个错误，{len(report.warnings)} 个警告", file=sys.stderr)


def print_summary(report: Report, shown: int = 10) -> None:
    """What was left out and what will change by itself, so nothing disappears without a word."""
    if report.drafts:
        print(f"草稿，没有发布（{len(report.drafts)} 个）：" + "；".join(sorted(report.drafts)))
    if report.changes:
        changes = sorted(set(report.changes))
        print(f"定时变化（{len(changes)} 项，到那天要重新生成网站才会生效）：")
        for day, what in changes[:shown]:
            print(f"  {day} {what}")
        if len(changes) > shown:
            print(f"  ……另有 {len(changes) - shown} 项")
        day, what = report.next_change
        print(f"下次变化：{day}（{'；'.join(what)}）")


def run() -> None:
    """``main`` as the program: ``python build.py``, ``python -m villageboard``."""
    code = main()
    # What the build read is left for the system to take back with the process: Python's last
    # collection would walk it object by object, half a second at 10,000 notices.
    gc.freeze()
    sys.exit(code)


def check_main() -> int:
    """``villageboard-check``: the pre-commit hook, ``check`` on the repository's content/."""
    return main(["check", *sys.argv[1:]])


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")  # plain `python build.py` builds
    args = _parser().parse_args(argv)
    try:
        return _run(args.command, args)
    except KeyboardInterrupt:
        return 1
    except Exception as exc:  # a bug, not bad content: say so plainly, leave the site alone
        print(f"内部错误（程序缺陷，不是内容的问题，请把这段话发给维护人员）：{type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 1


def _build(args, today: dt.date) -> tuple[Report, int]:
    """Build, unless nothing the last build read or wrote has changed since (then at once)."""
    from villageboard.publishing import stamp
    from villageboard.publishing.writer import unsafe

    layouts = Path(__file__).resolve().parent.parent / "layouts"
    taken, seen = None, {}
    if not unsafe(args.out, args.content):
        taken = stamp.inputs(args.content, args.out, layouts, today, drafts=False, preview=False, seen=seen)
        found = stamp.unchanged(args.content, args.out, taken)
        if found:
            return found
    from villageboard import builder
    from villageboard.workers import default_jobs

    report, count = builder.build(args.content, args.out, today, layouts, jobs=args.jobs or default_jobs(), seen=seen)
    if taken and not report.errors:
        stamp.save(args.content, args.out, report, count, taken)
        before = taken.rewritten(args.content)
        if before:  # said once, by the build that publishes from the new history: the stamp now keeps its commit
            report.warning(args.content, 1, "W-HISTORY-REWRITTEN",
                           f"上次生成网站用的提交 {before[:7]} 已不在现在的 git 历史里（用了 git commit --amend、rebase，"
                           "或换了分支）：那以后改写掉的已发布内容，修订记录里不会再有原来那一版。已经发布的内容请不要改写提交，"
                           "要更正就改好后再提交一次；如果是误操作，请找维护人员用 git reflog 找回原来的提交")
    return report, count


def _run(command: str, args) -> int:
    # China's day, not the machine's: a CI runner set to UTC builds before 08:00 with yesterday's date.
    today = getattr(args, "today", None) or clock.today()
    if command == "check":
        from villageboard import builder

        report = builder.check(args.content, today).report
        print_report(report)
        if not report.errors:
            print("检查通过" + ("（有警告）" if report.warnings else ""))
        return 1 if report.errors else 0
    if command == "build":
        report, count = _build(args, today)
        print_report(report)
        if report.errors:
            print(f"没有生成：请先改正上面的错误；{args.out} 保持原样", file=sys.stderr)
            return 1
        changed = len(report.rewritten)
        rendered = f"，重新排版 {report.rendered} 个" if report.rendered < count else ""
        print(f"已生成 {count} 个页面{rendered} → {args.out}（" + (f"{changed} 个文件有变化）" if changed else
                                                                 "与上次完全相同，没有改写任何文件）"))
        print_summary(report)
        return 0
    if command == "serve":
        from villageboard.serving.serve import serve
        return serve(args.content, args.out, args.host, args.port, drafts=args.drafts, today=args.today)
    if command == "edit":
        from villageboard.edit.server import serve as edit
        return edit(args.content, args.port, today=args.today, open_browser=args.open)
    if command == "schema":
        from villageboard.schema import write
        for path in write(args.out):
            print(f"已写出 {path}")
        return 0
    if command == "new":
        from villageboard.scaffold import new
        return new(args.content, args.kind, args.title)
    return 1
