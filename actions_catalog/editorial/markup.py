"""The small text format of the site's pages, rendered to HTML that is escaped everywhere.

Blocks are separated by a blank line: ``## Titre`` and ``### Titre`` are headings, a block whose lines all start
with ``- `` is a list, any other block a paragraph (its line breaks kept). Inline: ``[texte](adresse)`` is a link
(``https://``, ``http://``, ``mailto:`` or a path of the site), ``{courriel}`` the federation's contact address,
and ``[À compléter : …]`` a placeholder, shown marked so that nobody mistakes it for a fact.
"""

import re

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

PLACEHOLDER = r"\[À compléter[^\]]*\]"
LINK = r"\[(?P<text>[^\]]+)\]\((?P<url>[^)\s]+)\)"
EMAIL = r"\{courriel\}"
INLINE = re.compile(f"(?P<placeholder>{PLACEHOLDER})|{LINK}|(?P<email>{EMAIL})")
SAFE_URL = re.compile(r"(https?://|mailto:|/|#)\S*")


def render(text: str, *, email: str = "") -> SafeString:
    """The HTML of ``text`` (see the module docstring); ``email`` replaces ``{courriel}``."""
    blocks = [block.strip("\n") for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())]
    return mark_safe("\n".join(_block(block, email) for block in blocks if block.strip()))  # every part escaped


def _block(block: str, email: str) -> str:
    """A block: its heading lines, its runs of list items and of other lines (a paragraph each)."""
    parts, paragraph, items = [], [], []

    def flush():
        if paragraph:
            parts.append(format_html("<p>{}</p>", mark_safe("<br>".join(paragraph))))  # escaped by _inline
            paragraph.clear()
        if items:
            parts.append(format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((item,) for item in items))))
            items.clear()

    for line in (line.strip() for line in block.split("\n")):
        if line.startswith(("## ", "### ")):
            flush()
            level = 3 if line.startswith("### ") else 2
            parts.append(format_html("<h{}>{}</h{}>", level, _inline(line[level + 1 :], email), level))
        elif line.startswith("- "):
            if paragraph:
                flush()
            items.append(_inline(line[2:], email))
        else:
            if items:
                flush()
            paragraph.append(_inline(line, email))
    flush()
    return "\n".join(parts)


def _inline(text: str, email: str) -> str:
    parts, position = [], 0
    for match in INLINE.finditer(text):
        parts.append(format_html("{}", text[position : match.start()]))
        parts.append(_token(match, email))
        position = match.end()
    parts.append(format_html("{}", text[position:]))
    return mark_safe("".join(parts))


def _token(match: re.Match, email: str) -> str:
    if match["placeholder"]:
        return format_html('<mark class="placeholder">{}</mark>', match["placeholder"][1:-1])
    if match["email"]:
        if not email:
            return format_html('<mark class="placeholder">{}</mark>', "À compléter : adresse de contact")
        return format_html('<a href="mailto:{}">{}</a>', email, email)
    if not SAFE_URL.fullmatch(match["url"]):  # javascript: and the like stay text
        return format_html("{}", match[0])
    return format_html('<a href="{}">{}</a>', match["url"], match["text"])
