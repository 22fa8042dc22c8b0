"""Search (搜索): the search page (phone and kiosk) and a character-bigram index of every published text.

Chinese has no spaces and word segmenters miss pieces of words (a villager types 报销 or
户主 or 三季度, not what jieba cut), so every piece of two or more characters of a
published text must be found. The index therefore keys on character bigrams: a query's
bigrams select candidates, and the client checks each candidate against its stored text,
which also gives the exact count of hits, the highlighted snippet and the order.

Everything is a script file loaded with ``<script src>``, because a site opened from disk
(``file://``, the kiosk) may not ``fetch``; and it is split so a village with thousands of
notices does not send a phone everything:

- ``search-index.js``: a few numbers (how many shards, the version token).
- ``search/p/<n>.js``: the posting lists of the bigrams whose hash falls in shard ``n``.
  A posting is (document, hits in the title, hits in the body), which ranks candidates
  before any text is loaded.
- ``search/d/<id>.js``: one document (address, title, section, date, status, text),
  loaded only for the results on screen.

Documents are numbered oldest first, so a new notice gets the next number and the other
files keep their bytes (the build rewrites only what changed). Only what has a published
page is indexed: drafts, scheduled items and withdrawn items (撤下) never are.
"""
from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import json
import operator
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from villageboard.reading.chinese_amounts import capitals, yuan
from villageboard.cache import NONE
from villageboard.kinds import finance
from villageboard.planning.pages import Page
from villageboard.reading.memo import moved_in, resorted
from villageboard.rendering import record, tags
from villageboard.rendering.sharing import chinese_date  # as the pages show a date: the kiosk's year keys search 2026年

VERSION = 1
_cache = NONE  # the build cache, set by the build
SHARD_BYTES = 8 * 1024  # the posting bytes a shard aims at: one 2G round trip
TITLE_CAP, BODY_CAP = 3, 63  # hit counts above these rank the same

# Words villagers look for, in the order a hall visitor is most likely to want them. The kiosk
# keyboard shows those that stand in this village's own titles, summaries or categories.
COMMON_WORDS = (
    "低保", "补贴", "医保", "选举", "财务", "修路", "党费", "党员", "会议", "村民代表", "五保", "特困", "救助",
    "养老", "医疗", "合作医疗", "报销", "耕地", "土地", "宅基地", "危房", "建房", "分红", "收益", "集体",
    "租金", "承包", "流转", "项目", "工程", "道路", "路灯", "水利", "改造", "一事一议", "四议两公开", "村规民约",
    "三会一课", "主题党日", "组织生活", "民主评议", "发展党员", "入党", "值班", "防汛", "安全", "卫生",
    "垃圾", "环境", "秋粮", "粮食", "种粮", "教育", "助学", "残疾", "退役军人", "征兵", "就业", "培训",
    "疫苗", "计生", "殡葬", "婚事", "春节", "决议",
)
KEYBOARD_SIZE = 24
YEAR_KEYS = 4


@dataclass
class Document:
    """One published page as search sees it; ``text`` is what its page says, as plain text."""

    path: str  # the phone page's address
    title: str
    section: str
    date: str  # YYYY-MM-DD, when it was published
    status: str  # 未通过, 已过公示期, 已修订 or ""
    text: str
    # Its script as document number n, and the digest of the script's bytes (``record.sha``): a
    # document kept from the last build (``Remembered``) is neither written nor hashed again while
    # it keeps its number (``Index.digested``); ten thousand scripts written again were a fifteenth
    # of a save.
    written: tuple[int, str, bytes] | None = field(default=None, init=False, compare=False, repr=False)

    def script(self, n: int) -> tuple[str, bytes]:
        if self.written is None or self.written[0] != n:
            text = _script(f"d{n}", _json([self.path, self.title, self.section, self.date, self.status, self.text]))
            self.written = (n, text, record.sha(text))
        return self.written[1:]


def load(site) -> None:
    """Search is made from the pages the other kinds produce."""


def pages(site):
    context = {"sections": site.sections(), "keys": keyboard_words(site), "years": keyboard_years(site)}
    yield Page("search.html", "search.html", "搜索", context, [site.village.path], renditions=("phone", "kiosk"))


# ---------------------------------------------------------------- folding and bigrams
# The client (layouts/static/search.js) folds and hashes exactly so; a change here is a change there.

def fold_char(ch: str) -> str:
    """Full-width to half-width, upper to lower case, one character to one character so that
    positions in the folded text are positions in the text (for the highlight)."""
    folded = unicodedata.normalize("NFKC", ch).lower()
    return folded if len(folded) == 1 else ch


class _FoldTable(dict):
    """``str.translate``'s table, filled in as characters are first seen."""

    def __missing__(self, ch: int) -> str:
        self[ch] = folded = fold_char(chr(ch))
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    return text.translate(_FOLD)


# What a page sets that a villager does not type: the comma of 1,780.00 (typed 1780) and the space of
# 在保 4 户 (typed 4户), between a number and a Chinese character. The index also keys the pair of
# characters on either side of one, and search.js matches a term across it.
_WIDE = "\u2e80-\U0010ffff"
_SKIPPED = re.compile(f"(?<=[0-9]),(?=[0-9])|(?<=[0-9])\\s(?=[{_WIDE}])|(?<=[{_WIDE}])\\s(?=[0-9])")


def bigrams(text: str) -> Counter:
    """How often each pair of neighbouring characters stands in ``text`` (folded); none spans a space,
    except the pairs across a skipped character (``_SKIPPED``): 1,780 holds 17, 4 户 holds 4户."""
    found = Counter()
    folded = fold(text)
    for word in folded.split():
        found.update(map(operator.add, word, word[1:]))
    for m in _SKIPPED.finditer(folded):
        found[folded[m.start() - 1] + folded[m.end()]] += 1
    return found


def _separates(ch: str) -> bool:
    """A punctuation mark or a symbol: in a query it separates words as a space does, since a page
    and the text it is indexed from may set it differently (· or a space, （ or nothing)."""
    return unicodedata.category(ch)[0] in "PS"


def terms(query: str) -> list[str]:
    """A query's words, folded, as search.js reads them: split at spaces, and at punctuation and
    symbols too, unless that leaves no piece of two characters (then the word is looked for as typed:
    、县, 0.5, 户，退); 97.65 kept whole and the comma of 1,780 dropped."""
    chars = fold(query)
    kept = "".join(ch for i, ch in enumerate(chars)
                   if not (ch == "," and 0 < i < len(chars) - 1 and _digit(chars[i - 1]) and _digit(chars[i + 1])))
    found = []
    for word in kept.split():
        pieces = "".join(ch if (ch == "." and 0 < i < len(word) - 1 and _digit(word[i - 1]) and _digit(word[i + 1]))
                         or not _separates(ch) else " " for i, ch in enumerate(word)).split()
        keep_whole = len(word) >= 2 and all(len(p) < 2 for p in pieces) and len(pieces) > 0
        found += [word] if keep_whole else pieces
    return found


def _digit(ch: str) -> bool:
    return "0" <= ch <= "9"


def lookup_keys(term: str) -> list[str]:
    """The bigrams of a folded query term that select its candidates: every other one and the last,
    enough to cover the term, so a six-character term reads three shards, not five. Candidates are
    checked against their text anyway."""
    keys = [term[i:i + 2] for i in range(0, len(term) - 1, 2)]
    if len(term) % 2 and len(term) > 2:
        keys.append(term[-2:])
    return list(dict.fromkeys(keys))


def shard_of(key: str, shards: int) -> int:
    """FNV-1a over the code points, modulo the shard count."""
    h = 2166136261
    for ch in key:
        h = ((h ^ ord(ch)) * 16777619) & 0xFFFFFFFF
    return h % shards


# A number as base-32 digits, most significant first: the last digit from TERMINAL, the ones
# before it from MORE. JSON-safe and HTML-safe, and a posting usually fits two characters.
TERMINAL = "0123456789abcdefghijklmnopqrstuv"
MORE = "ABCDEFGHIJKLMNOPQRSTUVWXYZwxyz-_"


def encode_number(n: int) -> str:
    digits = [TERMINAL[n & 31]]
    n >>= 5
    while n:
        digits.append(MORE[n & 31])
        n >>= 5
    return "".join(reversed(digits))


_SMALL = [encode_number(n) for n in range(4096)]  # nearly every posting's numbers: looked up, not worked out


def decode_numbers(text: str) -> list[int]:
    found, acc = [], 0
    for ch in text:
        if ch in MORE:
            acc = acc * 32 + MORE.index(ch)
        else:
            found.append(acc * 32 + TERMINAL.index(ch))
            acc = 0
    return found


def decode_postings(text: str) -> list[tuple[int, int, int]]:
    """(document, title hits, body hits) from a posting list; the inverse of what ``Index`` writes."""
    numbers, doc, out = decode_numbers(text), -1, []
    for delta, weight in zip(numbers[::2], numbers[1::2]):
        doc += delta + 1
        out.append((doc, weight % (TITLE_CAP + 1), weight // (TITLE_CAP + 1)))
    return out


def _encoded(postings, last: int = -1) -> str:
    """Postings (document, weight) to follow document ``last``, documents ascending: the gap to the
    one before minus one, then the weight, so that consecutive documents, the common case in a long
    list, cost one digit each."""
    parts = []
    for doc, weight in postings:
        parts.append(_number(doc - last - 1) + _number(weight))
        last = doc
    return "".join(parts)


def weights(doc: Document) -> dict[str, int]:
    """Each bigram of the document with its weight: hits in the title and in the text, capped."""
    found = {key: (TITLE_CAP + 1) * min(n, BODY_CAP) for key, n in bigrams(doc.text).items()}
    for key, n in bigrams(doc.title).items():
        found[key] = found.get(key, 0) + min(n, TITLE_CAP)
    return found


class Remembered:
    """What a process that builds again and again (``serve``) keeps of the index between builds,
    and the command line in the build cache (``reading/memo.py``): each page's document, by the
    page's digest (``rendering/record.py``: it covers every value the page shows); each document's
    weights (counting bigrams is most of the index's work) and each page's plain text; and the
    last index itself, so that a save that changes a document or two changes only the posting
    lists of the bigrams whose weight changed. The index is made in another process
    (``builder``): what it works out there comes back with ``news`` and is kept with ``take``."""

    def __init__(self):
        # By a digest of what they are made from: the texts themselves would be kept twice.
        self.weights: dict[bytes, tuple[tuple[str, ...], bytes]] = {}  # by title and text: bigrams, weights
        self.plain: dict[bytes, str] = {}  # by the HTML
        self.numbered: list[bytes] = []  # the last index's documents by number, as their weights' keys
        self.postings: dict[str, str] | None = None  # the last index's posting lists
        self.last: dict[str, int] = {}  # the last document in each of them
        # By the page's digest, its section and the day: (the document or None).
        self.documents: dict[bytes, tuple[Document | None]] = {}
        self._learned: tuple[dict, dict, dict] = ({}, {}, {})
        self._used: tuple[set, set, set] = (set(), set(), set())
        self._index: tuple | None = None  # this build's index: documents, changed posting lists, whether all
        # Per table, the pages or documents the last build asked for, and what was found for each
        # (``_again``); this build's, until ``news``; by this process only.
        self._asked: dict[int, tuple[list, list]] = {}
        self._asking: dict[int, tuple[list, list]] = {}
        # The section titles and the day the pages of ``_asked`` and ``_asking`` were asked with.
        self._sections: tuple = (None, None)
        # Each shard's script and its digest as last written, with the shard count, keys and posting
        # lists it was written from (``Index.digested``): by this process only.
        self.scripts: dict[int, tuple] = {}
        self.documents_written: list = [[], []]  # and the documents' files (``Index._document_files``)
        # The last build's documents as found, and oldest first (``oldest_first``): by this process only.
        self.ordered: tuple[list, list] = ([], [])

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_asked": {}, "_asking": {}, "scripts": {}, "ordered": ([], []),  # this process's
                "documents_written": [[], []]}

    def documents_of(self, pages: list[Page], sections: dict[str, str], today: dt.date,
                     digest: Callable[[Page], bytes | None]) -> list[Document | None]:
        """Each page's document (``_document``), None where it has none; ``sections``: each
        section's title by its folder; ``digest``: a page's, None when it has none (then its document
        is made every time). The very page asked for last build, with the same titles and day, has
        the same document: ``same_pages`` keeps a page only where what it shows is unchanged, so the
        very page has the same digest."""
        same = self._sections[0] == (sections, today)
        self._sections = (self._sections[0], (sections, today))
        found = self._again(2, pages) if same else [None] * len(pages)
        documents = [made[1][0] if made is not None else None for made in found]
        for n in [n for n, made in enumerate(found) if made is None]:
            page = pages[n]
            section, page_digest = sections.get(page.path.partition("/")[0], ""), digest(page)
            if page_digest is None:  # made every time
                documents[n] = _document(page, section, today)
                continue
            found[n] = self._find_for(2, page, (page_digest, section, today), _document_key, _document_made)
            documents[n] = found[n][1][0]
        self._asking[2] = (pages, found)
        return documents

    def oldest_first(self, found: list[Document | None]) -> list[Document]:
        """The documents of ``found``, oldest first (``_OLDEST``): where they are those of the last
        build but a few, each of those put in its place (sorting ten thousand was a fortieth of a save)."""
        found = list(filter(None, found))
        before, ordered = self.ordered
        patched = None
        if len(found) == len(before):
            changed = moved_in(found, before)
            patched = resorted(ordered, [before[n] for n in changed], [found[n] for n in changed], _OLDEST)
        self.ordered = (found, patched if patched is not None else sorted(found, key=_OLDEST))
        return self.ordered[1]

    def plain_of(self, html: str) -> str:
        return self._find(1, html, _cached_plain, html)[1]

    def _find_for(self, table: int, asked_of, asked: tuple, text: Callable[[Any, tuple], str | bytes],
                  make: Callable[[Any, tuple], Any]) -> tuple[bytes, Any]:
        """``_find`` of ``text(asked_of, asked)`` for ``asked_of``, made by ``make(asked_of, asked)``:
        the caller notes it for this very object (``_asking``), and the next build takes it as it
        is (``_again``), without working its key out again (a digest of every document's text, at
        10,000 notices a twentieth of a save)."""
        return self._find(table, text(asked_of, asked), lambda _: make(asked_of, asked), None)

    def _again(self, table: int, objects: list) -> list[tuple[bytes, Any] | None]:
        """For each of ``objects``, what ``_find_for`` found for this very object last build, or None:
        for a caller that knows nothing else it is asked has changed. Taken by place (a save changes
        a few of ten thousand): where the list is as long as last build's, all but the places that
        hold other objects; else all but those between where the two lists begin and end alike. Ten
        thousand pages and documents asked for again one by one were a tenth of a save."""
        before, results = self._asked.get(table, ([], []))
        kept, used = (self.weights, self.plain, self.documents)[table], self._used[table]
        if len(objects) == len(before):  # the places where another object stands
            found = list(results)
            moved = moved_in(objects, before)
        else:  # those between the first and the last where the lists differ
            head = _alike_for(objects, before)
            tail = min(_alike_for(objects[::-1], before[::-1]), len(objects) - head, len(before) - head)
            found = results[:head] + [None] * (len(objects) - head - tail) + results[len(before) - tail:]
            moved = range(head, len(objects) - tail)
        if len(moved) > 64:  # each found by the object
            by_object = {id(asked_of): made for asked_of, made in zip(before, results)}  # ``before`` holds them all
            for n in moved:
                found[n] = by_object.get(id(objects[n]))
        else:
            for n in moved:
                found[n] = None
        keys = list(map(_KEY, filter(None, found)))
        if not all(map(kept.__contains__, keys)):  # a build that failed since learned them, and never kept them
            found = [made if made is not None and made[0] in kept else None for made in found]
            keys = list(map(_KEY, filter(None, found)))
        used.update(keys)
        return found

    def _find(self, table: int, text: str | bytes, make, value) -> tuple[bytes, Any]:
        kept = (self.weights, self.plain, self.documents)[table]
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text,
                              digest_size=16).digest()
        self._used[table].add(key)
        found = kept.get(key)
        if found is None:
            found = kept[key] = self._learned[table][key] = make(value)
        return key, found

    def postings_of(self, documents: list[Document]) -> dict[str, str]:
        """The posting lists of ``documents``, from the last index where few documents changed."""
        # A document's title and text are never changed.
        found = self._again(0, documents)
        for n in [n for n, made in enumerate(found) if made is None]:
            found[n] = self._find_for(0, documents[n], (documents[n].title, documents[n].text), _weights_key,
                                      _packed_weights)
        self._asking[0] = (documents, found)
        numbered = [key for key, _ in found]
        changed = self._changed(numbered) if self.postings is not None else None
        if changed is None:
            postings, last = _postings_of([zip(*packed) for _, packed in found])
            self._index = (numbered, postings, last, True)
            return postings
        postings, texts, last = dict(self.postings), {}, {}
        for key, weights in changed.items():
            before = self.last.get(key, -1)
            if min(weights) > before and None not in weights.values():  # added after the last: the common case
                text, last[key] = postings.get(key, "") + _encoded(sorted(weights.items()), before), max(weights)
            else:
                text, last[key] = _spliced(postings.get(key, ""), weights)
            texts[key] = text or None
            if text:
                postings[key] = text
            else:
                del postings[key]
        self._index = (numbered, texts, last, False)
        return postings

    def _changed(self, numbered: list[bytes]) -> dict[str, dict[int, int | None]] | None:
        """Per bigram, the documents whose weight for it changed since the last index, and the new
        weight (None: gone); None when splicing those would cost about as much as indexing anew."""
        before, changed = self.numbered, {}
        differ = itertools.starmap(operator.ne, itertools.zip_longest(before, numbered))
        for n in itertools.compress(itertools.count(), differ):  # the few places that changed, found in C
            was, now = before[n] if n < len(before) else None, numbered[n] if n < len(numbered) else None
            if was is not None and was not in self.weights:
                return None
            old = dict(zip(*self.weights[was])) if was is not None else {}
            new = dict(zip(*self.weights[now])) if now is not None else {}
            for key in old.keys() | new.keys():
                if old.get(key) != new.get(key):
                    changed.setdefault(key, {})[n] = new.get(key)
        work = sum(len(self.postings.get(key, "")) for key, weights in changed.items()
                   if min(weights) <= self.last.get(key, -1) or None in weights.values())
        return changed if work * 4 < sum(map(len, self.postings.values())) else None

    def news(self) -> tuple:
        """What this build worked out, and what it no longer needed."""
        tables = (self.weights, self.plain, self.documents)
        stale = tuple(list(kept.keys() - used) for kept, used in zip(tables, self._used))
        news = (self._learned, stale, self._index)
        self._learned, self._used, self._index = ({}, {}, {}), (set(), set(), set()), None
        self._asked, self._asking = self._asking, {}  # what this build no longer shows is let go
        self._sections = (self._sections[1], None)
        return news

    def take(self, news: tuple) -> None:
        learned, stale, index = news
        for kept, new, old in zip((self.weights, self.plain, self.documents), learned, stale):
            kept.update(new)
            for key in old:
                kept.pop(key, None)
        if index is not None:
            self.numbered, postings, last, whole = index
            if whole:
                self.postings, self.last = postings, last
                return
            for key, text in postings.items():
                if text:
                    self.postings[key], self.last[key] = text, last[key]
                else:
                    self.postings.pop(key, None)
                    self.last.pop(key, None)


def _alike_for(these: list, those: list) -> int:
    """How many of the first of ``these`` are the very objects at the same places of ``those``."""
    return next(itertools.compress(itertools.count(), map(operator.is_not, these, those)), min(len(these), len(those)))


_KEY = operator.itemgetter(0)  # of what ``Remembered._find`` gives


# What ``Remembered._find_for`` is asked: a page's document by the page's digest, section and day; a
# document's weights by its title and text.
def _document_key(page: Page, asked: tuple) -> bytes:
    digest, section, today = asked
    return b"%s\0%s\0%s" % (digest, section.encode(), today.isoformat().encode())


def _document_made(page: Page, asked: tuple) -> tuple[Document | None]:
    return (_document(page, asked[1], asked[2]),)


def _weights_key(doc: Document, asked: tuple) -> str:
    return f"{doc.title}\0{doc.text}"


def _packed_weights(doc: Document, asked: tuple = ()) -> tuple[tuple[str, ...], bytes]:
    """``weights`` as ten thousand documents are best kept: a dict of a hundred two-character
    strings takes ten times the memory, and the same bigrams stand in every document."""
    found = weights(doc)
    return tuple(map(sys.intern, found)), bytes(found.values())  # a weight is at most 255


def _postings_of(weighed) -> tuple[dict[str, str], dict[str, int]]:
    """The posting lists of documents given as their (bigram, weight) pairs, oldest first; and the
    last document of each."""
    postings: dict[str, list[str]] = {}
    last: dict[str, int] = {}
    small = _SMALL
    # The innermost loop of a build (a posting per bigram per document): kept to plain dict work.
    for number, pairs in enumerate(weighed):
        for key, weight in pairs:
            gap = number - last.get(key, -1) - 1
            last[key] = number
            posting = (small[gap] if gap < len(small) else encode_number(gap)) + small[weight]
            found = postings.get(key)
            if found is None:
                postings[key] = [posting]
            else:
                found.append(posting)
    return {key: "".join(parts) for key, parts in postings.items()}, last


_TOKEN = re.compile(f"[{re.escape(MORE)}]*[{TERMINAL}]")  # one number of a posting list


class _Numbers(dict):
    def __missing__(self, token: str) -> int:
        self[token] = n = decode_numbers(token)[0]
        return n


_NUMBERS = _Numbers({text: n for n, text in enumerate(_SMALL)})


def _spliced(text: str, weights: dict[int, int | None]) -> tuple[str, int]:
    """A posting list with the weights of some documents changed, added or (None) taken out, and
    its last document; without decoding and encoding the whole list again: only the postings at
    and after each change are touched."""
    tokens = _TOKEN.findall(text)  # gap, weight, gap, weight…
    ends = list(itertools.accumulate(_NUMBERS[gap] + 1 for gap in tokens[0::2]))  # document + 1
    for doc, weight in sorted(weights.items(), reverse=True):  # from the end: what comes before stays put
        i = bisect.bisect_left(ends, doc + 1)
        before = ends[i - 1] - 1 if i else -1
        if i < len(ends) and ends[i] == doc + 1:
            if weight is not None:
                tokens[2 * i + 1] = _number(weight)
                continue
            del tokens[2 * i:2 * i + 2], ends[i]
        elif weight is None:
            continue
        else:
            tokens[2 * i:2 * i] = [_number(doc - before - 1), _number(weight)]
            ends.insert(i, doc + 1)
            before, i = doc, i + 1
        if i < len(ends):  # the next posting's gap is counted from its new neighbour
            tokens[2 * i] = _number(ends[i] - 1 - before - 1)
    return "".join(tokens), (ends[-1] - 1 if ends else -1)


def _number(n: int) -> str:
    return _SMALL[n] if n < len(_SMALL) else encode_number(n)


_remembered: Remembered | None = None  # while ``outputs`` runs, in a process that builds again


class Index:
    """The bigram index of ``documents`` (oldest first), split into shards."""

    def __init__(self, documents: list[Document], remembered: Remembered | None = None):
        self.documents = documents
        self.scripts = remembered.scripts if remembered is not None else {}
        # The documents and their files as last written (``_document_files``), by this process only.
        self.documents_written = remembered.documents_written if remembered is not None else [[], []]
        if remembered is not None:
            self.postings = remembered.postings_of(documents)
        else:
            self.postings = _postings_of(weights(doc).items() for doc in documents)[0]
        size = sum(len(k.encode()) + len(v) + 6 for k, v in self.postings.items())
        self.shards = 1
        while size / self.shards > SHARD_BYTES:
            self.shards *= 2

    def shard_maps(self) -> list[dict[str, str]]:
        found: list[dict[str, str]] = [{} for _ in range(self.shards)]
        for key in sorted(self.postings):
            found[shard_of(key, self.shards)][key] = self.postings[key]
        return found

    def _shard_script(self, n: int, shard: dict[str, str]) -> tuple[str, bytes]:
        """Shard ``n``'s script and its digest; as written last time where it holds the very same
        posting lists (an edit changes a few of them, and spliced lists are new strings): the two
        and a half megabytes of ten thousand notices' postings were written and hashed again on
        every save in serve."""
        keys, lists = list(shard), list(shard.values())
        before = self.scripts.get(n)
        if before is not None and before[0] == self.shards and before[1] == keys \
                and all(map(operator.is_, before[2], lists)):
            return before[3]
        text = _script(f"p{n}", _json(shard))
        self.scripts[n] = (self.shards, keys, lists, made := (text, record.sha(text)))
        return made

    def _document_files(self) -> list[tuple[str, str, bytes]]:
        """Each document's file, digested: those of the last index where the very document has the
        same number (a save changes one or two of ten thousand)."""
        documents, (before, files) = self.documents, self.documents_written
        if len(before) == len(documents):
            files = list(files)
            for n in moved_in(documents, before):
                files[n] = (f"search/d/{n}.js", *documents[n].script(n))
        else:
            files = [(f"search/d/{n}.js", *doc.script(n)) for n, doc in enumerate(documents)]
        self.documents_written[:] = (documents, files)
        return files

    def files(self) -> list[tuple[str, str]]:
        """(site path, script) of every index file, ``search-index.js`` first."""
        return [(rel, text) for rel, text, _ in self.digested()]

    def digested(self) -> list[tuple[str, str, bytes]]:
        """``files`` with the digest of each file's bytes (``record.sha``)."""
        found = [(f"search/p/{n}.js", *self._shard_script(n, shard)) for n, shard in enumerate(self.shard_maps())]
        for n in [n for n in self.scripts if n >= self.shards]:  # of a bigger index
            del self.scripts[n]
        found += self._document_files()
        # Only for a browser to tell a new index from the one it has: a digest of the files' digests.
        token = hashlib.sha256(b"".join(map(operator.itemgetter(2), found))).hexdigest()[:10]
        meta = {"v": VERSION, "shards": self.shards, "docs": len(self.documents), "token": token}
        head = "window.SEARCH_INDEX = " + _json(meta) + ";\n"
        return [("search-index.js", head, record.sha(head))] + found


def _json(value) -> str:
    # "<" as an escape: no clerk's text can close or open a script element, wherever this is pasted.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def _script(name: str, written: str) -> str:
    return f"(window.SEARCH_DATA=window.SEARCH_DATA||{{}})[\"{name}\"]={written};\n"


def holds_text(rel: str) -> bool:
    """Whether an index file holds published text (the documents) rather than encoded postings,
    whose bigram keys are two characters and cannot hold a personal number."""
    return not rel.startswith("search/p/")


def outputs(site, phone_pages: list[Page], remembered: Remembered | None = None,
            digest: Callable[[Page], bytes | None] | None = None) -> list[tuple[str, str, bytes]]:
    """Every file of the search index, for the build, digested (``Index.digested``); ``digest``:
    each page's (``Remembered``)."""
    global _remembered
    _remembered = remembered
    try:
        return Index(documents(site, phone_pages, digest), remembered).digested()
    finally:
        _remembered = None


# ---------------------------------------------------------------- what each page says

def plain(html: str) -> str:
    """The text of ``html`` as a reader sees it; kept in the build cache, as bodies rarely change."""
    if not html:
        return ""
    return _remembered.plain_of(html) if _remembered else _cached_plain(html)


def _cached_plain(html: str) -> str:
    return _cache.text("plain", html, lambda: tags.text(html))


def use_cache(cache) -> None:
    global _cache
    _cache = cache


def _join(*parts) -> str:
    return " ".join(" ".join(str(p).split()) for p in parts if p not in (None, ""))


def _notice(notice, today: dt.date) -> str:
    expires = None
    if notice.expires:  # as the page says it, beside the date
        expires = (f"已于 {chinese_date(notice.expires)} 到期，仅供查阅" if notice.is_expired(today)
                   else f"公示至 {chinese_date(notice.expires)}")
    return _join(notice.category, expires, notice.summary, notice.unit, plain(notice.body_html),
                 *(a.name for a in notice.attachments))


def _ledger(ledger) -> str:
    period = ledger.period
    lines = [period.label, f"{chinese_date(period.start)}至{chinese_date(period.end)}", f"经{ledger.reviewed_by}审核"]
    for label, amount in (("期初余额", ledger.opening), ("本期收入", ledger.income_total),
                          ("本期支出", ledger.expenditure_total), ("期末余额", ledger.closing)):
        lines.append(f"{label} {yuan(amount)} 元 {capitals(amount)}")
    for direction in (finance.INCOME, finance.EXPENDITURE):
        lines += [f"{g.category} 小计 {yuan(g.subtotal)} 元" for g in ledger.groups(direction)]
    for e in ledger.entries:
        lines.append(f"{e.direction} {e.category} {e.item} {yuan(e.amount)} 元 "
                     f"{e.date.month}月{e.date.day}日 {e.voucher}")
    d = ledger.distribution
    if d:
        lines.append(_join(d.title, f"分配总额 {yuan(d.total)} 元 {capitals(d.total)}",
                           f"经{d.decided_by}决定" if d.decided_by else None,
                           *(_share(s) for s in d.shares)))
    lines.append(plain(ledger.notes_html))
    return _join(*lines)


def _share(share) -> str:
    """A line of a distribution table as the ledger page writes it."""
    line = share.name + (f"（{share.percent}%）" if share.percent is not None else "")
    if share.unit is not None:
        line += (f" {share.per_text} {yuan(share.unit)} 元 × {share.count} {share.per} = {yuan(share.paid)} 元"
                 + (f"，尾差 {yuan(share.remainder)} 元转入未分配收益" if share.remainder else ""))
    return f"{line} {yuan(share.amount)} 元"


def _fund(fund) -> str:
    lines = [fund.source, f"{fund.amount_label} {yuan(fund.amount)} 元 {capitals(fund.amount)}", plain(fund.notes_html),
             f"已支出 {yuan(fund.spent)} 元 {capitals(fund.spent)}",
             f"结余 {yuan(fund.remaining)} 元 {capitals(fund.remaining)}"]
    for s in fund.spending:
        lines += [s.note] + [f"{e.item} {yuan(e.amount)} 元 {e.date.month}月{e.date.day}日 "
                             f"{s.ledger.period.label} {e.voucher}" for e in s.entries]
    return _join(*lines)


def _decision(decision) -> str:
    # What the page says in bold above the steps, then why, or where the matter stands.
    lines = [decision.summary, decision.verdict, decision.outcome.reason if decision.outcome else None]
    if not decision.failed and "result_notice" in decision.stages:
        lines.append(f"实施结果已于 {chinese_date(decision.stages['result_notice'].date)} 公开")
    elif decision.outcome and not decision.failed:
        lines.append(decision.progress)
    for step in decision.steps:
        s = step.stage
        if s is None:
            continue
        lines += [f"第{step.number}步 {step.kind.name} {step.state_word}", chinese_date(s.date), s.body,
                  f"公开至 {chinese_date(s.until)}" if s.until else None, plain(s.summary_html) or s.summary]
        if s.attended is not None:
            lines.append(f"应到 {s.total} {s.unit}，实到 {s.attended} {s.unit}")
        if s.votes_for is not None:
            lines.append(f"赞成 {s.votes_for} 反对 {s.against} 弃权 {s.abstain}")
    return _join(*lines)


def _compact(version) -> str:
    standing = (f"现行版本 {chinese_date(version.adopted)}起施行" if version.current or not version.next
                else f"旧版本，已不再施行 已被 {chinese_date(version.next.adopted)}通过的版本取代")
    return _join(standing, version.meeting, f"赞成 {version.votes_for} 票，反对 {version.against} 票，弃权 {version.abstain} 票",
                 version.filed_with, plain(version.body_html))


def _household(household, grid) -> str:
    # Never the phone: even masked it is no one's business to search for.
    return _join(household.kind, household.name, f"{household.name}家",
                 *((f"第{grid.id}网格", grid.name, f"网格长 {grid.leader}") if grid else ()), household.motto,
                 f"{household.since}年起" if household.since else None,
                 f"联系 {household.serves} 户" if household.is_centre and household.serves else None,
                 *household.duties, f"{len(household.stars)} 星" if household.is_starred else None,
                 *household.stars, plain(household.story_html))


def _grid(grid, found) -> str:
    centres = [h for h in found if h.is_centre]
    served = sum(h.serves or 0 for h in centres)
    return _join(grid.name, f"网格长 {grid.leader}", f"户数 {grid.households} 户",
                 f"党员中心户 {len(centres)} 户，共联系 {served} 户" if centres else None,
                 *(_join(f"{h.name}{'' if h.is_centre else '家'} {h.kind}",
                         f"联系 {h.serves} 户" if h.is_centre and h.serves else None,
                         f"{len(h.stars)} 星" if h.is_starred else None) for h in found))


def _status(item, today: dt.date) -> str:
    if getattr(item, "failed", False):
        return "未通过"
    expired = getattr(item, "is_expired", None)
    if expired and expired(today):
        return "已过公示期"
    if getattr(item, "revisions", None):
        return "已修订"
    return ""


def _document(page: Page, section: str, today: dt.date) -> Document | None:
    c = page.context
    if page.template == "withdrawn.html":
        return None  # its text is no longer public
    if "notice" in c:
        item, text = c["notice"], _notice(c["notice"], today)
        section = item.section_title
        if item.draft:  # shown in `serve --drafts` only, never searchable
            return None
    elif "ledger" in c:
        item, text = c["ledger"], _ledger(c["ledger"])
    elif "fund" in c:
        item, text = c["fund"], _fund(c["fund"])
    elif "decision" in c:
        item, text = c["decision"], _decision(c["decision"])
        section = "四议两公开"
    elif "version" in c and page.template == "compact.html":
        item = c["version"]
        if item.current != c.get("is_index", False):  # the current version is indexed once, at compact/index.html
            return None
        text = _compact(item)
    elif "household" in c:
        item, text = c["household"], _household(c["household"], c.get("grid"))
        return Document(page.path, page.title, section, "", "", text)
    elif "grid" in c and "households" in c:
        return Document(page.path, page.title, section, "", "", _grid(c["grid"], c["households"]))
    else:
        # A kind search does not know yet: its title and summary, if it is a dated item.
        item = next((v for v in c.values() if getattr(v, "url", None) == page.path and hasattr(v, "published_on")),
                    None)
        if item is None:  # a listing: what it lists is indexed on its own pages
            return None
        text = _join(getattr(item, "category", None), getattr(item, "summary", None))
    published = getattr(item, "published_on", None)
    if published is not None and published > today:
        return None
    days = sorted({d for d in (getattr(item, "date", None), published) if isinstance(d, dt.date)})
    # The status is searchable too, as the lists show it: a supervisor looks for 已修订.
    status = _status(item, today)
    return Document(page.path, page.title, section, published.isoformat() if published else "",
                    status, _join(text, status, *map(chinese_date, days)))


_OLDEST = operator.attrgetter("date", "path")


def documents(site, pages: list[Page], digest: Callable[[Page], bytes | None] | None = None) -> list[Document]:
    """What search finds of ``pages``, oldest first (undated pages, households and grids, first of all)."""
    section_titles = {s.url.split("/")[0]: s.title for s in site.sections()}
    # A sheet made only for paper (the poster) is not a result.
    shown = [page for page in pages if "phone" in page.renditions]
    if _remembered and digest:
        return _remembered.oldest_first(_remembered.documents_of(shown, section_titles, site.today, digest))
    found = [_document(page, section_titles.get(page.path.partition("/")[0], ""), site.today) for page in shown]
    return sorted(filter(None, found), key=_OLDEST)


# ---------------------------------------------------------------- the kiosk keyboard

def _published(site) -> list:
    """The notices the keyboards count, drafts left out; the same list for both keys, once a build."""
    key = ("published notices",)
    if key not in site.worked_out:
        site.worked_out[key] = [n for notices in site.notices.values() for n in notices if not n.draft]
    return site.worked_out[key]


def _searchable(notices: list) -> list[str]:
    """Titles, categories and summaries of what is published: where the keyboard's words come from."""
    return [_join(n.title, n.category, n.summary) for n in notices]


def keyboard_words(site) -> list[str]:
    """Up to ``KEYBOARD_SIZE`` common words that stand in this village's titles, most used first;
    the clerk's own categories (低保, 惠农补贴…) come in too."""
    published = _published(site)
    candidates = list(dict.fromkeys(list(COMMON_WORDS) + [n.category for n in published if n.category]))

    def patch(made, gone, added):  # what a save changed, counted in the few notices it changed
        words, counts = made
        if set(words) != set(candidates):  # a category new or gone: every notice is counted again
            return None
        less, more = _counts(candidates, _searchable(gone)), _counts(candidates, _searchable(added))
        return candidates, {w: counts[w] - less[w] + more[w] for w in candidates}

    # The notices' part as the last save in serve counted it, patched by the notices saved since:
    # ten thousand titles joined and searched again were a twentieth of a save.
    made = lambda: (candidates, _counts(candidates, _searchable(published)))
    _, counts = site.memo.again("keyboard", published, made, patch) if site.memo is not None else made()
    others = [_join(d.title, d.summary) for d in site.decisions] + [l.title for l in site.books.ledgers]
    others += [h.kind for h in site.households] + (["村规民约"] if site.compact.versions else [])
    counts = {w: counts[w] + n for w, n in _counts(candidates, others).items()}
    chosen = sorted((w for w in candidates if counts[w]), key=lambda w: (-counts[w], candidates.index(w)))
    # 党费收缴 beside 党费 finds nothing more when they stand in as many titles: one key is enough.
    chosen = [w for w in chosen if not any(u != w and u in w and counts[u] == counts[w] for u in chosen)]
    return chosen[:KEYBOARD_SIZE]


def _counts(words: list[str], texts: list[str]) -> dict[str, int]:
    """In how many of ``texts`` each of ``words`` stands."""
    joined = "\n".join(texts)
    if joined.count("\n") == len(texts) - 1 and not any("\n" in w for w in words):  # a line a text
        return {w: _texts_holding(w, joined) for w in words}
    return {w: sum(w in t for t in texts) for w in words}


def _texts_holding(word: str, joined: str) -> int:
    """How many lines of ``joined`` hold ``word``: the texts that hold it, counted in one pass over
    them all rather than a search of each (ten thousand titles, seventy words)."""
    count, at = 0, joined.find(word)
    while at != -1:
        count += 1
        end = joined.find("\n", at + len(word))
        if end == -1:
            break
        at = joined.find(word, end)
    return count


def keyboard_years(site) -> list[str]:
    """The newest years anything was published in, newest first: the kiosk keyboard's year keys."""
    published = _published(site)
    count = lambda notices: Counter(n.published_on.year for n in notices)
    # In serve, the notices' years as the last save counted them, patched by the notices saved since.
    made = lambda: count(published)
    patch = lambda made, gone, added: made - count(gone) + count(added)  # a year none is left in goes
    years = site.memo.again("years", published, made, patch) if site.memo is not None else made()
    years = set(years) | {l.published.year for l in site.books.ledgers}
    return [str(year) for year in sorted(years, reverse=True)[:YEAR_KEYS]]

