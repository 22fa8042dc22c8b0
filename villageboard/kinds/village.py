"""The village itself (村情): ``content/village.yaml`` and its grids (网格)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from villageboard.reading.diagnostics import Report
from villageboard.reading.fields import Field, Schema
from villageboard.reading.sources import read_text
from villageboard.reading import privacy, strictyaml

# The kiosk's last COUNTDOWN seconds are a warning; less than MIN_IDLE leaves no time to
# read a notice, more than MAX_IDLE leaves the last villager's page for the next one.
COUNTDOWN, MIN_IDLE, MAX_IDLE = 20, 30, 600


def countdown(idle_seconds: int) -> int:
    """The warning never covers more than a third of the idle time: a reader keeps two thirds to read."""
    return min(COUNTDOWN, idle_seconds // 3)


def _idle_range(seconds: int):
    if MIN_IDLE <= seconds <= MAX_IDLE:
        return None
    return ("E-KIOSK-IDLE", f"kiosk.idle_seconds 写的是 {seconds}，应在 {MIN_IDLE} 到 {MAX_IDLE} 秒之间"
                            f"（无人操作多久后回到首页；最后 {COUNTDOWN} 秒、最多三分之一的时间显示倒计时）")


UNSAFE_URL_RE = re.compile(r"[\s\"'<>\\`{}|^?#\x00-\x1f\x7f]")  # \s covers the full-width space too


def _base_url(text: str):
    """Every QR code, feed and sitemap carries this address: only a plain web address may stand."""
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed [ of an IPv6 address
        host = None
    if host and parts.scheme in ("http", "https") and not UNSAFE_URL_RE.search(text):
        if parts.username is not None or parts.password is not None:
            # Whatever stands before the @ is printed in every QR code, the feed and the sitemap.
            return ("E-VILLAGE-BASE-URL", "base_url 里带了用户名或密码（@ 前面的部分），它会印进每个二维码、"
                                          "订阅和网站地图，谁都看得到；请删掉 @ 和它前面的部分，"
                                          f"写成 {parts._replace(netloc=parts.netloc.rpartition('@')[2]).geturl()[:80]}")
        if "." in parts.path.rpartition("/")[2]:
            # Every page's address is appended to this one: a page's address cannot stand behind a page.
            folder = parts._replace(path=parts.path.rpartition("/")[0] + "/").geturl()
            return ("E-VILLAGE-BASE-URL", f"base_url 的最后一段 “{parts.path.rpartition('/')[2][:40]}” 像是一个文件（网页）"
                                          "的名字；这里要写网站所在文件夹的地址，以 / 结尾，"
                                          f"例如 {folder[:80]}")
        return None
    return ("E-VILLAGE-BASE-URL", "base_url 应是网站的完整地址：以 http:// 或 https:// 开头，不含空格、引号、"
                                  f"< > 和 ?#，例如 https://cunwu.example.org/qingxi/；写的是 “{text[:80]}”")


def _folder(base_url: str | None) -> str | None:
    """The address as a clerk means it: ``//qingxi//`` is the folder ``/qingxi/``.

    A doubled slash is a slip of the keyboard, and web servers mostly serve such an address
    anyway; printed in the QR codes it would still be a second address of every page.
    """
    if not base_url:
        return base_url
    parts = urlsplit(base_url)
    return parts._replace(path=re.sub(r"/{2,}", "/", parts.path)).geturl()


GRID = Schema(
    id=Field("count", required=True, label="网格编号"),
    name=Field("text", required=True, label="网格名称"),
    leader=Field("text", required=True, label="网格长"),
    households=Field("count", required=True, label="户数"),
)
SCHEMA = Schema(
    name=Field("text", required=True, label="村名"),
    township=Field("text", required=True, label="乡镇"),
    county=Field("text", required=True, label="县（市、区）"),
    households=Field("count", required=True, label="户数"),
    population=Field("count", required=True, label="人口"),
    base_url=Field("text", label="网站地址", check=lambda text: _base_url(text)),
    service_centre=Field("map", schema=Schema(
        address=Field("text"), hours=Field("text"), phone=Field("text"))),
    supervision_phone=Field("text", label="监督电话"),
    grids=Field("list", item=Field("map", schema=GRID), default=list),
    kiosk=Field("map", schema=Schema(
        idle_seconds=Field("count", default=90, check=_idle_range),
        orientation=Field("choice", choices=("portrait", "landscape"), default="portrait"))),
    public_phones=Field("list", item=Field("text"), default=list),
    accounting=Field("choice", choices=("2004", "2023"), default="2023"),
    stars=Field("list", item=Field("text"), default=list),
)


@dataclass
class Grid:
    """网格: a management unit of the village with its leader (网格长)."""

    id: int
    name: str
    leader: str
    households: int
    line: int = 1

    @property
    def url(self) -> str:
        return f"grids/{self.id}.html"


@dataclass
class Village:
    """村情: name, place, contacts and grids, from ``village.yaml``."""

    path: Path
    name: str
    township: str
    county: str
    households: int
    population: int
    base_url: str | None = None
    service_address: str | None = None
    service_hours: str | None = None
    service_phone: str | None = None
    supervision_phone: str | None = None
    grids: list[Grid] = field(default_factory=list)
    idle_seconds: int = 90
    orientation: str = "portrait"
    public_phones: frozenset[str] = frozenset()
    accounting: str = "2023"
    stars: list[str] = field(default_factory=list)
    refused: frozenset[str] = frozenset()  # keys written but refused: not to be called missing as well
    refused_grids: set[int] = field(default_factory=set)  # grids written with an error: not to be called missing

    @property
    def countdown(self) -> int:
        """Seconds of the kiosk's idle warning before it returns home."""
        return countdown(self.idle_seconds)

    def grid(self, grid_id: int) -> Grid | None:
        return next((g for g in self.grids if g.id == grid_id), None)

    def phone_url(self, site_path: str) -> str | None:
        """The absolute phone address of a page, for QR codes and feeds."""
        return f"{self.base_url.rstrip('/')}/{site_path}" if self.base_url else None


def load(content: Path, report: Report) -> Village | None:
    path = content / "village.yaml"
    if not path.is_file():
        report.error(path, 1, "E-VILLAGE-MISSING", "找不到 village.yaml（村名、网格等基本信息），请先建立它")
        return None
    source = read_text(path, report)
    if source is None:
        return None
    rec = SCHEMA.read(strictyaml.load(source.text, path, report), path, report)
    if rec is None or any(k not in rec.values for k in ("name", "township", "county", "households", "population")):
        return None
    public = frozenset(rec["public_phones"])
    privacy.scan(path, source.text, report, public)
    centre = rec["service_centre"]
    kiosk = rec["kiosk"]
    village = Village(
        path=path, name=rec["name"], township=rec["township"], county=rec["county"],
        households=rec["households"], population=rec["population"], base_url=_folder(rec["base_url"]),
        service_address=centre and centre["address"], service_hours=centre and centre["hours"],
        service_phone=centre and centre["phone"], supervision_phone=rec["supervision_phone"],
        idle_seconds=kiosk["idle_seconds"] if kiosk else 90,
        orientation=kiosk["orientation"] if kiosk else "portrait",
        public_phones=public, accounting=rec["accounting"], stars=rec["stars"], refused=frozenset(rec.refused),
    )
    seen: dict[int, int] = {}
    for g in rec["grids"]:
        if any(g[k] is None for k in ("id", "name", "leader", "households")):
            if g["id"] is not None:
                village.refused_grids.add(g["id"])
            continue
        if g["id"] in seen:
            report.error(path, g.line, "E-GRID-DUPLICATE", f"网格编号 {g['id']} 重复（第 {seen[g['id']]} 行已用过）")
            continue
        seen[g["id"]] = g.line
        village.grids.append(Grid(g["id"], g["name"], g["leader"], g["households"], g.line))
    total = sum(g.households for g in village.grids)
    if village.grids and total != village.households:
        report.warning(path, rec.line_of("households"), "W-GRID-TOTAL",
                       f"各网格户数合计 {total} 户，与全村 {village.households} 户不一致")
    return village
