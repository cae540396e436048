"""Find the JSON object in a model's reply text, as real servers send it.

Servers and models wrap the JSON they were asked for: a reasoning model's ``<think>...</think>``
block first (Qwen3, DeepSeek-R1 served without a reasoning parser; the HTTP layer folds a
``reasoning_content`` field into the same form), a fenced block after a sentence of prose, or the
JSON alone. `extract_json` accepts what is unambiguous: one JSON object, wherever it stands. When
there is none, or several that differ, it raises `NoJson` with a short description of what the
reply looked like, so the message (and the retry prompt) says what went wrong.
"""

from __future__ import annotations

import json
import re
from typing import Any

_THINK = re.compile(r"<think>(.*?)(?:</think>|\Z)", flags=re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", flags=re.DOTALL)


class NoJson(ValueError):
    """The reply holds no unambiguous JSON object; the message describes the reply."""


def split_thinking(text: str) -> tuple[str, str]:
    """(reasoning, answer): the text of every ``<think>`` block, and what is left outside them.

    An unclosed ``<think>`` (a reply cut off while reasoning) counts as reasoning to the end.
    """
    reasoning = "\n".join(m.group(1).strip() for m in _THINK.finditer(text))
    answer = _THINK.sub("", text).strip()
    return reasoning, answer


_OBJECT_START = re.compile(r'\{\s*"')


def _objects(text: str) -> list[Any]:
    """Every top-level JSON object or array that decodes, scanning left to right.

    Raises `NoJson` at an object that starts like JSON but does not decode (cut off or broken):
    the objects nested inside it must not be mistaken for the answer.
    """
    decoder = json.JSONDecoder()
    found: list[Any] = []
    i = 0
    while i < len(text):
        if text[i] in "{[":
            try:
                value, end = decoder.raw_decode(text, i)
            except ValueError as exc:
                if not found and _OBJECT_START.match(text, i):
                    raise NoJson(f"invalid JSON ({exc})") from None
                i += 1
                continue
            if isinstance(value, dict) or (isinstance(value, list) and value):
                found.append(value)
            i = end
        else:
            i += 1
    return found


def _unique(values: list[Any]) -> Any | None:
    distinct = {json.dumps(v, sort_keys=True) for v in values}
    return values[0] if len(distinct) == 1 else None


def _from(text: str) -> tuple[Any | None, int]:
    """The one JSON value in `text` (or None) and how many distinct candidates were found."""
    stripped = text.strip()
    if not stripped:
        return None, 0
    try:
        return json.loads(stripped), 1
    except ValueError:
        pass
    fenced = [_objects(block) for block in _FENCE.findall(stripped)]
    candidates = [v for block in fenced for v in block] or _objects(stripped)
    value = _unique(candidates) if candidates else None
    return value, len({json.dumps(v, sort_keys=True) for v in candidates})


def describe_reply(text: str, limit: int = 120) -> str:
    """What a reply looked like, in a few words: its length, a think block, how it starts."""
    if not text.strip():
        return "the reply was empty"
    reasoning, answer = split_thinking(text)
    parts = [f"{len(text)} characters"]
    if reasoning:
        parts.append(f"a <think> block of {len(reasoning)} characters")
    shown = (answer or reasoning).strip().replace("\n", " ")
    head = shown[:limit] + ("…" if len(shown) > limit else "")
    if shown.lower().startswith(("<!doctype", "<html")):
        parts.append("an HTML page")
    return f"the reply ({', '.join(parts)}) starts {head!r}"


def extract_json(text: str) -> str:
    """The JSON text of the one object the reply holds; `NoJson` if none or several differ.

    Looks outside ``<think>`` blocks first; inside them only when nothing else was written (a
    server that put the answer in ``reasoning_content`` and left ``content`` empty).
    """
    reasoning, answer = split_thinking(text)
    try:
        value, count = _from(answer)
        if value is None and not answer and reasoning:
            value, count = _from(reasoning)
    except NoJson as exc:
        raise NoJson(f"{exc}; {describe_reply(text)}") from None
    if value is not None:
        return json.dumps(value, ensure_ascii=False)
    if count > 1:
        raise NoJson(f"the reply holds {count} different JSON values; {describe_reply(text)}")
    raise NoJson(f"no JSON object found: {describe_reply(text)}")
