"""Render the output of an additional agent generically, from its data, field by field."""

from __future__ import annotations

from typing import Any, Protocol


class Target(Protocol):
    def add(self, *lines: str) -> None: ...

    def h(self, level: int, title: str) -> None: ...

    def cite_text(self, passage_id: str, quote: str) -> str: ...


def humanise(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _is_citation(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"passage_id", "quote"}


def _item(w: Target, item: dict[str, Any]) -> str:
    """One list item: its first text field in bold, the other fields labelled, then sources."""
    parts: list[str] = []
    tail: list[str] = []
    for key, value in item.items():
        if key == "citations" and isinstance(value, list):
            cites = [w.cite_text(c["passage_id"], c["quote"]) for c in value if _is_citation(c)]
            if cites:
                tail.append(f"<sub>Sources: {' · '.join(cites)}</sub>")
        elif key == "kb_refs" and isinstance(value, list):
            if value:
                tail.append(f"<sub>Knowledge: {', '.join(map(str, value))}</sub>")
        elif isinstance(value, list):
            parts.append(f"{humanise(key)}: {'; '.join(map(str, value))}")
        elif not parts and isinstance(value, str):
            parts.append(f"**{value}**")
        else:
            parts.append(f"{humanise(key)}: {value}")
    return " · ".join(parts) + "".join(f"  \n  {t}" for t in tail)


def render_output(w: Target, output: dict[str, Any]) -> None:
    for key, value in output.items():
        w.h(3, humanise(key))
        if isinstance(value, list):
            if not value:
                w.add("- (none)")
            for item in value:
                w.add(f"- {_item(w, item) if isinstance(item, dict) else item}")
        elif isinstance(value, dict):
            w.add(f"- {_item(w, value)}")
        else:
            w.add(str(value))
