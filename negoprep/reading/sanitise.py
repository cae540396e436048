"""Make names and warnings from case files safe to show in prompts and in the dossier.

File names, attachment names, titles and mail headers are case content, written by whoever
made the files: a line break in an attachment's name could forge a line of the document block
in a prompt, and a "|" or a backtick could break the dossier's tables. `one_line` keeps them on
one line and free of those characters; `repair_mojibake` undoes text decoded with the wrong
charset ("BelÃ¸pet" -> "Beløpet"), so it never reaches a model unnoticed.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]+")
_REPLACE = str.maketrans({"|": "¦", "`": "'"})


def one_line(text: str, limit: int = 300) -> str:
    """`text` on one line: control characters, line breaks and bidi overrides become spaces,
    "|" becomes "¦" and "`" becomes "'"; at most `limit` characters (cut with "...")."""
    flat = " ".join(_CONTROL.sub(" ", text).translate(_REPLACE).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def repair_mojibake(text: str) -> str:
    """`text` with mojibake repaired (ftfy: UTF-8 read as Windows-1252 and the like); the text
    unchanged when it shows none. Checks cheaply first, so clean text costs little."""
    from ftfy import fix_encoding
    from ftfy.badness import is_bad

    if text.isascii() or not is_bad(text):
        return text
    return str(fix_encoding(text))
