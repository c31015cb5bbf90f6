"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1).

Tolerant: wrong types are ignored, items that cannot be read are skipped;
anything that is not a JSON Feed at all raises :class:`FeedError`.
"""

from __future__ import annotations

import email.utils
import json
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from broadsheet.model import FeedItem, ParsedFeed
from broadsheet.net.feeds import (
    FeedError,
    _json_feed_version,
    absolute_url,
    MAX_ITEMS,
    html_to_text,
    make_item,
    text_to_html,
)
from broadsheet.sanitize import clean, clean_line


def parse_json_feed(content: bytes | str, url: str) -> ParsedFeed:
    try:
        data = json.loads(content)
    except RecursionError:
        raise FeedError("not a feed (JSON nested too deeply)") from None
    except (ValueError, UnicodeDecodeError):
        raise FeedError("not a feed (invalid or incomplete JSON)") from None
    if _json_feed_version(data) is None:
        raise FeedError("not a feed (JSON, but not a JSON Feed)")
    title = clean_line(_str(data.get("title")))
    site_url = absolute_url(data.get("home_page_url"), url)
    feed_author = _authors(data)
    items: list[FeedItem] = []
    raw_items = data.get("items")
    for raw in raw_items if isinstance(raw_items, list) else ():
        if len(items) >= MAX_ITEMS:
            break
        if not isinstance(raw, dict):
            continue
        try:
            items.append(_item(raw, url, feed_author))
        except (TypeError, ValueError, AttributeError, KeyError, OverflowError, RecursionError):
            continue
    if not title:
        try:
            title = clean_line(urlsplit(site_url or url).hostname or "")
        except ValueError:
            title = ""
    return ParsedFeed(title=title, site_url=site_url, items=items)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _authors(node: dict) -> str:
    """1.1 ``authors`` (a list) wins over 1.0 ``author`` (one object)."""
    people = node.get("authors")
    if not isinstance(people, list) or not people:
        people = [node.get("author")]
    names: list[str] = []
    for person in people:
        name = person.get("name") if isinstance(person, dict) else None
        if isinstance(name, str):
            name = clean_line(name, limit=200)
            if name and name not in names:
                names.append(name)
    return ", ".join(names)


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def _item(raw: dict, feed_url: str, feed_author: str) -> FeedItem:
    link = absolute_url(raw.get("url"), feed_url) or absolute_url(raw.get("external_url"), feed_url)
    content_html = _str(raw.get("content_html"))
    content_text = _str(raw.get("content_text"))
    if not content_html.strip() and content_text.strip():
        content_html = text_to_html(content_text)
    summary = clean(_str(raw.get("summary"))).strip()
    if not summary:
        summary = html_to_text(content_html) if content_html.strip() else clean(content_text).strip()
    enclosure = None
    attachments = raw.get("attachments")
    if isinstance(attachments, list):
        for attachment in attachments:
            if isinstance(attachment, dict) and isinstance(attachment.get("url"), str):
                enclosure = attachment["url"]
                break
    guid = raw.get("id")
    if isinstance(guid, bool) or not isinstance(guid, (str, int, float)):
        guid = None
    return make_item(
        guid=guid,
        url=link,
        title_text=_str(raw.get("title")),
        author=_authors(raw) or feed_author,
        published=_date(raw.get("date_published")) or _date(raw.get("date_modified")),
        summary=summary,
        content_html=content_html,
        enclosure=enclosure,
    )
