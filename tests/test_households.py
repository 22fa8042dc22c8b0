"""模范户 and grids: fields, stars, masked phones, cleaned photos, and households per grid."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from villageboard.planning import site as site_module

from conftest import DEMO, TODAY, faulty_exif, run_cli

CENTRE = """\
name: 姚锡飞
kind: 党员中心户
grid: 2
since: 2019
duties: [政策宣讲员, 民情收集员]
serves: 8
phone: 13800001234
story: |
  退伍军人。
"""
STARRED = """\
name: 王大海
kind: 星级文明户
grid: 3
stars: [爱国星, 守法星]
"""


def load(content: Path, today: str = TODAY):
    return site_module.load(content, dt.date.fromisoformat(today))


def write(content: Path, text: str, name: str = "test-house.yaml") -> Path:
    path = content / "households" / name
    path.write_text(text, encoding="utf-8")
    return path


def errors(site) -> list[tuple[str, int, str]]:
    return [(Path(d.path).name, d.line, d.code) for d in site.report.errors]


# --- Rules ------------------------------------------------------------------------

def test_valid_households_are_clean(demo_copy):
    write(demo_copy, CENTRE)
    write(demo_copy, STARRED, "test-star.yaml")
    assert errors(load(demo_copy)) == []


@pytest.mark.parametrize("text, line, code", [
    (CENTRE.replace("grid: 2", "grid: 9"), 3, "E-HOUSEHOLD-GRID"),
    (STARRED.replace("守法星", "守法星星"), 4, "E-HOUSEHOLD-STAR"),
    (STARRED.replace("守法星", "爱国星"), 4, "E-HOUSEHOLD-STAR-DUPLICATE"),
    (STARRED.replace("星级文明户", "最美家庭"), 4, "E-HOUSEHOLD-STARS"),
    (STARRED.replace("stars: [爱国星, 守法星]\n", ""), 2, "E-HOUSEHOLD-STARS"),
    (CENTRE.replace("serves: 8\n", ""), 2, "E-HOUSEHOLD-SERVES"),
    (CENTRE.replace("serves: 8", "serves: 40"), 6, "E-HOUSEHOLD-SERVES"),
    (CENTRE.replace("党员中心户", "好婆媳"), 6, "E-HOUSEHOLD-CENTRE"),
    (CENTRE.replace("since: 2019", "since: 19"), 4, "E-HOUSEHOLD-SINCE"),
    (CENTRE.replace("phone: 13800001234", "phone: 12345"), 7, "E-HOUSEHOLD-PHONE"),
    (CENTRE.replace("退伍军人。", "退伍军人，手机 13800001234。"), 9, "E-PRIVACY-PHONE"),
    (CENTRE.replace("since: 2019", "sine: 2019"), 4, "E-YAML-UNKNOWN-KEY"),
    (CENTRE + "photo: ../village.yaml\n", 10, "E-ASSET-TYPE"),
    (CENTRE + "photo: ../../outside.jpg\n", 10, "E-ASSET-OUTSIDE"),
    (CENTRE + "photo: nope.jpg\n", 10, "E-ASSET-MISSING"),
    (CENTRE + "photo: broken.jpg\n", 10, "E-HOUSEHOLD-PHOTO"),
    (CENTRE + "photo: saomiao.jpg\n", 10, "E-HOUSEHOLD-PHOTO"),  # a TIFF named .jpg, as the gate refuses elsewhere
    (CENTRE + "photo: \"yao\\u202egpj.jpg\"\n", 10, "E-ASSET-NAME"),  # a right-to-left override copied in with the name
])
def test_each_rule_points_at_file_and_line(demo_copy, text, line, code):
    (demo_copy / "households" / "broken.jpg").write_bytes(b"not a picture at all")
    Image.new("RGB", (40, 30)).save(demo_copy / "households" / "saomiao.jpg", "TIFF")
    (demo_copy / "households" / "yao\u202egpj.jpg").write_bytes((demo_copy / "households" / "yao.jpg").read_bytes())
    write(demo_copy, text)
    found = errors(load(demo_copy))
    assert ("test-house.yaml", line, code) in found, found


def test_phone_field_is_the_only_place_for_a_mobile(demo_copy):
    write(demo_copy, CENTRE)
    assert errors(load(demo_copy)) == []
    write(demo_copy, CENTRE.replace("name: 姚锡飞", "name: 姚锡飞 13800001234"))
    assert ("test-house.yaml", 1, "E-PRIVACY-PHONE") in errors(load(demo_copy))


def test_check_reports_an_unknown_grid(demo_copy):
    write(demo_copy, CENTRE.replace("grid: 2", "grid: 9"))
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert re.search(r"households/test-house\.yaml:3: 错误：没有第 9 网格；village\.yaml 里的网格编号是 1、2、3 \[E-HOUSEHOLD-GRID\]",
                     done.stderr)


# --- Pages ------------------------------------------------------------------------

def test_phones_are_masked_everywhere(built_demo):
    page = (built_demo / "households" / "yao-xifei.html").read_text(encoding="utf-8")
    assert "138****1234" in page
    for path in built_demo.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".xml", ".txt", ".csv"):
            assert "13800001234" not in path.read_text(encoding="utf-8", errors="replace"), path


def test_public_phone_is_shown_whole(demo_copy, tmp_path):
    write(demo_copy, CENTRE.replace("13800001234", "0570-7281234"))
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY).returncode == 0
    assert 'href="tel:0570-7281234"' in (out / "households" / "test-house.html").read_text(encoding="utf-8")


def test_party_member_centre_shows_duties_and_households_served(built_demo):
    html = (built_demo / "households" / "yao-xifei.html").read_text(encoding="utf-8")
    for text in ("党员中心户", "联系 8 户", "政策宣讲员", "困难帮扶员", "第2网格 · 中溪片", "2019年"):
        assert text in html, text


def test_stars_are_shown_by_name_awarded_or_not(built_demo):
    ten = (built_demo / "households" / "li-shufen.html").read_text(encoding="utf-8")
    assert "10 星（十星级）" in ten and ten.count('class="won"') == 10
    seven = (built_demo / "households" / "wang-dahai.html").read_text(encoding="utf-8")
    assert seven.count('class="won"') == 7 and seven.count('class="not-won"') == 3
    assert re.search(r'class="not-won"><span class="star" aria-hidden="true">☆</span>新风星<span class="star-state">未评上', seven)
    listing = (built_demo / "households" / "index.html").read_text(encoding="utf-8")
    assert "★★★★★★★</span> 7 星" in listing and "最美家庭（1）" in listing


def test_grids_list_their_model_households(built_demo):
    two = (built_demo / "grids" / "2.html").read_text(encoding="utf-8")
    assert "姚锡飞" in two and "周建华家" in two and "王大海" not in two
    one = (built_demo / "grids" / "1.html").read_text(encoding="utf-8")
    assert "1 户，共联系 7 户" in one and "李淑芬家" in one
    overview = (built_demo / "grids" / "index.html").read_text(encoding="utf-8")
    assert "模范户 3 户" in overview and "模范户 2 户" in overview


# --- Photos -----------------------------------------------------------------------

def test_camera_files_are_never_published(built_demo):
    originals = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (DEMO / "households").glob("*.jpg")}
    published = {hashlib.sha256(p.read_bytes()).hexdigest() for p in built_demo.rglob("*") if p.is_file()}
    assert not originals & published
    assert not (built_demo / "files" / "households").exists()


def test_photos_are_upright_small_and_without_metadata(built_demo):
    source = Image.open(DEMO / "households" / "yao.jpg")
    assert source.getexif().get(0x0112) == 6 and source.getexif().get_ifd(0x8825)  # the test really has GPS
    variants = sorted((built_demo / "photos" / "households").glob("yao-*"))
    assert [p.name for p in variants] == ["yao-1080.jpg", "yao-1080.webp", "yao-320.jpg", "yao-320.webp",
                                          "yao-640.jpg", "yao-640.webp"]
    for path in variants:
        data = path.read_bytes()
        assert len(data) < 100 * 1024, path
        img = Image.open(io.BytesIO(data))
        assert len(img.getexif()) == 0, path
        assert "exif" not in img.info and "icc_profile" not in img.info and "xmp" not in img.info
        assert b"GPS" not in data and b"DemoPhone" not in data
        width = int(path.stem.split("-")[1])
        assert img.size == (width, width * 3 // 4)  # stored 1200x1600 sideways; upright it is 4:3 landscape
        r, g, b = img.convert("RGB").getpixel((img.width // 2, 2))
        assert b > r and b > g  # sky on top: the picture was turned the right way


def test_a_photo_with_a_faulty_exif_entry_is_published_upright(demo_copy, tmp_path):
    faulty_exif(demo_copy / "households" / "yao.jpg")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0 and "内部错误" not in done.stderr, done.stderr
    with Image.open(out / "photos" / "households" / "yao-20.jpg") as published:
        assert published.size == (20, 40) and not published.getexif()  # stood up; nothing of the EXIF kept


@pytest.mark.parametrize("first, second", [("zhou.jpg", "zhou.jpg"), ("img/zhou.jpg", "'img\\zhou.jpg'")],
                         ids=["one family photo for two honours", "the same photo written with either slash"])
def test_one_photo_shown_by_two_households_is_published_once(demo_copy, tmp_path, first, second):
    households = demo_copy / "households"
    if first.startswith("img/"):
        (households / "img").mkdir()
        (households / "zhou.jpg").rename(households / "img" / "zhou.jpg")
    zhou = (households / "zhou-jianhua.yaml").read_text(encoding="utf-8")
    write(demo_copy, zhou.replace("photo: zhou.jpg", f"photo: {first}"), "zhou-jianhua.yaml")
    write(demo_copy, zhou.replace("周建华", "周建国").replace("photo: zhou.jpg", f"photo: {second}"), "zhou-jianguo.yaml")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr  # it stopped with six E-OUTPUT-COLLISION naming no file
    folder = "img/" if first.startswith("img/") else ""
    for page in ("zhou-jianhua", "zhou-jianguo"):
        html = (out / "households" / f"{page}.html").read_text(encoding="utf-8")
        assert f'<img src="../photos/households/{folder}zhou-640.jpg"' in html
    assert (out / "photos" / "households" / f"{folder}zhou-640.jpg").is_file()


def test_two_different_photos_bound_for_one_address_name_both_households(demo_copy):
    households = demo_copy / "households"
    Image.new("RGB", (400, 300), (200, 30, 30)).save(households / "zhou.png")
    zhou = (households / "zhou-jianhua.yaml").read_text(encoding="utf-8")
    write(demo_copy, zhou.replace("周建华", "周建国").replace("photo: zhou.jpg", "photo: zhou.png"), "zhou-jianguo.yaml")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 1
    located = re.findall(r"^(.+?):(\d+): 错误：(.+) \[E-OUTPUT-COLLISION\]$", done.stderr, re.M)
    assert [(Path(p).name, int(l)) for p, l, _ in located] == [("zhou-jianhua.yaml", 6)], done.stderr
    assert "zhou-jianguo.yaml 第 6 行" in located[0][2] and "zhou.png" in located[0][2]


def test_pages_use_srcset_with_sizes(built_demo):
    html = (built_demo / "households" / "yao-xifei.html").read_text(encoding="utf-8")
    assert 'srcset="../photos/households/yao-320.webp 320w, ../photos/households/yao-640.webp 640w, ' \
           '../photos/households/yao-1080.webp 1080w"' in html
    assert re.search(r'<img src="\.\./photos/households/yao-640\.jpg" sizes="[^"]+" srcset="[^"]+" '
                     r'width="640" height="480" alt="姚锡飞家的照片"', html)
    kiosk = (built_demo / "kiosk" / "households" / "yao-xifei.html").read_text(encoding="utf-8")
    assert "../../photos/households/yao-1080.jpg 1080w" in kiosk


def test_slips_that_would_publish_a_wrong_list_are_warned_where_they_were_made(demo_copy):
    """A kind one character off makes an honour of its own, a file copied and left lists a family
    twice, and a grid's page says 户数 1 户 above two model households: each builds, with a warning
    at its line."""
    households = demo_copy / "households"
    (households / "liu-xiumei-2.yaml").write_text((households / "liu-xiumei.yaml").read_text(encoding="utf-8"),
                                                  encoding="utf-8")
    zhou = households / "zhou-jianhua.yaml"
    zhou.write_text(zhou.read_text(encoding="utf-8").replace("kind: 最美家庭", "kind: 最美家庭户"), encoding="utf-8")
    village = demo_copy / "village.yaml"
    text = village.read_text(encoding="utf-8")
    village.write_text(text.replace("{id: 3, name: 下溪片, leader: 王春生, households: 28}",
                                    "{id: 3, name: 下溪片, leader: 王春生, households: 1}"), encoding="utf-8")
    grid_line = next(i for i, l in enumerate(text.split("\n"), 1) if "下溪片" in l)
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    found = sorted((Path(p).name, int(n), code) for p, n, code in
                   re.findall(r"^(.+?):(\d+): 警告：.+ \[(W-(?:HOUSEHOLD|GRID)-[A-Z-]+)\]$", done.stderr, re.M))
    assert found == sorted([("liu-xiumei-2.yaml", 1, "W-HOUSEHOLD-DUPLICATE"), ("village.yaml", grid_line, "W-GRID-HOUSEHOLDS"),
                            ("village.yaml", 5, "W-GRID-TOTAL"), ("zhou-jianhua.yaml", 2, "W-HOUSEHOLD-KIND")]), done.stderr
    assert "是不是 “最美家庭”" in done.stderr and "和 liu-xiumei.yaml 是同一户" in done.stderr
    assert "第 3 网格（下溪片）写的是 1 户，可模范户里有 3 户" in done.stderr


def test_a_grid_written_with_an_error_is_not_also_called_missing_by_its_households(demo_copy):
    """A grid line with its leader left out was refused at its own line, and then every household of
    the grid said 没有第 3 网格 — a grid the clerk can see in village.yaml — sending them to look for
    mistakes in the wrong files."""
    village = demo_copy / "village.yaml"
    village.write_text(village.read_text(encoding="utf-8").replace("name: 下溪片, leader: 王春生, ", "name: 下溪片, "),
                       encoding="utf-8")
    found = errors(load(demo_copy))
    assert found == [("village.yaml", 16, "E-YAML-MISSING-KEY")], found
    write(demo_copy, CENTRE.replace("grid: 2", "grid: 9"))  # a grid that is nowhere is still said
    assert ("test-house.yaml", 3, "E-HOUSEHOLD-GRID") in errors(load(demo_copy))
