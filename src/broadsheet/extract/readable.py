"""Find the article element of a page.

readability-lxml gives the first answer, on the tree we already parsed (it
works on a copy).  When that answer is poor (empty, very short next to the
page's text, or mostly links) a second opinion scores the page's containers
by their paragraph text, and as a last resort the page's text paragraphs are
gathered in order.

readability's own measuring is kept but made cheaper, with the same answers
as its own code: lengths without its three regex passes per text
(:func:`clean_len`), block tags found without serialising every <div>
(linear instead of quadratic in nesting depth), and no debug messages built
for every element.
"""

from __future__ import annotations

import copy
import logging
import re

import lxml.html
from lxml.etree import tostring, tounicode
from lxml.html import fragment_fromstring
from readability import Document as _ReadabilityDocument
from readability.readability import REGEXES as _REGEXES
from readability.readability import is_video_url as _is_video_url

from .blocks import MAX_DOCUMENT_TABLE_ROWS, MAX_TABLE_ROWS, is_layout_table

_DISPLAY_NONE = _REGEXES["displayNoneRe"]
_CALL_TO_ACTION = _REGEXES["callToActionRe"]
# whitespace other than a space or a newline (str.isspace() and re's \s agree)
_ODD_SPACES = (
    "\t\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_ODD_SPACE = re.compile("[" + _ODD_SPACES + "]")


def _space_run_len(run: str) -> int:
    """The length readability's ``clean`` leaves of a whitespace run inside a text."""
    if len(run) >= 255 or "\n" in run:
        return 1  # "\n", or 255 spaces that become one
    # tabs and runs of spaces and tabs: "\t" -> " ", "[ \t]{2,}" -> " "
    n = 0
    i, end = 0, len(run)
    while i < end:
        ch = run[i]
        if ch == " " or ch == "\t":
            j = i
            while j < end and run[j] == "\t":
                j += 1
            n += j - i  # each leading tab becomes a space
            k = j
            while k < end and (run[k] == " " or run[k] == "\t"):
                k += 1
            if k > j:
                n += 1  # the rest, from the first space on, becomes one space
            i = k
        else:
            n += 1  # other whitespace (no-break spaces…) stays as it is
            i += 1
    return n


def clean_len(text: str) -> int:
    """``len(readability.readability.clean(text))``, without its three regex passes.

    readability measures every paragraph, container and link by that
    length; on a long article its substitutions over the text of each
    container were most of the time spent finding the article.  Only the
    length is needed: every whitespace run inside the text becomes one
    character unless it holds tabs or other odd spaces and no newline, and
    those few runs are measured one by one.
    """
    s = text.strip()
    if not s:
        return 0
    if len(s) < 1000:
        match = _ODD_SPACE.search(s)
        odd = -1 if match is None else match.start()
    else:  # a find() per odd space is much faster than one search for them all
        odd = min((i for i in map(s.find, _ODD_SPACES) if i >= 0), default=-1)
    if odd < 0 and "  " not in s and "\n" not in s:
        return len(s)  # every run is one space
    words = s.split()
    n = sum(map(len, words)) + len(words) - 1
    if odd < 0:
        return n
    last = -1
    for match in _ODD_SPACE.finditer(s, odd):
        start = match.start()
        if start < last:
            continue  # in a run already measured
        while s[start - 1].isspace():  # s is stripped: a run never reaches either end
            start -= 1
        end = match.end()
        while s[end].isspace():
            end += 1
        last = end
        n += _space_run_len(s[start:end]) - 1
    return n


def _text_length(el) -> int:
    return clean_len(el.text_content() or "")


# readability's divToPElementsRe, "<(blockquote|dl|div|img|ol|p|pre|table|ul)",
# as the start of a tag name
_BLOCK_PREFIXES = ("blockquote", "dl", "div", "img", "ol", "p", "table", "ul")
_DIV_TO_P = _REGEXES["divToPElementsRe"]
# inline tags readability gathers into a new <p> (transform_misused_divs_into_paragraphs)
_READABILITY_INLINE = frozenset({
    "a", "b", "cite", "code", "em", "font", "i", "small", "span", "strong", "sub", "sup", "u",
})


def _has_block_inside(el, div: bool) -> bool:
    """Whether readability's divToPElementsRe finds a block tag in ``el``'s markup.

    ``div``: readability's test of a <div> (the XML markup of its children,
    with their tails); otherwise its test of an inline child (the HTML markup
    of the element itself).
    """
    for node in el.iterdescendants() if div else el.iter():
        tag = node.tag
        if not isinstance(tag, str) or tag in ("script", "style"):
            # markup that may hold a "<" of its own: readability's test
            if div:
                return _DIV_TO_P.search(str(b"".join(tostring(c, encoding="utf-8") for c in el))) is not None
            return _DIV_TO_P.search(tounicode(el, method="html")) is not None
        if tag.lower().startswith(_BLOCK_PREFIXES):
            return True
    return False


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

    # -- readability's scoring, measured with clean_len ----------------------
    # The methods below are readability-lxml 0.9's, with the same decisions:
    # lengths come from clean_len (equal to len(clean(text))) and the debug
    # messages readability formats for every element it looks at are left out.

    def get_link_density(self, elem):
        link_length = 0
        for a in elem.iterdescendants("a"):
            link_length += _text_length(a)
        return float(link_length) / max(_text_length(elem), 1)

    def score_paragraphs(self):
        min_len = self.min_text_length
        candidates = {}
        ordered = []
        for elem in self.tags(self._html(), "p", "pre", "td", "blockquote"):
            parent_node = elem.getparent()
            if parent_node is None:
                continue
            grand_parent_node = parent_node.getparent()
            inner_text = elem.text_content() or ""
            inner_text_len = clean_len(inner_text)
            if inner_text_len < min_len:
                continue
            if parent_node not in candidates:
                candidates[parent_node] = self.score_node(parent_node)
                ordered.append(parent_node)
            if grand_parent_node is not None and grand_parent_node not in candidates:
                candidates[grand_parent_node] = self.score_node(grand_parent_node)
                ordered.append(grand_parent_node)
            content_score = 1
            content_score += inner_text.count(",") + 1  # clean() keeps every comma
            content_score += min((inner_text_len / 100), 3)
            candidates[parent_node]["content_score"] += content_score
            if grand_parent_node is not None:
                candidates[grand_parent_node]["content_score"] += content_score / 2.0
        for elem in ordered:
            candidate = candidates[elem]
            candidate["content_score"] *= 1 - self.get_link_density(elem)
        return candidates

    def sanitize(self, node, candidates, keep_all_images=False):
        min_len = self.min_text_length
        for header in self.tags(node, "h1", "h2", "h3", "h4", "h5", "h6"):
            if self.class_weight(header) < 0 or self.get_link_density(header) > 0.33:
                header.drop_tree()
        for elem in self.tags(node, "p"):
            if _CALL_TO_ACTION.search(elem.text_content()) and self.get_link_density(elem) > 0.2:
                elem.drop_tree()
        for elem in self.tags(node, "form", "textarea"):
            elem.drop_tree()
        for elem in self.tags(node, "iframe"):
            if "src" in elem.attrib and _is_video_url(elem.attrib["src"]):
                elem.attrib.pop("srcdoc", None)
                elem.text = "VIDEO"
            else:
                elem.drop_tree()
        allowed = self.get_preserved_elements(node)
        # Conditionally clean <table>s, <ul>s, and <div>s
        for el in self.reverse_tags(node, "table", "ul", "div", "aside", "header", "footer", "section"):
            if el in allowed:
                continue
            weight = self.class_weight(el)
            if el in candidates:
                content_score = candidates[el]["content_score"]
            else:
                content_score = 0
            tag = el.tag
            if weight + content_score < 0:
                el.drop_tree()
                continue
            if el.text_content().count(",") >= 10:
                continue
            counts = {}
            for kind in ["p", "img", "li", "a", "embed", "input"]:
                counts[kind] = len(el.findall(".//%s" % kind))
            counts["li"] -= 100
            counts["input"] -= len(el.findall('.//input[@type="hidden"]'))
            content_length = _text_length(el)
            link_density = self.get_link_density(el)
            to_remove = False
            if keep_all_images and el.tag == "div" and counts["img"] >= 1:
                continue
            if counts["p"] and counts["img"] > 1 + counts["p"] * 1.3:
                to_remove = True  # too many images
            elif counts["li"] > counts["p"] and tag not in ("ol", "ul"):
                to_remove = True  # more <li>s than <p>s
            elif counts["input"] > (counts["p"] / 3):
                to_remove = True  # less than 3x <p>s than <input>s
            elif content_length < min_len and counts["img"] == 0:
                to_remove = True  # too short, without an image
            elif content_length < min_len and counts["img"] > 2:
                to_remove = True  # too short, and too many images
            elif weight < 25 and link_density > (
                0.25
                if tag in ("ul", "section") and el.xpath("ancestor::main | ancestor::article")
                else 0.2
            ):
                to_remove = True  # too many links for its weight
            elif weight >= 25 and link_density > 0.5:
                to_remove = True  # too many links for its weight
            elif (counts["embed"] == 1 and content_length < 75) or counts["embed"] > 1:
                to_remove = True  # <embed>s with too little text, or too many
            elif not content_length:
                to_remove = True  # no content
                # keep it when one sibling on either side has over 1000 characters
                siblings = []
                for sib in el.itersiblings():
                    sib_content_length = _text_length(sib)
                    if sib_content_length:
                        siblings.append(sib_content_length)
                        break
                for sib in el.itersiblings(preceding=True):
                    sib_content_length = _text_length(sib)
                    if sib_content_length:
                        siblings.append(sib_content_length)
                        break
                if siblings and sum(siblings) > 1000:
                    to_remove = False
                    for desnode in self.tags(el, "table", "ul", "div", "section"):
                        allowed[desnode] = True
            if to_remove:
                el.drop_tree()
        self.html = node
        return self.get_clean_html()

    def transform_misused_divs_into_paragraphs(self):
        """readability's, with the same result, in time linear in the page.

        readability serialises the children of every <div> (and every inline
        child of a <div>) to search the markup for a block tag, which costs
        the size of the div each time: minutes on a page of a few thousand
        nested divs.  The serialised markup holds "<" only at start and end
        tags (text and attribute values are escaped), so the search is the
        same as looking for an element whose tag starts like a block tag;
        comments, processing instructions and raw script text (which could
        hold a "<" too) fall back to readability's own test.
        """
        for elem in self.tags(self.html, "div"):
            if not _has_block_inside(elem, div=True):
                elem.tag = "p"

        for elem in self.tags(self.html, "div"):
            children = list(elem)
            paragraph = None
            if elem.text and elem.text.strip():
                p = fragment_fromstring("<p/>")
                p.text = elem.text
                elem.text = None
                elem.insert(0, p)
                paragraph = p

            for child in children:
                if child.tag == "br":
                    paragraph = None
                    continue
                if child.tag not in _READABILITY_INLINE or _has_block_inside(child, div=False):
                    paragraph = None
                    continue
                if paragraph is None:
                    paragraph = fragment_fromstring("<p/>")
                    child.addprevious(paragraph)
                paragraph.append(child)

            for pos, child in reversed(list(enumerate(elem))):
                if child.tail and child.tail.strip():
                    p = fragment_fromstring("<p/>")
                    p.text = child.tail
                    child.tail = None
                    elem.insert(pos + 1, p)
                if child.tag == "br":
                    child.drop_tree()

    def get_clean_html(self):  # noqa: D401 - readability's extension point
        self.node = self.html
        # readability only compares the length of this string with
        # retry_length; the element is what broadsheet uses.  The markup is
        # never shorter than the text, so a long text needs no serialising.
        if len(self.html.text_content()) >= self.retry_length:
            return " " * self.retry_length
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
