"""A PDF is published with its pages alone: no author, no XMP, no embedded file, no photo's GPS or
camera, nothing appended; and a personal number in its text stops the build as one in a notice does.
Before, a PDF reached the site byte for byte, whatever it carried."""
from __future__ import annotations

import io
import re

import pikepdf
import pypdfium2
from PIL import Image

from conftest import TODAY, run_cli, tree_digest

GPS, MAKE = 0x8825, 0x010F
SECRET = "LEAKMARK"  # written into every place a PDF can carry something besides its pages
ID_NUMBER = "330824198001011234"


def _camera_jpeg() -> bytes:
    exif = Image.Exif()
    exif[MAKE] = f"{SECRET}-Phone"
    exif.get_ifd(GPS).update({1: "N", 2: (30.0, 15.0, 12.5), 3: "E", 4: (120.0, 5.0, 40.0)})
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), (30, 120, 200)).save(buffer, "JPEG", exif=exif.tobytes(), comment=SECRET.encode())
    return buffer.getvalue() + f"{SECRET} appended".encode()  # bytes after the picture's end, as some apps leave


def _pdf(path, text: str) -> None:
    """A one-page PDF showing ``text`` and a phone photo, carrying everything a scanner app or Word leaves."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    photo = pdf.make_stream(_camera_jpeg(), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=80, Height=60,
                            ColorSpace=pikepdf.Name.DeviceRGB, BitsPerComponent=8, Filter=pikepdf.Name.DCTDecode)
    photo.Metadata = pdf.make_stream(f"<x:xmpmeta>{SECRET} photo xmp</x:xmpmeta>".encode())
    page = pdf.pages[0]
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font), XObject=pikepdf.Dictionary(Im1=photo))
    page.obj.Contents = pdf.make_stream(f"BT /F1 14 Tf 50 760 Td ({text}) Tj ET q 240 180 0 0 50 500 cm /Im1 Do Q"
                                        .replace("240 180 0 0", "240 0 0 180").encode())
    pdf.docinfo["/Author"] = f"{SECRET} author"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [f"{SECRET} xmp"]
    pdf.attachments["secret.txt"] = pikepdf.AttachedFileSpec(pdf, f"{SECRET} embedded file".encode())
    pdf.save(path)


def _page_text(data: bytes) -> str:
    pdf = pypdfium2.PdfDocument(data)
    try:
        return "".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def _notice(content, body: str, attachments: str = "[]") -> None:
    (content / "affairs" / "2026-mingdan.md").write_text(
        f"---\ntitle: 名单公示\ndate: 2026-11-01\nattachments: {attachments}\n---\n{body}\n", encoding="utf-8")


def test_a_published_pdf_carries_its_pages_alone(demo_copy, tmp_path, monkeypatch):
    _pdf(demo_copy / "affairs" / "mingdan.pdf", "Subsidy list: 79 households")
    _pdf(demo_copy / "affairs" / "fujian.pdf", "Meeting record")
    source = (demo_copy / "affairs" / "mingdan.pdf").read_bytes()
    assert source.count(SECRET.encode()) >= 4 and b"Exif" in source  # the source really carries them
    _notice(demo_copy, "分户名单见[这里](mingdan.pdf)。", "[fujian.pdf]")  # linked from the body, and attached
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0, done.stderr
    for name in ("mingdan.pdf", "fujian.pdf"):
        published = (out / "files" / "affairs" / name).read_bytes()
        assert SECRET.encode() not in published, name
        with pikepdf.open(io.BytesIO(published)) as pdf:
            assert "/Info" not in pdf.trailer and "/Metadata" not in pdf.Root and not pdf.attachments
            streams = [o for o in pdf.objects if isinstance(o, pikepdf.Stream)]
            # Nothing hides in a compressed stream either (an embedded file's is compressed).
            assert not [o for o in streams if o.get("/Subtype") != "/Image" and SECRET.encode() in o.read_bytes()]
            (photo,) = [o for o in streams if o.get("/Subtype") == "/Image"]
            assert "/Metadata" not in photo
            with Image.open(io.BytesIO(photo.read_raw_bytes())) as image:
                assert image.size == (80, 60) and not image.getexif() and "comment" not in image.info
        # What a villager reads is all still there.
        assert _page_text(published) == _page_text((demo_copy / "affairs" / name).read_bytes())
    # A cleaned PDF comes out the same, to the byte, on a build that starts afresh: nothing changes for nothing.
    before = tree_digest(out)
    monkeypatch.setenv("VILLAGEBOARD_CACHE", str(tmp_path / "fresh-cache"))
    again = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert again.returncode == 0, again.stderr
    assert tree_digest(out) == before


def test_a_personal_number_in_a_pdf_stops_the_build_at_the_pdf(demo_copy, tmp_path):
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY).returncode == 0
    before = tree_digest(out)
    _pdf(demo_copy / "affairs" / "mingdan.pdf", f"Wang  ID {ID_NUMBER}  Tel 139 1234 5678")
    _notice(demo_copy, "正文。", "[mingdan.pdf]")
    for command in (["check"], ["build", "--out", str(out)]):
        done = run_cli(*command, "--content", str(demo_copy), "--today", TODAY)
        assert done.returncode == 1
        found = re.findall(r"^(.+?):(\d+): 错误：(.+) \[(E-PRIVACY-[A-Z]+)\]$", done.stderr, re.M)
        assert [(path.endswith("affairs/mingdan.pdf"), line, code) for path, line, _, code in found] == \
            [(True, "1", "E-PRIVACY-ID"), (True, "1", "E-PRIVACY-PHONE")], done.stderr
        assert all("第 1 页" in message for _, _, message, _ in found)
        assert ID_NUMBER not in done.stderr + done.stdout
    assert tree_digest(out) == before  # the last good site, untouched
    # An office line listed in public_phones may stand in a PDF as in any text.
    village = demo_copy / "village.yaml"
    _pdf(demo_copy / "affairs" / "mingdan.pdf", "Village office 139 1234 5678")
    village.write_text(village.read_text(encoding="utf-8").replace("public_phones:", "public_phones:\n  - \"13912345678\"", 1),
                       encoding="utf-8")
    done = run_cli("check", "--content", str(demo_copy), "--today", TODAY)
    assert done.returncode == 0, done.stderr


def test_a_pdf_that_cannot_be_opened_is_published_as_it_is_with_a_warning_never_an_internal_error(demo_copy, tmp_path):
    """One with an opening password ended the build in 内部错误 (pikepdf's PasswordError). Neither it nor
    a damaged one can be checked or copied: the clerk is told so, at the line that links it."""
    source = tmp_path / "plain.pdf"
    _pdf(source, "Meeting record")
    with pikepdf.open(source) as pdf:
        pdf.save(demo_copy / "affairs" / "mima.pdf", encryption=pikepdf.Encryption(user="1234", owner="5678"))
    (demo_copy / "affairs" / "sunhuai.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 8)
    _notice(demo_copy, "会议记录见[这里](mima.pdf)。\n\n名单见[这里](sunhuai.pdf)。")
    out = tmp_path / "site"
    done = run_cli("build", "--content", str(demo_copy), "--out", str(out), "--today", TODAY)
    assert done.returncode == 0 and "内部错误" not in done.stderr, done.stderr
    warned = re.findall(r"2026-mingdan\.md:(\d+): 警告：链接的文件 “(\w+\.pdf)” (\S+?)：.*\[W-PDF-UNCHECKED\]$", done.stderr, re.M)
    assert warned == [("6", "mima.pdf", "设了打开密码"), ("8", "sunhuai.pdf", "已损坏")], done.stderr
    for name in ("mima.pdf", "sunhuai.pdf"):
        assert (out / "files" / "affairs" / name).read_bytes() == (demo_copy / "affairs" / name).read_bytes()
