"""User text on the page as text: shared links, typed functions, upload names and headers."""

from __future__ import annotations

import re

__all__ = ["plain"]

_MARKUP = re.compile(r"([\\`*_\[\]<>~$|!#]|:(?=\S))")
"""What Streamlit's Markdown acts on inside a line: emphasis, links and images, code, HTML,
strikethrough, LaTeX, tables, headings (a ``:`` before a non-space opens an emoji shortcode
or ``:red[…]``). A ``:`` before a space, as in "noisy line: fitting", stays as it is."""

_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
"""Where GFM's autolinks start (``https://``, ``www.``, an e-mail's ``@``): a backslash does not
stop them, a zero-width space inside the marker does."""

_LIST_ITEM = re.compile(r"^([-+=]|\d+[.)])")
"""Block syntax that only counts at the start of a line: list items and setext underlines."""


def plain(text: str) -> str:
    """``text`` escaped so that Streamlit's Markdown shows it as typed.

    ``[Log in](https://example.com) *now*`` becomes ``\\[Log in\\](https\\://example.com) \\*now\\*``.
    Line breaks become spaces (a new line could start a heading or a list).
    """
    text = " ".join(text.split())
    text = _AUTOLINK.sub("\u200b", _MARKUP.sub(r"\\\1", text))
    return _LIST_ITEM.sub(lambda m: m.group(1)[:-1] + "\\" + m.group(1)[-1], text)
