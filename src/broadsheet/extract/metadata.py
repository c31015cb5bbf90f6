"""Page metadata: title, byline, site, dates, lead image, language, address.

Sources, best first: Open Graph / ``article:`` meta tags, JSON-LD, plain
``<meta>`` tags, ``<time datetime>``, ``rel=author`` and ``.byline``
elements, ``<title>``.  Everything is sanitised; datetimes are aware UTC.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Iterator
from urllib.parse import urljoin, urlsplit

from ..sanitize import clean_line

_ARTICLE_TYPES = {
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "report",
    "analysisnewsarticle", "opinionnewsarticle", "reviewnewsarticle", "liveblogposting",
    "techarticle", "scholarlyarticle", "socialmediaposting", "backgroundnewsarticle",
    "posting", "creativework", "webpage", "medicalwebpage",
}
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " / ", " « ", " » ")
_BY_PREFIX = re.compile(r"^\s*(?:by|von|por|par|di|door|av|af)\s*[:\s]\s*", re.I)


@dataclass(slots=True)
class Metadata:
    title: str = ""
    title_variants: tuple[str, ...] = ()
    byline: str = ""
    site_name: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    lead_image: str | None = None
    language: str | None = None
    url: str | None = None


def parse_date(value: Any) -> datetime | None:
    """ISO 8601 (and RFC 2822) to an aware UTC datetime, or None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 64:
        return None
    moment = None
    candidate = text.replace("Z", "+00:00").replace("z", "+00:00")
    if " " in candidate and "T" not in candidate and re.match(r"\d{4}-\d\d-\d\d \d", candidate):
        candidate = candidate.replace(" ", "T", 1)
    # "+0000" offsets and fractional seconds of odd lengths
    candidate = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", candidate)
    candidate = re.sub(r"\.(\d{1,6})\d*", lambda m: "." + m.group(1).ljust(6, "0"), candidate)
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            moment = None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None


def absolute_http(href: Any, base: str | None) -> str | None:
    """An absolute http(s) address, or None."""
    if not isinstance(href, str):
        return None
    href = href.strip()
    if not href:
        return None
    try:
        absolute = urljoin(base, href) if base else href
        scheme = urlsplit(absolute).scheme.lower()
    except ValueError:
        return None
    if scheme not in ("http", "https"):
        return None
    return clean_line(absolute, limit=4000).replace(" ", "%20") or None


def _json_ld_objects(root) -> Iterator[dict]:
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            try:
                data = json.loads(re.sub(r"[\x00-\x1f]", " ", raw).rstrip(";"), strict=False)
            except ValueError:
                continue
        yield from _walk_ld(data, 0)


def _walk_ld(data: Any, depth: int) -> Iterator[dict]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk_ld(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _walk_ld(graph, depth + 1)
        main = data.get("mainEntity")
        if isinstance(main, (dict, list)):
            yield from _walk_ld(main, depth + 1)


def _ld_types(obj: dict) -> set[str]:
    kind = obj.get("@type")
    if isinstance(kind, str):
        return {kind.lower()}
    if isinstance(kind, list):
        return {str(k).lower() for k in kind}
    return set()


def _name_of(value: Any) -> str:
    """A person or organisation name from a JSON-LD value."""
    if isinstance(value, str):
        return value if not value.startswith(("http://", "https://")) else ""
    if isinstance(value, dict):
        name = value.get("name")
        return name if isinstance(name, str) else ""
    if isinstance(value, list):
        names = [_name_of(v) for v in value[:6]]
        return ", ".join(n.strip() for n in names if n and n.strip())
    return ""


def _image_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        url = value.get("url") or value.get("contentUrl")
        return url if isinstance(url, str) else None
    if isinstance(value, list) and value:
        return _image_of(value[0])
    return None


def clean_byline(text: str) -> str:
    text = clean_line(text, limit=300)
    text = _BY_PREFIX.sub("", text)
    return text.strip(" ,;|-–—")


def strip_site_from_title(title: str, site_name: str = "", guess: bool = True) -> str:
    """'Headline | Site' -> 'Headline' (and 'Site | Headline' alike).

    With a known site name only that part goes; with ``guess`` a short last
    (or first) part is taken for the site name when none is known.
    """
    title = title.strip()
    site_key = _key(site_name)
    for sep in _TITLE_SEPARATORS:
        if sep not in title:
            continue
        parts = [p.strip() for p in title.split(sep)]
        if site_key:
            kept = [p for p in parts if _key(p) != site_key]
            if kept and len(kept) < len(parts):
                return sep.join(kept)
        if not guess:
            continue
        # No site name to go by: the last part is the site when it is short.
        if len(parts) >= 2 and len(parts[-1].split()) <= 4 and len(sep.join(parts[:-1])) >= 15:
            return sep.join(parts[:-1])
        if len(parts) >= 2 and len(parts[0].split()) <= 3 and len(sep.join(parts[1:])) >= 25:
            return sep.join(parts[1:])
    return title


def _key(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())


def extract_metadata(root, url: str | None = None) -> Metadata:
    meta: dict[str, str] = {}
    for element in root.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop") or ""
        content = element.get("content")
        if not key or content is None:
            http_equiv = (element.get("http-equiv") or "").lower()
            if http_equiv == "content-language" and content:
                meta.setdefault("content-language", content)
            continue
        key = key.strip().lower()
        if content.strip():
            meta.setdefault(key, content)

    ld_article: dict = {}
    ld_any: dict = {}
    for obj in _json_ld_objects(root):
        types = _ld_types(obj)
        has_article_fields = "headline" in obj or "articleBody" in obj or "datePublished" in obj
        if types & _ARTICLE_TYPES and not ld_article and has_article_fields:
            ld_article = obj
        elif not ld_any and ("headline" in obj or "datePublished" in obj):
            ld_any = obj
    ld = ld_article or ld_any

    result = Metadata()

    # site name
    site = meta.get("og:site_name") or _name_of(ld.get("publisher")) or meta.get("application-name") or ""
    result.site_name = clean_line(site, limit=200)

    # title
    title_tag = root.find(".//title")
    raw_title = clean_line(title_tag.text_content() if title_tag is not None else "", limit=500)
    variants = []
    for candidate in (
        meta.get("og:title"),
        ld.get("headline") if isinstance(ld.get("headline"), str) else None,
        meta.get("twitter:title"),
        raw_title,
    ):
        if candidate:
            cleaned = clean_line(candidate, limit=500)
            if cleaned:
                variants.append(cleaned)
    title = variants[0] if variants else ""
    if title:
        result.title = strip_site_from_title(title, result.site_name, guess=title == raw_title)
    if raw_title:
        variants.append(strip_site_from_title(raw_title, result.site_name))
    h1 = root.find(".//h1")
    if h1 is not None:
        h1_text = clean_line(h1.text_content(), limit=500)
        if h1_text:
            variants.append(h1_text)
            if not result.title:
                result.title = h1_text
    result.title_variants = tuple(dict.fromkeys(v for v in variants if v))

    # byline
    byline = ""
    for candidate in (meta.get("author"), meta.get("article:author"), meta.get("dc.creator"),
                      meta.get("sailthru.author"), meta.get("parsely-author"), _name_of(ld.get("author"))):
        if candidate and not candidate.strip().startswith(("http://", "https://")):
            byline = candidate
            break
    if not byline:
        for element in root.iter("a", "span", "div", "p", "address"):
            rel = (element.get("rel") or "").lower().split()
            cls = (element.get("class") or "").lower()
            itemprop = (element.get("itemprop") or "").lower()
            if "author" in rel or "byline" in cls or itemprop == "author":
                text = clean_line(element.text_content(), limit=300)
                if text and len(text) <= 120:
                    byline = text
                    break
    result.byline = clean_byline(byline) if byline else ""

    # dates
    published = (
        parse_date(meta.get("article:published_time"))
        or parse_date(ld.get("datePublished"))
        or parse_date(meta.get("datepublished"))
        or parse_date(meta.get("date"))
        or parse_date(meta.get("dc.date"))
        or parse_date(meta.get("dc.date.issued"))
        or parse_date(meta.get("pubdate"))
        or parse_date(meta.get("og:published_time"))
    )
    updated = (
        parse_date(meta.get("article:modified_time"))
        or parse_date(ld.get("dateModified"))
        or parse_date(meta.get("og:updated_time"))
        or parse_date(meta.get("datemodified"))
    )
    if published is None:
        for element in root.iter("time"):
            published = parse_date(element.get("datetime"))
            if published is not None:
                break
    result.published = published
    result.updated = updated

    # lead image
    result.lead_image = (
        absolute_http(meta.get("og:image"), url)
        or absolute_http(meta.get("og:image:url"), url)
        or absolute_http(meta.get("og:image:secure_url"), url)
        or absolute_http(meta.get("twitter:image"), url)
        or absolute_http(_image_of(ld.get("image")), url)
    )

    # language
    language = root.get("lang") or root.get("xml:lang") or meta.get("content-language") or ""
    if not language:
        language = ld.get("inLanguage") if isinstance(ld.get("inLanguage"), str) else ""
    if not language and meta.get("og:locale"):
        language = meta["og:locale"].replace("_", "-")
    language = clean_line(language, limit=35)
    result.language = language if re.fullmatch(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*", language) else None

    # address
    canonical = None
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            canonical = absolute_http(link.get("href"), url)
            if canonical:
                break
    result.url = canonical or absolute_http(meta.get("og:url"), url) or absolute_http(url, None)
    return result
