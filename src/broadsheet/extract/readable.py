"""Find the article element of a page.

readability-lxml gives the first answer, on the tree we already parsed (it
works on a copy).  When that answer is poor (empty, very short next to the
page's text, or mostly links) a second opinion scores the page's containers
by their paragraph text, and as a last resort the page's text paragraphs are
gathered in order.
"""

from __future__ import annotations

import copy
import logging

import lxml.html
from lxml.etree import tounicode
from readability import Document as _ReadabilityDocument
from readability.readability import REGEXES as _REGEXES

from .blocks import MAX_DOCUMENT_TABLE_ROWS, MAX_TABLE_ROWS, is_layout_table

_DISPLAY_NONE = _REGEXES["displayNoneRe"]

# readability logs a traceback when it gives up; broadsheet reports
# failures itself, so keep that off the terminal.
logging.getLogger("readability.readability").addHandler(logging.NullHandler())

_NOT_TEXT = frozenset({
    "script", "style", "noscript", "iframe", "template", "svg", "head", "title", "nav",
    "aside", "form", "button", "select", "textarea", "header", "footer", "figcaption",
})
_LEAVES = ("p", "pre", "td", "blockquote", "li", "dd")
_CONTAINERS = frozenset({"div", "section", "article", "main", "td", "body", "span", "font", "center"})


class _Readability(_ReadabilityDocument):
    """readability's Document that also hands back the article element.

    It works on a copy of a tree that is already parsed, keeps embedded
    quotes (``<blockquote class="twitter-tweet">``) that readability would
    take for chrome by their class, and skips work
    whose result broadsheet does not use: lxml's HTML cleaner (the blocks
    converter never outputs HTML and drops scripts itself) and the debug
    descriptions readability builds for every element it looks at.
    """

    node = None
    more_rows: dict = {}

    def _parse(self, input):
        doc = copy.deepcopy(input)
        for elem in doc.xpath("//*[@hidden]"):
            elem.drop_tree()
        for elem in doc.xpath("//*[@style]"):
            if _DISPLAY_NONE.search(elem.get("style")):
                elem.drop_tree()
        for elem in list(doc.iter("script", "style", "link")):
            elem.drop_tree()
        doc.resolve_base_href(handle_failures="discard")
        self.more_rows = drop_extra_rows(doc)
        return doc

    def remove_unlikely_candidates(self):
        unlikely = _REGEXES["unlikelyCandidatesRe"]
        maybe = _REGEXES["okMaybeItsACandidateRe"]
        for elem in self.html.xpath(".//*[@class or @id]"):
            s = "{} {}".format(elem.get("class", ""), elem.get("id", ""))
            if len(s) < 2:
                continue
            if (
                unlikely.search(s)
                and not maybe.search(s)
                and elem.tag not in ("html", "body", "blockquote")
                and not elem.xpath("ancestor-or-self::pre | ancestor-or-self::code")
                and not elem.xpath(
                    "descendant-or-self::main | descendant-or-self::article | "
                    "descendant-or-self::math"
                )
            ):
                elem.drop_tree()

    def get_preserved_elements(self, node):
        """Also keep the small data tables of the article (and their wrappers).

        Readability removes a table whose text is short (under 25
        characters: a table of figures) with no question of whether it is
        part of the text; a data table among the article's paragraphs is.
        Tables of links and tables with chrome names stay readability's call.
        """
        allowed = super().get_preserved_elements(node)
        for table in node.iter("table"):
            if not _is_data_table(table) or self.class_weight(table) < 0 \
                    or self.get_link_density(table) > 0.2:
                continue
            allowed[table] = True
            el = table
            while True:  # wrappers holding nothing but the table
                parent = el.getparent()
                if (
                    parent is None
                    or parent is node
                    or len(parent) != 1
                    or (parent.text or "").strip()
                    or (el.tail or "").strip()
                    or self.class_weight(parent) < 0
                ):
                    break
                allowed[parent] = True
                el = parent
        return allowed

    def get_clean_html(self):  # noqa: D401 - readability's extension point
        self.node = self.html
        # readability only measures this string; the element is what we use
        return tounicode(self.html, method="html")


def _text(el) -> str:
    return " ".join(el.text_content().split())


def _link_text_len(el) -> int:
    return sum(len(" ".join(a.text_content().split())) for a in el.iter("a"))


def _table_rows(table):
    """The rows of ``table`` (not of tables inside it), in order."""
    for child in table:
        tag = child.tag
        if tag == "tr":
            yield child
        elif tag in ("thead", "tbody", "tfoot"):
            for row in child:
                if row.tag == "tr":
                    yield row


_JUDGE_ROWS = 10
_SMALL_TABLE_ROWS = 30


def _is_data_table(table) -> bool:
    """A small table of data: a few rows of two or more cells, no block content."""
    if is_layout_table(table):
        return False
    rows = 0
    wide = False
    for row in _table_rows(table):
        cells = sum(1 for cell in row if cell.tag in ("td", "th"))
        if cells and row.text_content().strip():
            rows += 1
            wide = wide or cells >= 2
            if rows > _SMALL_TABLE_ROWS:
                return False
    return rows >= 2 and wide


def drop_extra_rows(doc) -> dict:
    """Remove the rows past ``MAX_TABLE_ROWS`` from the big data tables of ``doc``.

    Also the rows past ``MAX_DOCUMENT_TABLE_ROWS`` of all data tables together.

    Readability scores every cell of a table, and the later steps walk every
    element; for a table of thousands of rows that is most of the work, on
    rows the blocks converter would leave out anyway.  Returns
    ``{table: number of removed rows with text}`` for
    :func:`broadsheet.extract.blocks.convert`, which says how many rows
    were left out.
    """
    removed = {}
    budget = MAX_DOCUMENT_TABLE_ROWS
    for table in list(doc.iter("table")):
        rows = list(_table_rows(table))
        if len(rows) < 2 or is_layout_table(table):
            continue
        # past the document's budget a table keeps a few rows, for
        # readability to judge it by; the blocks converter leaves them out
        keep = max(_JUDGE_ROWS, min(MAX_TABLE_ROWS, budget))
        budget -= min(len(rows), keep)
        if len(rows) <= keep:
            continue
        count = 0
        for row in rows[keep:]:
            if row.text_content().strip():
                count += 1
            row.getparent().remove(row)  # the row's tail goes with it
        removed[table] = count
    return removed


def readability_node(root, more_rows: dict | None = None):
    """The article element readability picks, or None.

    Readability works on a copy of ``root``; when ``more_rows`` is given it
    receives the rows taken out of that copy's big tables (see
    :func:`drop_extra_rows`).
    """
    try:
        finder = _Readability(root)
        finder.summary(html_partial=True)
    except Exception:  # readability raises Unparseable and, on odd trees, anything
        return None
    if more_rows is not None:
        more_rows.update(finder.more_rows)
    return finder.node


def _visible_elements(root):
    """Elements of ``root`` outside scripts, navigation and the like."""
    stack = [root]
    while stack:
        el = stack.pop()
        tag = el.tag
        if not isinstance(tag, str) or tag in _NOT_TEXT:
            continue
        yield el
        stack.extend(reversed(el))


_INLINE = frozenset({
    "a", "b", "i", "em", "strong", "span", "font", "small", "sup", "sub", "u", "code", "mark",
    "cite", "q", "abbr", "time", "br",
})


def _own_text_len(el) -> int:
    """Text directly in ``el`` and in its inline children."""
    total = len((el.text or "").strip())
    for child in el:
        if isinstance(child.tag, str) and child.tag in _INLINE:
            total += len(" ".join(child.text_content().split()))
        total += len((child.tail or "").strip())
    return total


def score_candidates(root):
    """Our own guess: the container with the most paragraph text.

    Returns (element, non-link text length) or (None, 0).
    """
    scores: dict = {}
    for el in _visible_elements(root):
        tag = el.tag
        if tag in _LEAVES:
            length = len(_text(el))
        elif tag in _CONTAINERS:
            length = _own_text_len(el)
        else:
            continue
        if length < 40:
            continue
        parent = el.getparent()
        if parent is None:
            continue
        score = 1 + min(length / 100, 3) + el.text_content().count(",")
        scores[parent] = scores.get(parent, 0.0) + score
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0.0) + score / 2
    best, best_score, best_len = None, 0.0, 0
    for el, score in scores.items():
        text_len = len(_text(el))
        if not text_len:
            continue
        links = _link_text_len(el)
        density = links / text_len
        score *= 1 - density
        if score > best_score:
            best, best_score, best_len = el, score, text_len - links
    return best, best_len


def _inline_text(el) -> str:
    parts = [(el.text or "").strip()]
    for child in el:
        if isinstance(child.tag, str) and child.tag in _INLINE:
            parts.append(" ".join(child.text_content().split()))
        parts.append((child.tail or "").strip())
    return " ".join(p for p in parts if p)


def text_paragraphs(root):
    """A new <div> with copies of the page's text paragraphs, in order."""
    out = lxml.html.fragment_fromstring("<div></div>")
    stack = [root]
    while stack:
        el = stack.pop()
        tag = el.tag
        if not isinstance(tag, str) or tag in _NOT_TEXT:
            continue
        if tag in _LEAVES:
            text_len = len(_text(el))
            if text_len >= 60 and _link_text_len(el) / text_len <= 0.4:
                out.append(copy.deepcopy(el))
                out[-1].tail = None
                continue  # the copy holds everything inside
        elif tag in _CONTAINERS:
            own = _inline_text(el)
            if len(own) >= 60:
                p = lxml.html.Element("p")
                p.text = own
                out.append(p)
        stack.extend(reversed(el))
    return out


def find_article(root, more_rows: dict | None = None):
    """The element holding the article (possibly a new element), never None.

    ``more_rows`` (optional) receives ``{table: rows left out}`` for the big
    tables whose extra rows were taken out (see :func:`drop_extra_rows`).
    """
    node = readability_node(root, more_rows)
    chosen = node
    if node is not None:
        text_len = len(_text(node))
        links = _link_text_len(node)
        good = text_len - links
        poor = text_len < 250 or links > 0.5 * text_len
        if not poor and text_len < 1500:
            # short: compare with the page's own text
            body = root.find("body")
            if body is not None:
                page_len = sum(len(_text(p)) for p in body.iter("p"))
                poor = page_len > 4 * text_len
    else:
        good, poor = 0, True
    if poor:
        candidate, candidate_len = score_candidates(root)
        if candidate is not None and candidate_len > max(good * 1.5, good + 200):
            chosen = candidate
            good = candidate_len
        if chosen is None or good < 100:
            paragraphs = text_paragraphs(root)
            if len(_text(paragraphs)) > good:
                chosen = paragraphs
    if chosen is None:
        body = root.find("body")
        chosen = body if body is not None else root
    if chosen is not node:
        for el in list(chosen.iter("script", "style", "noscript", "template")):
            el.drop_tree()
    return chosen
