"""Remove the page chrome that article finders keep.

Two stages.  :func:`prune` works on the article element before it becomes
blocks: it removes elements whose class or id names chrome (when names are
readable) and teaser cards found by their age line ("19 hours ago"), which
also works when class names are hashed.  :func:`filter_blocks` works on the
blocks by their text and shape: share rows, hashtag rows, promos, comment
boxes, "Related articles" lists, copyright lines, captions, byline and date
lines, consent buttons ("Accept all") and a cookie notice at either end, the
title repeated as a heading, duplicates.  (Cookie walls and consent dialogs
themselves go earlier, with :mod:`broadsheet.extract.consent`; their class
names are not chrome names here, so a recipe in ``<div class="cookie-card">``
is kept.)
"""

from __future__ import annotations

import re
from typing import Sequence

from ..model import HEADING, IMAGE, LIST_ITEM, PARAGRAPH, PRE, TABLE_ROW, Block
from .consent import is_consent_button, is_consent_notice, phrases

# --------------------------------------------------------------------------
# element level
# --------------------------------------------------------------------------

# Class/id words that always mean chrome (unless the element holds most of the text).
_STRONG_CHROME = frozenset({
    "share", "sharing", "sharebar", "social", "socials", "newsletter", "newsletters",
    "related", "comments", "comment", "disqus", "breadcrumb", "breadcrumbs", "outbrain",
    "taboola", "recirc", "recirculation",
    "subscribe", "signup", "promo", "promos", "advert", "advertisement",
    "advertising", "ad", "ads", "adslot", "adunit", "sponsored", "sponsor", "popup", "modal",
    "toolbar", "sr-only", "visually-hidden", "screen-reader-text", "visuallyhidden",
    "hidden", "print-only", "skip-link", "jump-link", "trending", "mostread", "most-read",
    "most-popular", "recommended", "recommendations", "more-stories", "read-next", "up-next",
})
# Class/id words that mean chrome for small elements.
_WEAK_CHROME = frozenset({
    "byline", "bylines", "author", "authors", "bio", "dateline", "timestamp", "date",
    "meta", "tags", "tag", "tagged", "topics", "caption", "captions", "credit", "credits",
    "copyright", "footer", "masthead", "widget", "sidebar", "print", "tools", "banner",
    "more", "readmore", "read-more", "follow", "donate", "donation", "rating", "reactions",
    "teaser", "teasers", "rail", "popular",
})
_NAME_SPLIT = re.compile(r"[\s_\-]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_ROLES = frozenset({
    "navigation", "complementary", "banner", "contentinfo", "dialog", "alertdialog", "search",
    "menu", "menubar", "toolbar",
})

_AGE_CORE = (
    r"(?:(?:about|over|almost|nearly)\s+)?(?:\d{1,3}|an?|one)\s*"
    r"(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?|mo|mos|months?|y|yrs?|years?)"
    r"\s+ago"
)
AGE_LINE = re.compile(
    # "19 hours ago", "Updated 2h ago", "Harbour Herald · 3 days ago"
    rf"^\s*(?:[^\n·•|]{{1,30}}?\s*[·•|\-–—]\s*)?(?:(?:updated|posted|published)\s+)?{_AGE_CORE}\s*$",
    re.I,
)
_AGE_ANY = re.compile(_AGE_CORE, re.I)


def _names(el) -> list[str]:
    names = []
    for attr in ("class", "id"):
        value = el.get(attr)
        if value:
            value = _CAMEL.sub("-", value).lower()
            names.extend(value.split())
    return names


def _chrome_kind(el) -> int:
    """2: strong chrome name, 1: weak chrome name, 0: neither."""
    role = (el.get("role") or "").lower()
    if role in _ROLES:
        return 2
    names = _names(el)
    if not names:
        return 0
    kind = 0
    for name in names:
        if name in _STRONG_CHROME:
            return 2
        tokens = _NAME_SPLIT.split(name)
        for token in tokens:
            if token in _STRONG_CHROME:
                return 2
            if token in _WEAK_CHROME:
                kind = 1
        if name in _WEAK_CHROME:
            kind = 1
    return kind


_INLINE = frozenset({
    "a", "span", "b", "i", "em", "strong", "small", "font", "abbr", "cite", "time", "sup", "sub", "u",
    "mark", "q", "code",
})


def _isolated(el) -> bool:
    """True when an inline element is not part of running text."""
    if (el.tail or "").strip():
        return False
    previous = el.getprevious()
    if previous is not None:
        return not (previous.tail or "").strip()
    parent = el.getparent()
    return parent is None or not (parent.text or "").strip()


def _text_len(el) -> int:
    return len(" ".join(el.text_content().split()))


def prune(node) -> None:
    """Remove chrome elements from the article element ``node`` (in place)."""
    total = _text_len(node)
    if not total:
        return
    offset = 0
    chrome: list[tuple[object, int]] = []
    ages: list[tuple[object, int]] = []
    aria: list[object] = []
    for el in node.iter():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        text = el.text
        if text:
            stripped = text.strip()
            if stripped and len(stripped) <= 60 and "ago" in stripped.lower() and AGE_LINE.match(stripped) \
                    and _text_len(el) <= 80:
                ages.append((el, offset))
            offset += len(stripped)
        if el.tail:
            offset += len(el.tail.strip())
        if el is node:
            continue
        kind = _chrome_kind(el)
        if kind:
            chrome.append((el, kind))
        elif el.get("aria-hidden") == "true":
            aria.append(el)
    removed: set = set()

    def drop(el) -> None:
        if el.getparent() is None:
            return
        removed.add(el)
        el.drop_tree()

    for el, kind in chrome:
        if el.getparent() is None or any(a in removed for a in el.iterancestors()):
            continue
        if el.tag in _INLINE and not _isolated(el):
            continue  # a link or a name inside a sentence
        length = _text_len(el)
        if kind == 2:
            if length < 0.6 * total or (length < 0.8 * total and total - length > 500):
                if el.find(".//img") is not None and length < 30 and el.tag in ("figure", "picture"):
                    continue
                drop(el)
        elif length < 0.3 * total and length < 1500:
            captioned_picture = (
                length < 200
                and el.find(".//img") is not None
                and any("caption" in n or "credit" in n for n in _names(el))
            )
            if el.tag in ("figure", "picture") or captioned_picture:
                # keep the picture; its caption went with figcaption already
                continue
            drop(el)
    for el in aria:
        if el.getparent() is not None and not any(a in removed for a in el.iterancestors()):
            if _text_len(el) < 200:
                drop(el)

    # Teaser cards: the smallest container around an age line that holds
    # one age line and little else.  An age line near the top is the
    # article's own time stamp: only the line goes.
    for el, position in ages:
        if el.getparent() is None or any(a in removed for a in el.iterancestors()):
            continue
        if position < 0.15 * total and position < 600:
            drop(el)
            continue
        card = el
        while True:
            parent = card.getparent()
            if parent is None or parent is node:
                break
            text = " ".join(parent.text_content().split())
            if len(text) > 700 or len(_AGE_ANY.findall(text)) > 1:
                break
            card = parent
        drop(card)


# --------------------------------------------------------------------------
# block level
# --------------------------------------------------------------------------

_SHARE_WORDS = frozenset("""
share shares shared sharing this article story post page on via tweet twitter x facebook fb email e-mail
mail whatsapp linkedin pinterest reddit print copy link copied telegram messenger flipboard
pocket tumblr sms threads bluesky mastodon save comment comments gift and or the to with
your friends url close menu more options vk ok line weibo wechat bookmark pin pint pinit
baixar compartilhar compartir partager teilen condividi delen dela del udostępnij поделиться
""".split())
_SHARE_TRIGGERS = frozenset("""
share tweet facebook twitter whatsapp linkedin email pinterest reddit print bookmark
compartilhar compartir partager teilen condividi поделиться
""".split())
_HASHTAG_ROW = re.compile(r"^(?:(?:tags?|topics?|tagged|schlagwörter|temas)\s*:?\s*)?(?:#[\w\-]+[\s,·|]*){1,}$", re.I | re.U)
_TAGS_LINE = re.compile(r"^(?:tags?|topics?|tagged(?: with)?|filed under|categories|category|more on|keywords)\s*:", re.I)
_PROMO = re.compile(
    r"(?:"
    r"\bsign up (?:for|to)\b.*\b(?:newsletter|updates|emails?|alerts?|inbox|briefing)"
    r"|\bsubscribe (?:to|for)\b.*\b(?:newsletter|updates|emails?|alerts?|inbox|briefing|podcast|channel)"
    r"|\b(?:get|receive) (?:the|our)\b.*\b(?:newsletter|in your inbox|delivered)"
    r"|\bnewsletter\b.*\b(?:sign up|subscribe|inbox)"
    r"|\b(?:try|download|get|install) (?:our|the) (?:free )?(?:\w+ )?app\b"
    r"|\bexplore what\b.*\bcan do for you\b"
    r"|\bfollow us on\b"
    r"|\bsupport (?:our|independent) journalism\b"
    r"|\b(?:already a subscriber|subscribe now|subscribers only|log ?in to (?:read|continue))\b"
    r"|\benable javascript\b|\byour browser does not support\b"
    r"|\b(?:click|tap) here (?:to|for)\b"
    r"|\b(?:this \w+|javascript) (?:requires|needs) javascript\b|\brequires javascript\b"
    r"|\bshare (?:it|this)(?: story| article)? with (?:a|your) friends?\b"
    r"|\bmay (?:get|earn|receive) a (?:share|commission|small commission)\b|\baffiliate (?:links?|commission)\b"
    r"|^follow (?:us|\w+(?: \w+)?) on (?:twitter|instagram|facebook|youtube|linkedin|tiktok)"
    r")",
    re.I,
)
_EXPLORE = re.compile(r"\bexplore what\b.*\bcan do for you\b", re.I)
_COMMENTS_HEAD = re.compile(
    r"^(?:(?:\d+\s+)?(?:comments?|reader comments)|\d+\s+(?:responses?|replies)|leave a (?:reply|comment)"
    r"|join the (?:conversation|discussion)|add a comment|post a comment|what do you think\??"
    r"|have your say|show comments|view comments|\d+ thoughts? on .*)\s*(?:\(\d+\))?[:.!]?$",
    re.I,
)
_COMMENTS_LINE = re.compile(
    r"^(?:no comments(?: yet)?|be the first to comment|comments are closed|there are no comments"
    r"|log ?in to comment|sign ?in to comment|you must be logged in.*|start the conversation"
    r"|\d+ comments?|comments? \(\d+\)|load comments|show comments|view comments|leave a comment"
    r"|cancel reply|post comment|comment)[.!:]?$",
    re.I,
)
_WP_LINES = re.compile(
    r"^(?:like this:?|like|loading\.*…?|like loading\.*…?|share this:?|share:?|related|"
    r"click to share on .*|click to email .*|click to print .*|\(opens in new window\)|"
    r"advertisement|advertisements|adverti[sz]ing|ad|sponsored(?: content)?|story continues below(?: advertisement)?|"
    r"continue reading(?: below)?|scroll to continue(?: with content)?|skip (?:to )?(?:main )?content|"
    r"skip advertisement|report an ad|advert|close|more|tags|subscribe|image \d+ of \d+|\d+ of \d+|[\d\s]+|"
    r"tempo de leitura:? .{1,20}|lesezeit:? .{1,20}|reading time:? .{1,20}|"
    r"read more|see more|show more|load more|back to top|top of page|print this page|"
    r"listen to this article|listen|text size|font size|resize text|\d+ min(?:ute)?s? read|\d+ min(?:ute)? listen)[.!:]?$",
    re.I,
)
_CREDITS = re.compile(
    r"^\(?(?:(?:additional |with )?reporting by .{2,200}|editing by .{2,120}|writing by .{2,120}"
    r"|.{2,200}\bcontributed (?:to this report|reporting)\b.{0,80}"
    r"|our standards:.{0,80}|write to .{2,80} at \S+@\S+|reach the (?:reporter|writer|author)s? .{0,200}"
    r"|[\w.+-]+@[\w-]+\.[\w.]+|(?:https?://)?(?:www\.)?twitter\.com/\w+)\)?\.?$",
    re.I,
)
_COPYRIGHT = re.compile(
    r"^(?:©|\(c\)\s*\d{4}|copyright\s*(?:©|\(c\)|\d{4})|all rights reserved)|all rights reserved\.?$",
    re.I,
)
_CAPTION = re.compile(
    r"^(?:photo|photograph|image|picture|pictured|illustration|credit|source|foto|bild|video|graphic)s?"
    r"(?:\s+(?:by|credit|courtesy))?\s*[:/|©]"
    r"|(?:[/|©(]|\bvia\b|\bphoto:)\s*[\w .,'&-]{0,40}?(?:getty images|afp|ap photo|ap|reuters|shutterstock|"
    r"istock(?:photo)?|alamy|epa|pa media|pa wire|bloomberg|getty)\s*\)?\.?$"
    r"|^\(?(?:photo|image|picture) (?:by|courtesy of|credit)\b",
    re.I,
)
_RELATED_HEAD = re.compile(
    r"^(?:related(?: articles?| stories| content| coverage| posts?| news| reading| links| topics)?"
    r"|read more(?: about| on| from| stories| articles| news)?.{0,40}|more (?:stories|news|articles|headlines|from .{1,40}|on this(?: story| topic)?|to read|in .{1,30})"
    r"|you (?:may|might) (?:also )?(?:like|enjoy|be interested in)|recommended(?: for you| stories| articles| reading| videos)?"
    r"|most (?:read|popular|viewed|shared|commented|watched)(?: (?:in|on|from) .{1,40})?|(?:trending|popular|latest) (?:in|on) .{1,40}"
    r"|trending(?: now| stories| news)?|also read|don'?t miss"
    r"|what to read next|read next|up next|latest (?:news|stories|articles|headlines|videos)|top stories"
    r"|editor'?s picks|popular (?:now|stories|articles)|around the web|from (?:our|the) partners|promoted stories"
    r"|(?:more|other) (?:top )?stories|in case you missed it|elsewhere on .{1,40}|recent posts|popular posts"
    r"|more\b.{0,40}\b(?:stories|news|articles|coverage|reading|videos|headlines))[:.!…]*$",
    re.I,
)
_READ_MORE_LEAD = re.compile(
    r"^\[?(?:read more|see more|also|read also|also read|related|see also|more|watch|listen|read|recommended|more on this|"
    r"click here|opinion|analysis|explainer|live|latest)\s*[:>»|–—-]",
    re.I,
)
_BYLINE_LINE = re.compile(r"^(?:by|von|por|par|door|av|af|di)\s+\S", re.I)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DATE_LINE = re.compile(
    rf"(?:\b(?:{_MONTHS})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\s+(?:{_MONTHS})\b|\b\d{{4}}-\d\d-\d\d\b|"
    r"\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d{1,2}:\d\d\b|\b(?:published|updated|posted|last modified)\b)",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)]*(?:\s|$)")
_WORD = re.compile(r"\w+", re.U)


# Words each of _PROMO's (and _COPYRIGHT's) alternatives needs, lower case: a
# text with none of them cannot match, and "in" is much faster than the search.
_PROMO_WORDS = (
    "sign up ", "subscribe ", "subscriber", "newsletter", "in your inbox", "delivered", " app",
    "explore what", "follow", "journalism", "in to read", "in to continue", "javascript",
    "your browser does not support", " here to", " here for", " friend", "may ", "affiliate ",
)
_COPYRIGHT_WORDS = ("©", "(c)", "copyright", "all rights reserved")
# re.IGNORECASE matches these with i, k and s too; lower() alone would not
_FOLD = (("\u0130", "i"), ("\u0131", "i"), ("\u017f", "s"), ("\u212a", "k"))


def _folded(text: str) -> str:
    """``text`` in lower case, as re.IGNORECASE compares ASCII letters."""
    if not text.isascii():
        for letter, ascii_letter in _FOLD:
            if letter in text:
                text = text.replace(letter, ascii_letter)
    return text.lower()


def _is_promo(text: str) -> bool:
    folded = _folded(text)
    return any(word in folded for word in _PROMO_WORDS) and _PROMO.search(text) is not None


def _key(text: str) -> str:
    return "".join(_WORD.findall(text.casefold()))


def _link_share(block: Block) -> float:
    total = sum(len(s.text) for s in block.spans)
    if not total:
        return 0.0
    linked = sum(len(s.text) for s in block.spans if s.link is not None)
    return linked / total


def _is_share_row(text: str) -> bool:
    words = re.findall(r"[\w\-]+", text.lower())
    if not words or len(words) > 16:
        return False
    if not any(w in _SHARE_TRIGGERS for w in words):
        return False
    return all(w in _SHARE_WORDS or w.isdigit() for w in words)


def _is_hashtag_row(text: str) -> bool:
    return len(text) <= 400 and "#" in text and bool(_HASHTAG_ROW.match(text.strip()))


def _is_chrome_line(block: Block, text: str) -> bool:
    """A block that is chrome wherever it appears."""
    if block.kind == IMAGE:
        alt = text[8:-1]
        return bool(alt) and (_is_share_row(alt) or _is_promo(alt))
    if block.kind in (PRE, TABLE_ROW):
        return False
    length = len(text)
    if length <= 60 and _WP_LINES.match(text):
        return True
    if length <= 60 and is_consent_button(text) and phrases(text):
        return True  # "Accept all", "Manage options", "Alle akzeptieren"…
    if length <= 200 and _is_share_row(text):
        return True
    if _is_hashtag_row(text):
        return True
    if length <= 200 and _TAGS_LINE.match(text) and (_link_share(block) > 0.3 or length < 120):
        return True
    if length <= 300 and _is_promo(text):
        return True
    if length <= 80 and _COMMENTS_LINE.match(text):
        return True
    if length <= 250 and any(word in _folded(text) for word in _COPYRIGHT_WORDS) \
            and _COPYRIGHT.search(text):
        return True
    if length <= 300 and _CREDITS.match(text):
        return True
    if length <= 200 and _CAPTION.search(text) and not _SENTENCE_END.search(text[:-1]):
        return True
    if length <= 250 and _READ_MORE_LEAD.match(text) and _link_share(block) >= 0.5:
        return True
    return False


def _consent_run(blocks: Sequence[Block]) -> int:
    """How many of the first blocks are a cookie notice (with its short heading or buttons)."""
    count = notices = 0
    for block in blocks:
        if block.kind not in (PARAGRAPH, HEADING, LIST_ITEM):
            break
        text = block.text
        if block.kind == PARAGRAPH and is_consent_notice(text):
            notices += 1
        elif not (len(text) <= 80 and phrases(text)):
            break
        count += 1
    return count if notices else 0


def _is_teaser_like(block: Block, text: str) -> bool:
    return len(text) < 320 or _link_share(block) > 0.5 or block.kind in (HEADING, IMAGE)


def byline_from_blocks(blocks: Sequence[Block]) -> str:
    """A "By Name" line near the top of the blocks, without the "By"."""
    for block in list(blocks)[:6]:
        text = block.text.strip()
        if block.kind in (PARAGRAPH, HEADING) and len(text) <= 100 and _BYLINE_LINE.match(text) \
                and len(text.split()) <= 10 and not _SENTENCE_END.search(text[:-1]):
            return text
    return ""


def _is_title(key: str, title_keys: set[str]) -> bool:
    if not key or not title_keys:
        return False
    if key in title_keys:
        return True
    return len(key) > 20 and any(
        (key in t or t in key) and abs(len(key) - len(t)) < 0.3 * len(t) for t in title_keys
    )


def filter_blocks(
    blocks: Sequence[Block],
    *,
    titles: Sequence[str] = (),
    byline: str = "",
) -> list[Block]:
    """The blocks without chrome; order kept."""
    items = [b for b in blocks if b.kind == IMAGE or b.text.strip()]
    if not items:
        return []
    texts = [b.text.strip() for b in items]
    keep = [True] * len(items)
    total = sum(len(t) for t in texts) or 1

    # positions (share of text before each block)
    before = []
    running = 0
    for t in texts:
        before.append(running / total)
        running += len(t)

    title_keys = {_key(t) for t in titles if t and len(_key(t)) >= 6}
    byline_key = _key(byline) if byline else ""

    # 1. the head: title again, byline and date lines
    head_seen = 0
    for i, (block, text) in enumerate(zip(items, texts)):
        if block.kind == IMAGE:
            continue
        if head_seen >= 6 or before[i] > 0.25:
            break
        head_seen += 1
        key = _key(text)
        if block.kind in (HEADING, PARAGRAPH) and _is_title(key, title_keys):
            keep[i] = False
            continue
        if len(text) <= 120 and not _SENTENCE_END.search(text[:-1] if text.endswith(".") else text):
            words = len(text.split())
            if _BYLINE_LINE.match(text) and words <= 14 and not text.endswith((".", "!", "?")) \
                    and (text.split()[1][:1].isupper() or (byline_key and byline_key in key)):
                keep[i] = False
                continue
            if byline_key and len(byline_key) >= 4 and byline_key in key and len(key) <= len(byline_key) + 60:
                keep[i] = False
                continue
            if words <= 14 and _DATE_LINE.search(text) and block.kind != HEADING \
                    and not text.endswith((".", "!", "?")):
                keep[i] = False
                continue
            if AGE_LINE.match(text):
                keep[i] = False
                continue

    # 2. chrome lines anywhere
    for i, (block, text) in enumerate(zip(items, texts)):
        if keep[i] and _is_chrome_line(block, text):
            keep[i] = False

    # 2b. the list of tags after a "Tags" label
    for i, text in enumerate(texts):
        if i and not keep[i - 1] and re.match(r"^(?:tags?|topics?|tagged|keywords)\s*:?$", texts[i - 1], re.I):
            parts = [p.strip() for p in text.split(",")]
            if len(parts) >= 3 and all(len(p.split()) <= 6 for p in parts) and not _SENTENCE_END.search(text):
                keep[i] = False

    # 3. "Explore what X can do for you:" and its list
    for i, text in enumerate(texts):
        if "explore what" in _folded(text) and _EXPLORE.search(text):
            keep[i] = False
            j = i + 1
            while j < len(items) and items[j].kind == LIST_ITEM:
                keep[j] = False
                j += 1

    # 4. teaser cards that survived as separate blocks: an age line with
    # its source before and headline/teaser after
    for i, text in enumerate(texts):
        if len(text) > 80 or not AGE_LINE.match(text):
            continue
        keep[i] = False
        if i < 3 or (i < 6 and before[i] <= 0.25):
            continue  # the article's own time stamp
        if i > 0 and len(texts[i - 1].split()) <= 5 and not _SENTENCE_END.search(texts[i - 1]):
            keep[i - 1] = False
        for j in range(i + 1, min(i + 3, len(items))):
            if AGE_LINE.match(texts[j]) or not _is_teaser_like(items[j], texts[j]):
                break
            keep[j] = False

    # 5. comment boxes and "related" sections: when late and followed by
    # links or teaser cards, cut the rest; else drop the heading and the
    # linky teaser blocks after it
    for i, (block, text) in enumerate(zip(items, texts)):
        if len(text) > 80 or block.kind not in (HEADING, PARAGRAPH, LIST_ITEM):
            continue
        comments = bool(_COMMENTS_HEAD.match(text))
        related = not comments and bool(_RELATED_HEAD.match(text))
        if not (comments or related):
            continue
        rest = range(i + 1, len(items))
        rest_len = sum(len(texts[j]) for j in rest) or 1
        rest_links = sum(_link_share(items[j]) * len(texts[j]) for j in rest) / rest_len
        rest_ages = any(AGE_LINE.match(texts[j]) for j in rest if len(texts[j]) <= 80)
        late = before[i] >= 0.5
        if late and (comments or rest_links >= 0.35 or rest_ages):
            for j in range(i, len(items)):
                keep[j] = False
            break
        j = i + 1
        dropped = 0
        while j < len(items) and _is_teaser_like(items[j], texts[j]) and (
            _link_share(items[j]) > 0.5 or AGE_LINE.match(texts[j]) or _COMMENTS_LINE.match(texts[j])
            or (dropped and items[j].kind == IMAGE)
        ):
            keep[j] = False
            dropped += 1
            j += 1
        if dropped or comments or late or i + 1 == len(items):
            keep[i] = False

    # 6. runs of list items that are nothing but links
    i = 0
    while i < len(items):
        if items[i].kind == LIST_ITEM and _link_share(items[i]) > 0.85:
            j = i
            while j < len(items) and items[j].kind == LIST_ITEM and _link_share(items[j]) > 0.85:
                j += 1
            if j - i >= 3 or (j - i >= 2 and before[i] > 0.6):
                for k in range(i, j):
                    keep[k] = False
            i = j
        else:
            i += 1

    # 7. paragraphs that are one link and short, late in the page
    for i, (block, text) in enumerate(zip(items, texts)):
        if keep[i] and block.kind in (PARAGRAPH, HEADING) and before[i] > 0.5 and len(text) < 160 \
                and _link_share(block) > 0.9:
            keep[i] = False

    result = [b for b, k in zip(items, keep) if k]

    # 7b. a cookie notice in the page's own text, first or last
    del result[:_consent_run(result)]
    end = _consent_run(result[::-1])
    if end:
        del result[-end:]

    # 8. trailing headings and lone short lines at the end
    while result and (
        result[-1].kind == HEADING
        or (
            result[-1].kind in (PARAGRAPH, LIST_ITEM)
            and len(result[-1].text) < 40
            and _link_share(result[-1]) > 0.5
        )
    ):
        result.pop()

    # 9. duplicate consecutive blocks
    deduped: list[Block] = []
    image_srcs: set = set()  # of the pictures kept so far
    image_texts: set = set()
    for block in result:
        if deduped and deduped[-1].kind == block.kind and deduped[-1].text == block.text and block.kind != IMAGE:
            continue
        if block.kind == IMAGE:
            text = block.text
            if block.src in image_srcs or text in image_texts:
                continue  # the same picture again
            if title_keys and _key(text[8:-1]) in title_keys:
                continue  # the lead picture, described by the headline
            image_srcs.add(block.src)
            image_texts.add(text)
        deduped.append(block)
    return deduped


__all__ = ["AGE_LINE", "byline_from_blocks", "filter_blocks", "prune"]
