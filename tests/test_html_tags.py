"""The quick reading of tags (``rendering/tags.py``) against ``html.parser``: the kiosk must
find every link a browser would follow (or a villager is stranded off the kiosk), and the
search index every word a villager reads. Random HTML, hostile pieces included, and every
page of the demo village."""
import random
import re

from villageboard.kinds import kiosk
from villageboard.rendering import tags

PIECES = ['<a href="x.html">', '<A HREF=y.html>', "<a href='q&amp;r'>", "<a>", "</a>", "</A >", "<a/>",
          '<a href="a" target=_blank download>', "<b>", "</b>", '<img alt="<a href=z>">', "<img src=x.png/>",
          '<img alt="村 &amp; 组">', "<!-- <a href=c> -->", '<script>"<a href=s>"</script>', "<STYLE>a{}</style>",
          "text", " 中文 ", "&amp;", "&lt;", "&am", "p;", " < ", "<3", "\n", '<abbr title="t">', "</abbr>",
          '<p class="x y">', "</p>", '<a href="1"\nclass=k>', "<br>", "<br/>", "<a href=x=y>", "<a href==x>",
          '<a href="x" title=\'a"b\'>', '<a  href = "sp" >', "</a\n>", '<a href="#top">', "<?x?>", "<!doctype html>",
          "<a href=>", "<a =x>", "<a href='>'>", "<a data-x=`y`>", "< a>", "</ a>", "</>", '<a\thref="t">',
          '</b x=">">', "</b/>", '<a href="https://x.cn/">外链</a>', "<td>", "</td>", "<li>", "<a.b>", "<a",
          '<a href="unclosed', "<<a href=d>", "&#20013;", "&#x4e2d", "&nbsp;", "<a\u3000href=u>", "<a\x0bhref=v>",
          '<a href="w"\xa0title="t">', "<a href\u3000=\u3000z>", " \u3000 ", "<!-- 注释 -->", "<!---->", "<!-->",
          "<!--->", "<!-- a -- b -->", "<!-- x --!>", "-->", "<!-- <p> -->", '<a title="<!-- c -->">', "<!--"]


def _random_html(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14)))


def _plain_by_parser(html: str) -> str:
    parser = tags._Text()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


def test_the_kiosk_and_the_search_read_random_html_as_pythons_parser_does():
    rng = random.Random(20261206)
    quick = 0
    for _ in range(6000):
        html = _random_html(rng)
        assert kiosk._links(html) == kiosk._Links(html).found, html
        assert tags.text(html) == _plain_by_parser(html), html
        quick += tags.tags(html) is not None
    assert quick > 1000  # the quick reading itself was tested, not only the fall-back to the parser


def test_a_link_hidden_from_the_quick_reading_is_still_found_and_kept_in_the_kiosk():
    # "<" inside an attribute's value, and a closing tag html.parser ends at its first ">": a browser
    # follows the link after it. Both go to the parser, which finds it; the kiosk turns it into a QR code.
    for html in ['<p><img alt="x"></p></b x="><a href=https://evil.example/>go</a>">',
                 '<p title="<a href=z>"><a href="https://evil.example/">go</a></p>']:
        assert tags.tags(html) is None
        contained = kiosk.contain(html, "kiosk/affairs/x.html", set(), _Village())
        assert "https://evil.example" not in re.sub(r"<svg.*?</svg>", "", str(contained))
        assert "kiosk-qr" in contained


def test_every_page_of_the_demo_is_read_quickly_and_alike(built_demo):
    pages = sorted(built_demo.rglob("*.html"))
    quick = 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        main = re.search(r"<main.*?</main>", html, re.S)
        part = main.group(0) if main else html
        assert kiosk._links(part) == kiosk._Links(part).found, page
        assert tags.text(part) == _plain_by_parser(part), page
        quick += tags.tags(part) is not None
    assert quick >= 0.9 * len(pages)  # the demo's pages are plain HTML: the quick reading serves them


class _Village:
    @staticmethod
    def phone_url(path: str) -> str:
        return "https://cunwu.example.org/" + path
