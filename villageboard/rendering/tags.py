"""The tags of the HTML this program made, found by one regular expression where that reads
them exactly as ``html.parser`` does.

Two things read every page's HTML again: the kiosk keeps each link inside the kiosk
(``kinds/kiosk.contain``) and the search index takes each page's text (``text``, below).
``html.parser``, in Python, took a tenth of a clean build's processor time for them. Nearly all
that HTML is plain: tags with quoted or one-word attribute values, text between them. ``tags``
reads such HTML about four times as fast and says None for anything else (a comment, a script,
a ``<`` in an attribute value, a tag it cannot match), which its callers then give to
``html.parser`` as before. ``tests/test_html_tags.py`` holds both readings equal on random HTML.
"""
from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

# Between a tag's parts only the spaces HTML knows: html.parser ends a tag's name at those alone
# (a vertical tab or an ideographic space is part of the name there, as in a browser).
_SPACE = r"[\t\n\r\f ]"
_NAME = r'[^\s"\'<>/=`]+'
_VALUE = r'"([^"]*)"|\'([^\']*)\'|([^\s"\'<>=`]+)'
# A comment that every reader ends where it seems to: no "--" inside, not "<!-->" or "<!--->".
_COMMENT = r"<!--(?!-?>)(?:[^-]|-(?!-))*-->"
_TAG = re.compile(rf'{_COMMENT}|<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:{_SPACE}+{_NAME}(?:{_SPACE}*={_SPACE}*(?:{_VALUE}))?)*)'
                  rf'{_SPACE}*(/?)>')
_ATTRIBUTE = re.compile(rf'({_NAME})(?:{_SPACE}*={_SPACE}*(?:{_VALUE}))?')
_OPENING = re.compile(r"</?[a-zA-Z]")
_COMMENTS = re.compile(_COMMENT)
# What html.parser reads by rules of its own: declarations, processing instructions, script and
# style text, and "</" before anything but a name.
_OTHER = re.compile(r"<!(?!--)|<\?|<(?:script|style)|</[^a-zA-Z]", re.IGNORECASE)


def tags(html: str) -> list[re.Match] | None:
    """Every tag and comment of ``html`` in order, when each is plain, or None. Of each: ``start()``,
    ``end()``, ``closing(tag)``, ``self_closing(tag)``, ``name(tag)`` ("" for a comment), ``attributes(tag)``."""
    if _OTHER.search(html):
        return None
    found = list(_TAG.finditer(html))
    comments = sum(1 for t in found if t[2] is None)
    if comments != html.count("<!--"):  # a comment that is not plain, or one inside a tag's value
        return None
    # Every "<" that opens a tag is one of them (none hides in an attribute value), and no closing
    # tag has more in it than its name: html.parser ends those at the first ">".
    if len(found) - comments != len(_OPENING.findall(_COMMENTS.sub("", html) if comments else html)) \
            or any(t[1] and (t[3] or t[7]) for t in found):
        return None
    return found


def closing(tag: re.Match) -> bool:
    return bool(tag[1])


def self_closing(tag: re.Match) -> bool:
    return bool(tag[7])


def name(tag: re.Match) -> str:
    return tag[2].lower() if tag[2] is not None else ""


def attributes(tag: re.Match) -> list[tuple[str, str | None]]:
    """As ``html.parser`` gives them: names in lower case, values with their references converted."""
    if not tag[3]:
        return []
    return [(found[1].lower(), None if found[0] == found[1] else unescape(_value(found)))
            for found in _ATTRIBUTE.finditer(tag[3])]


def _value(found: re.Match) -> str:
    return next(value for value in found.group(2, 3, 4) if value is not None)


def data(text: str) -> str:
    """Text between two tags as ``html.parser`` hands it over: references converted, piece by piece
    between the "<" that open no tag."""
    return "<".join(map(unescape, text.split("<"))) if "&" in text else text


class _Text(HTMLParser):
    """The text of an HTML fragment as a reader sees it: blocks and table cells apart, tags gone."""

    BLOCKS = {"p", "div", "li", "tr", "td", "th", "br", "h1", "h2", "h3", "h4", "h5", "h6", "table",
              "ul", "ol", "blockquote", "section", "figcaption", "dt", "dd", "pre"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append(" ")
        if tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f" {alt} ")

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)


def text(html: str) -> str:
    """The text of ``html`` as a reader sees it, on one line: what the search index holds of a page,
    and what the privacy scan reads of a Markdown body beside the text as written."""
    parser = _Text()
    found = tags(html)
    if found is None:
        parser.feed(html)
        parser.close()
    else:  # the same handlers, fed by the quicker reading of plain HTML (above)
        done = 0
        for tag in found:
            parser.handle_data(data(html[done:tag.start()]))
            done = tag.end()
            called = name(tag)
            if called and closing(tag):
                parser.handle_endtag(called)
            elif called:
                parser.handle_starttag(called, attributes(tag) if called == "img" else [])  # only an img's are read
                if self_closing(tag):  # as html.parser's handle_startendtag
                    parser.handle_endtag(called)
        parser.handle_data(data(html[done:]))
    return " ".join("".join(parser.parts).split())
