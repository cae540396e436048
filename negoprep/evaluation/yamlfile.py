"""Read a YAML file into a pydantic model, with errors that name the file and the line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from negoprep.errors import UserError

M = TypeVar("M", bound=BaseModel)


class EvalFileError(UserError):
    """An evaluation file cannot be used; the message is `FILE:LINE: what is wrong`."""


def _line_of(node: yaml.Node | None, loc: Sequence[int | str]) -> int | None:
    """The 1-based line of the YAML node at `loc` (a pydantic error location), or of the
    nearest node above it that exists."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        marker: yaml.Node | None = None  # where the line is read: a key's own line, or the item
        found: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if getattr(k, "value", None) == key), None)
            if pair is not None:
                marker, found = pair
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            found = node.value[key] if 0 <= key < len(node.value) else None
            marker = found
        if found is None or marker is None:
            break
        node = found
        line = marker.start_mark.line + 1
    return line


def load_model(
    path: Path,
    model: type[M],
    what: str,
    known: Callable[[Sequence[int | str]], Sequence[str]] | None = None,
) -> M:
    """`path` parsed as YAML and validated as `model`.

    Raises `EvalFileError` for a file that cannot be read, bad YAML (with its line) or content
    that does not fit the model (the first problems, each with its line); `what` names the kind
    of file in the message ("expectation file"); `known(loc)` lists the keys allowed where an
    unknown key was found, for the message.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalFileError(f"{path}: cannot be read as a {what} ({exc})") from exc
    try:
        node = yaml.compose(text)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise EvalFileError(f"{where}: not valid YAML ({problem})") from exc
    if not isinstance(data, dict):
        raise EvalFileError(f"{path}:1: a {what} must be a mapping (see the README)")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems: list[tuple[int, str]] = []
        for err in exc.errors(include_url=False)[:3]:
            loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
            line = _line_of(node, loc)
            field = "".join(
                f" (item {p + 1})" if isinstance(p, int) else f".{p}" for p in loc
            ).lstrip(".")
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                allowed = known(loc[:-1]) if known is not None else ()
                msg = "unknown key" + (f" (use one of: {', '.join(allowed)})" if allowed else "")
            problems.append((line or 1, f"{field or '(top)'}: {msg}"))
        first = problems[0][0] if problems else 1
        text = "; ".join(
            m if i == 0 else f"line {line}: {m}" for i, (line, m) in enumerate(problems)
        )
        raise EvalFileError(f"{path}:{first}: {text}") from None
