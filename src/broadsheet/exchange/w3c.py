"""W3C Web Annotation export: one ``AnnotationCollection`` in JSON-LD.

Input is the plain-data dict of ``Library.export_all()``.  The collection
embeds its single ``AnnotationPage`` as ``first``.  Each highlight is an
``Annotation`` in the shape Hypothesis itself presents annotations as
JSON-LD, so that it meets the W3C model and reads as a Hypothesis
annotation too:

- ``body``: the note, when there is one, as exactly one ``TextualBody``
  with ``format`` ``text/markdown`` (a Hypothesis annotation's text is
  Markdown), then one ``TextualBody`` with purpose ``tagging`` per story
  tag.  A highlight without a note has no text body (motivation
  ``highlighting``); without tags either it has no ``body`` at all.
- ``target``: a list of one ``SpecificResource`` whose ``source`` is the
  story's address and whose ``selector`` is a list: a
  ``TextQuoteSelector`` (``exact``, ``prefix``, ``suffix``: strings) and,
  unless the highlight is orphaned (its old position no longer means
  anything), a ``TextPositionSelector`` (``start``, ``end``: integers,
  offsets in the story's plain text).
- No ``creator``: broadsheet has no accounts (the W3C model says SHOULD,
  not MUST).

The output is deterministic: the same library gives the same JSON, and the
collection's id is derived from the annotations it holds.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from collections.abc import Mapping
from datetime import timezone
from typing import Any
from urllib.parse import quote, urlsplit

from broadsheet.model import parse_iso
from broadsheet.sanitize import clean, clean_line

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# A fixed namespace for the name-based (version 5) UUIDs made here.
NAMESPACE = uuidlib.uuid5(uuidlib.NAMESPACE_URL, "https://broadsheet.invalid/ns/w3c-export")
COLLECTION_LABEL = "broadsheet highlights"
NOTE_FORMAT = "text/markdown"

_URI_SAFE = "!#$&'()*+,/:;=?@[]~-._%"


def _datetime(text: str | None) -> str | None:
    """An xsd:dateTime in UTC with ``Z``, to the second, or None."""
    moment = parse_iso(text)
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _annotation_iri(value: Any, fallback_seed: str) -> str:
    try:
        return f"urn:uuid:{uuidlib.UUID(str(value))}"
    except ValueError:
        return f"urn:uuid:{uuidlib.uuid5(NAMESPACE, 'annotation:' + fallback_seed)}"


def source_iri(story: Mapping[str, Any]) -> str:
    """The IRI of the annotated story: its http(s) address, else a ``urn:uuid``
    derived from its guid (or id), so the same story always gets the same IRI."""
    url = clean_line(story.get("url") or "", None)
    if url:
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        if parts and parts.scheme.lower() in ("http", "https") and parts.netloc:
            return quote(url, safe=_URI_SAFE)
    seed = str(story.get("guid") or story.get("url") or f"id:{story.get('id')}")
    return f"urn:uuid:{uuidlib.uuid5(NAMESPACE, 'story:' + seed)}"


def _selectors(annotation: Mapping[str, Any]) -> list[dict[str, Any]]:
    quote_selector: dict[str, Any] = {
        "type": "TextQuoteSelector",
        "exact": str(annotation.get("exact") or ""),
        # always present, empty at the start or end of the text
        "prefix": str(annotation.get("prefix") or ""),
        "suffix": str(annotation.get("suffix") or ""),
    }
    selectors = [quote_selector]
    start, end = annotation.get("start"), annotation.get("end")
    if (
        not annotation.get("orphaned")
        and isinstance(start, int) and isinstance(end, int)
        and not isinstance(start, bool) and not isinstance(end, bool)
        and 0 <= start <= end
    ):
        selectors.append({"type": "TextPositionSelector", "start": start, "end": end})
    return selectors


def annotation_to_w3c(annotation: Mapping[str, Any], story: Mapping[str, Any]) -> dict[str, Any]:
    """One stored highlight (an ``export_all()`` annotation dict) as a W3C Annotation
    (without ``@context``: it sits inside a collection that has one)."""
    note = clean(annotation.get("note") or "").strip()
    bodies: list[dict[str, Any]] = []
    if note:
        bodies.append({"type": "TextualBody", "value": note, "format": NOTE_FORMAT})
    for tag in story.get("tags") or ():
        tag = clean_line(tag)
        if tag:
            bodies.append({"type": "TextualBody", "purpose": "tagging", "value": tag})
    result: dict[str, Any] = {
        "id": _annotation_iri(
            annotation.get("uuid"),
            f"{story.get('id')}:{annotation.get('start')}:{annotation.get('exact')}",
        ),
        "type": "Annotation",
        "motivation": "commenting" if note else "highlighting",
    }
    created = _datetime(annotation.get("created"))
    modified = _datetime(annotation.get("updated")) or created
    if created:
        result["created"] = created
    if modified:
        result["modified"] = modified
    if bodies:
        result["body"] = bodies
    result["target"] = [{
        "type": "SpecificResource",
        "source": source_iri(story),
        "selector": _selectors(annotation),
    }]
    return result


def export_w3c(data: Mapping[str, Any], *, label: str = COLLECTION_LABEL) -> dict[str, Any]:
    """Every highlight of the library as one W3C ``AnnotationCollection``."""
    items = [
        annotation_to_w3c(annotation, story)
        for story in sorted(data.get("stories") or (), key=lambda s: s["id"])
        for annotation in story.get("annotations") or ()
    ]
    seed = "\n".join(sorted(item["id"] for item in items))
    collection_id = f"urn:uuid:{uuidlib.uuid5(NAMESPACE, 'collection:' + seed)}"
    collection: dict[str, Any] = {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": label,
        "total": len(items),
    }
    # A Page must hold at least one annotation, so an empty collection has none.
    if items:
        page_id = f"urn:uuid:{uuidlib.uuid5(NAMESPACE, 'page:' + collection_id)}"
        collection["first"] = {
            "id": page_id,
            "type": "AnnotationPage",
            "partOf": collection_id,
            "startIndex": 0,
            "items": items,
        }
        collection["last"] = page_id
    return collection


def dumps_w3c(data: Mapping[str, Any], **options: Any) -> str:
    """:func:`export_w3c` as JSON-LD text (UTF-8 friendly, indented, ends in a newline)."""
    return json.dumps(export_w3c(data, **options), ensure_ascii=False, indent=2) + "\n"
