"""Model households (模范户): one YAML file each in ``content/households``.

党员中心户 are Party members who each look after a handful of neighbouring households;
星级文明户 earn up to ten named stars (the names differ by county and come from
``village.yaml``); 最美家庭, 好婆媳, 孝亲敬老 and the like are honours for a family.
A household's ``phone`` is the one field that may hold a private mobile; it is always
shown masked. Photos are re-encoded by ``images`` and never published as shot.
"""
from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from pathlib import Path

from villageboard.reading import images, markup
from villageboard.reading.assets import content_problem, located
from villageboard.reading.diagnostics import display_path
from villageboard.reading.fields import Field, Schema
from villageboard.reading.history import FileHistory
from villageboard.planning.pages import Page, Section
from villageboard.reading.privacy import digits
from villageboard.reading.sources import check_address, read_yaml, list_sources, real_path
from villageboard.kinds.withdrawn import Withdrawn, addressable, last_record, was_public

FOLDER = "households"
CENTRE = "党员中心户"
STARRED = "星级文明户"
KIND_ORDER = (CENTRE, STARRED, "最美家庭")  # shown first, in this order; other honours follow
MAX_STARS = 10
FIRST_YEAR = 1949
SCHEMA = Schema(
    name=Field("text", required=True, label="户主姓名"),
    kind=Field("text", required=True, label="类别"),
    grid=Field("count", required=True, label="网格编号"),
    since=Field("count", label="评定年份"),
    duties=Field("list", item=Field("text"), default=list, label="职责"),
    serves=Field("count", label="联系户数"),
    stars=Field("list", item=Field("text"), default=list, label="星级"),
    motto=Field("text", label="家风家训"),
    photo=Field("text", label="照片"),
    phone=Field("text", label="电话"),
    story=Field("text", label="事迹"),
)


@dataclass
class Household:
    """模范户: a household honoured by the village, with where it lives (网格)."""

    slug: str
    path: Path
    name: str
    kind: str
    grid_id: int
    history: FileHistory
    since: int | None = None
    duties: list[str] = field(default_factory=list)
    serves: int | None = None
    stars: list[str] = field(default_factory=list)
    motto: str | None = None
    phone: str | None = None
    story_html: str = ""
    photo: images.Photo | None = None
    photo_line: int = 1

    @property
    def url(self) -> str:
        return f"{FOLDER}/{self.slug}.html"

    @property
    def title(self) -> str:
        return f"{self.kind} · {self.name}"

    @property
    def published_on(self) -> dt.date | None:
        """A household has no publication date of its own: it is public from its first commit."""
        revisions = self.history.revisions
        return revisions[0].when.date() if revisions else None

    @property
    def revisions(self) -> list:
        return self.history.revised_after(self.published_on) if self.published_on else []

    @property
    def is_centre(self) -> bool:
        return self.kind == CENTRE

    @property
    def is_starred(self) -> bool:
        return self.kind == STARRED


@dataclass
class StarRow:
    name: str
    awarded: bool


def star_rows(household: Household, village_stars: list[str]) -> list[StarRow]:
    """Every star of the local scheme, awarded or not, so the count reads at a glance."""
    names = village_stars or household.stars
    return [StarRow(n, n in household.stars) for n in names]


def _read(path: Path, site) -> Household | None:
    report, village = site.report, site.village
    mark = report.mark()
    # ``phone:`` may hold a private mobile (always masked on pages); anywhere else it may not.
    read = (check_address(path, report, "E-HOUSEHOLD-FILENAME", names=("index",))
            and read_yaml(path, site, allow_phone_field=True))
    if not read:
        return None
    rec = SCHEMA.read(read[1], path, report)
    if rec is None or report.failed_since(mark):
        return None
    kind = rec["kind"].strip()
    near = difflib.get_close_matches(kind, KIND_ORDER, n=1, cutoff=0.8) if kind not in KIND_ORDER else None
    if near:  # 星级文明 or 党员中心戶 (a traditional 户) would quietly make an honour of its own
        report.warning(path, rec.line_of("kind"), "W-HOUSEHOLD-KIND",
                       f"类别 “{kind}” 是不是 “{near[0]}”？写法不同会单独成为一类；确实是另一种荣誉的话可以不管这条提示")
    if village.grid(rec["grid"]) is None and rec["grid"] not in village.refused_grids:  # else: its own error says why
        known = "、".join(str(g.id) for g in village.grids) or "（village.yaml 里还没有网格）"
        report.error(path, rec.line_of("grid"), "E-HOUSEHOLD-GRID",
                     f"没有第 {rec['grid']} 网格；village.yaml 里的网格编号是 {known}")
    since = rec["since"]
    if since is not None and not FIRST_YEAR <= since <= site.today.year:
        report.error(path, rec.line_of("since"), "E-HOUSEHOLD-SINCE",
                     f"评定年份 {since} 不对：应是 {FIRST_YEAR} 到 {site.today.year} 之间的四位年份")
    _check_stars(path, rec, kind, village.stars, report)
    _check_centre(path, rec, kind, village, report)
    phone = rec["phone"]
    if phone is not None and not 7 <= len(digits(phone)) <= 12:
        report.error(path, rec.line_of("phone"), "E-HOUSEHOLD-PHONE",
                     f"电话 “{phone}” 不像电话号码：手机写 11 位数字，座机写区号-号码")
    photo = _photo(path, rec, site) if rec["photo"] else None
    story_html = ""
    if rec["story"]:
        story_html = markup.render(rec["story"], path, rec.text_line("story"), site.assets, report,
                                   site.village.public_phones)
    if report.failed_since(mark):
        return None
    return Household(
        slug=path.stem, path=path, name=rec["name"], kind=kind, grid_id=rec["grid"],
        history=site.history.of(path), since=since, duties=rec["duties"], serves=rec["serves"],
        stars=rec["stars"], motto=rec["motto"], phone=phone, story_html=story_html, photo=photo,
        photo_line=rec.line_of("photo") if photo else 1)


def _check_stars(path: Path, rec, kind: str, names: list[str], report) -> None:
    stars, lines = rec["stars"], rec.item_lines.get("stars", [])
    if stars and kind != STARRED:
        report.error(path, rec.line_of("stars"), "E-HOUSEHOLD-STARS",
                     f"只有星级文明户评星；这一户的类别是 “{kind}”，请删去 stars 或把 kind 改为 {STARRED}")
        return
    if kind == STARRED and not stars:
        report.error(path, rec.line_of("kind"), "E-HOUSEHOLD-STARS",
                     "星级文明户要写明评上了哪几颗星，例如 stars: [爱国星, 诚信星]")
        return
    seen: set[str] = set()
    for star, line in zip(stars, lines):
        if star in seen:
            report.error(path, line, "E-HOUSEHOLD-STAR-DUPLICATE", f"“{star}” 写了两次")
        seen.add(star)
        if names and star not in names:
            near = difflib.get_close_matches(star, names, n=1, cutoff=0.3)
            hint = f"，是不是 “{near[0]}”？" if near else ""
            report.error(path, line, "E-HOUSEHOLD-STAR",
                         f"本村没有 “{star}”{hint}星名要用 village.yaml 里 stars 列出的：{'、'.join(names)}")
    if len(seen) > MAX_STARS:
        report.error(path, rec.line_of("stars"), "E-HOUSEHOLD-STARS",
                     f"写了 {len(seen)} 颗星，十星级文明户最多 {MAX_STARS} 颗")


def _check_centre(path: Path, rec, kind: str, village, report) -> None:
    serves = rec["serves"]
    if kind != CENTRE:
        if serves is not None or rec["duties"]:
            key = "serves" if serves is not None else "duties"
            report.error(path, rec.line_of(key), "E-HOUSEHOLD-CENTRE",
                         f"“{key}” 只用于党员中心户；这一户的类别是 “{kind}”")
        return
    if serves is None:
        report.error(path, rec.line_of("kind"), "E-HOUSEHOLD-SERVES",
                     "党员中心户要写联系多少户，例如 serves: 8（只写户数，不写名单）")
        return
    grid = village.grid(rec["grid"])
    if serves == 0 or (grid is not None and serves > grid.households):
        limit = f"，第 {grid.id} 网格只有 {grid.households} 户" if grid else ""
        report.error(path, rec.line_of("serves"), "E-HOUSEHOLD-SERVES",
                     f"联系户数 {serves} 不对{limit}")


def _photo(path: Path, rec, site) -> images.Photo | None:
    """Check the photo like an attachment (a plain name, inside content/, present, a picture that is
    what its suffix says: the gate of ``assets``) and open it. Not ``site.assets.add``: a photo is
    published as its variants under photos/, never as a file of its own."""
    report, target, line = site.report, rec["photo"], rec.line_of("photo")
    found = located(site.content.resolve(), target, path, line, report, images.PHOTO_TYPES, "照片")
    if found is None:
        return None
    resolved, rel = found
    problem = content_problem(resolved)  # decodes it whole, as open_photo would, and compares with the suffix
    if problem:
        report.error(path, line, "E-HOUSEHOLD-PHOTO", f"照片 “{target}” {problem}")
        return None
    return images.open_photo(resolved, "photos/" + rel.with_suffix("").as_posix(), f"{rec['name']}家的照片")


def _sort_key(h: Household):
    rank = KIND_ORDER.index(h.kind) if h.kind in KIND_ORDER else len(KIND_ORDER)
    return (rank, h.kind, h.grid_id, h.slug)


def load(site) -> None:
    folder = site.content / FOLDER
    found = [_read(p, site) for p in list_sources(folder, (".yaml", ".yml"), site)]
    site.households = sorted((h for h in found if h is not None), key=_sort_key)
    site.households_withdrawn = [w for suffix in (".yaml", ".yml") for d in site.history.deleted_in(folder, suffix)
                                 if (w := _withdrawn(d, site))]
    first: dict[tuple, Household] = {}
    for h in site.households:
        same = first.setdefault((h.name, h.kind, h.grid_id), h)
        if same is not h:
            site.report.warning(h.path, 1, "W-HOUSEHOLD-DUPLICATE",
                                f"和 {same.path.name} 是同一户（户主、类别、网格都相同），网站上会列两次；"
                                "是同一户的话请删掉一个文件")
    for grid in site.village.grids:
        placed = len(in_grid(site, grid.id))
        if placed > grid.households:  # its page would say 户数 1 户 above two model households
            site.report.warning(site.content / "village.yaml", grid.line, "W-GRID-HOUSEHOLDS",
                                f"第 {grid.id} 网格（{grid.name}）写的是 {grid.households} 户，可模范户里有 {placed} 户"
                                "在这个网格；请核对网格的户数")
    _one_photo_per_address(site.households, site.report)


def _withdrawn(deletion, site) -> Withdrawn | None:
    """A household whose file is gone (撤下): an honour is not taken off the board without a word.
    Published from its first commit: a household has no publication date of its own."""
    rec = last_record(deletion, SCHEMA, site, phone_field=True)
    if not rec or not rec["name"] or not rec["kind"] or any(h.slug == deletion.path.stem for h in site.households) \
            or not addressable(deletion, "E-HOUSEHOLD-FILENAME", names=("index",)):
        return None
    # Renamed (git mv wang-dahai.yaml wang-dahai-jia.yaml): the household is at its new address.
    moved_to = site.history.moved_to(deletion)
    moved = next((h for h in site.households if real_path(h.path) == moved_to), None) if moved_to is not None else None
    revisions = site.history.of(deletion.path).revisions
    published = revisions[0].when.date() if revisions else deletion.removed.when.date()
    if not was_public(published, deletion, site.today):
        return None
    return Withdrawn(FOLDER, "模范户", deletion.path.stem, deletion.path, f"{rec['kind'].strip()} · {rec['name']}",
                     published, published, deletion.removed, moved, what="这一户的模范户公示",
                     index_url=f"{FOLDER}/index.html")


def _one_photo_per_address(households: list[Household], report) -> None:
    """A photo is published under its name without the suffix: one family photo for two honours is
    published once, but zhou.jpg and zhou.png, two pictures, would land on one address."""
    first: dict[str, Household] = {}
    for h in sorted(households, key=lambda h: str(h.path)):
        if h.photo is None:
            continue
        other = first.setdefault(h.photo.base, h)
        if other is h or _same_picture(other.photo._source, h.photo._source):
            continue
        report.error(h.path, h.photo_line, "E-OUTPUT-COLLISION",
                     f"这里的照片 {display_path(h.photo._source)} 和 {display_path(other.path)} 第 {other.photo_line} 行的照片 "
                     f"{display_path(other.photo._source)} 不是同一张，却要发布到同一个网址 {h.photo.base}-…"
                     "（网址里不带 .jpg、.png 这样的扩展名）；请给其中一张照片改个名字")


def _same_picture(one: Path, other: Path) -> bool:
    return one.resolve() == other.resolve() or one.read_bytes() == other.read_bytes()


def in_grid(site, grid_id: int) -> list[Household]:
    return [h for h in site.households if h.grid_id == grid_id]


def by_kind(households: list[Household]) -> list[tuple[str, list[Household]]]:
    groups: dict[str, list[Household]] = {}
    for h in households:
        groups.setdefault(h.kind, []).append(h)
    return list(groups.items())


def sections(site) -> list[Section]:
    if not site.households and not site.households_withdrawn:
        return []
    return [Section("households", "模范户", f"{FOLDER}/index.html", "党员中心户、星级文明户、最美家庭", 50)]


def files(site) -> list[tuple[str, bytes]]:
    # One picture shown by two households (a family photo for two honours) is published once.
    photos = {h.photo.base: h.photo for h in site.households if h.photo}
    return [f for photo in photos.values() for f in photo.files()]


def pages(site):
    households, withdrawn = site.households, site.households_withdrawn
    if not households and not withdrawn:
        return
    stars = site.village.stars
    removed = [w for w in withdrawn if not w.moved_to]  # a renamed one is listed under its new name
    yield Page(f"{FOLDER}/index.html", "households.html", "模范户",
               {"groups": by_kind(households), "stars": stars, "withdrawn": removed},
               [h.path for h in households] + [w.path for w in removed])
    for gone in withdrawn:
        yield Page(gone.url, "withdrawn.html", gone.title, {"item": gone}, [gone.path])
    for h in households:
        grid = site.village.grid(h.grid_id)
        yield Page(h.url, "household.html", h.title,
                   {"household": h, "grid": grid, "star_rows": star_rows(h, stars)}, [h.path])
