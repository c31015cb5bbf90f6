"""Exporters: the plain-data dict of ``Library.export_all()`` in, files or text out.

- :func:`export_markdown` — one Markdown note per story (an Obsidian-ready folder);
- :func:`export_w3c` / :func:`dumps_w3c` — every highlight as a W3C Web Annotation
  ``AnnotationCollection`` (JSON-LD);
- :func:`export_opml` — the feed subscriptions as OPML 2.0;
- :func:`export_readwise` — every highlight as a CSV that Readwise imports.

They are pure: no library, no network, no terminal.
"""

from __future__ import annotations

from broadsheet.exchange.markdown_out import export_markdown, render_story, slugify
from broadsheet.exchange.opml_out import export_opml
from broadsheet.exchange.readwise_out import export_readwise
from broadsheet.exchange.w3c import annotation_to_w3c, dumps_w3c, export_w3c

__all__ = [
    "annotation_to_w3c",
    "dumps_w3c",
    "export_markdown",
    "export_opml",
    "export_readwise",
    "export_w3c",
    "render_story",
    "slugify",
]
