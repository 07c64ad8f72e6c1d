"""Rich text of homework and lesson materials (JRN-3): sanitized HTML, nothing else.

A teacher's text comes from the lesson page's small editor, or is pasted from a word
processor, or (without JavaScript) typed as plain text. Whatever arrives, only a short list
of tags survives: paragraphs, line breaks, bold, italic, underline, lists, links, two
heading levels, quotes and code. Links may only point to http, https and mailto addresses
and always carry ``rel="noopener noreferrer nofollow"``; scripts, styles, event handlers,
images and frames are removed. What is stored is what is shown, so the diary renders it
as it is.
"""

from __future__ import annotations

import html
import re

import nh3

TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "u",
    "ol",
    "ul",
    "li",
    "a",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
}
# What editors produce for the same meaning; kept as the allowed tag after cleaning.
_SYNONYMS = {"b": "strong", "i": "em", "h1": "h3", "h2": "h3", "h5": "h4", "h6": "h4"}
ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"
MAX_LENGTH = 20_000

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z]")
_SYNONYM = re.compile(r"<(/?)\s*(b|i|h1|h2|h5|h6)(\s[^>]*)?>", re.IGNORECASE)
_EMPTY = re.compile(r"^(?:\s|&nbsp;|<br\s*/?>|<p>\s*(?:&nbsp;|<br\s*/?>)?\s*</p>)*$")
_EMPTY_PARAGRAPH = re.compile(r"<p>(?:\s|&nbsp;|<br\s*/?>)*</p>")


def _from_plain_text(text: str) -> str:
    """Plain text (no tags at all): paragraphs at blank lines, line breaks kept."""
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
        if p.strip()
    )


def sanitize(value: str | None) -> str:
    """The safe HTML of ``value``: allowed tags only, safe links, no empty shell.

    >>> sanitize('<p onclick="x()">Упр. <b>5</b></p><script>alert(1)</script>')
    '<p>Упр. <strong>5</strong></p>'
    """
    text = (value or "").strip()
    if not text:
        return ""
    if not _TAG.search(text):
        text = _from_plain_text(text)
    text = _SYNONYM.sub(lambda m: f"<{m.group(1)}{_SYNONYMS[m.group(2).lower()]}>", text)
    cleaned = nh3.clean(
        text,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()
    if _EMPTY.match(cleaned):
        return ""
    # An editor leaves empty paragraphs where Enter was pressed twice; they only add space.
    return _EMPTY_PARAGRAPH.sub("", cleaned).strip()


def plain_text(value: str | None) -> str:
    """The words of sanitized HTML without any tag (for previews, lists and search)."""
    text = nh3.clean(re.sub(r"<(br|/p|/li|/h3|/h4)[^>]*>", " ", value or ""), tags=set())
    return " ".join(html.unescape(text).split())


def is_empty(value: str | None) -> bool:
    return not plain_text(value)
