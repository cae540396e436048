"""Sections of additional agents (`negoprep.agents.registry`), built generically from their data.

Each top-level field becomes a subsection; a list of objects becomes a list whose items show the
first text field in bold and the other fields labelled, then their sources and knowledge ids.
"""

from __future__ import annotations

from typing import Any

from negoprep.output.build import AGENT_OUTPUTS, B, Builder
from negoprep.output.view import Inline, Item, ListBlock, Text


def humanise(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _is_citation(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"passage_id", "quote"}


def _item(b: Builder, item: dict[str, Any]) -> list[Inline]:
    """One list item: its first text field in bold, the other fields labelled, then sources."""
    parts: list[list[Inline]] = []
    tail: list[Inline] = []
    for key, value in item.items():
        if key == "citations" and isinstance(value, list):
            cites = [c for c in value if _is_citation(c)]
            if cites:
                tail += b.cites_raw([(c["passage_id"], c["quote"]) for c in cites])
        elif key == "kb_refs" and isinstance(value, list):
            tail += b.kb([str(v) for v in value])
        elif isinstance(value, list):
            parts.append([Text(f"{humanise(key)}: {'; '.join(map(str, value))}")])
        elif not parts and isinstance(value, str):
            parts.append([B(value)])
        else:
            parts.append([Text(f"{humanise(key)}: {value}")])
    inlines: list[Inline] = []
    for i, part in enumerate(parts):
        inlines += ([Text(" · ")] if i else []) + part
    return inlines + tail


def extras(b: Builder) -> None:
    """The additional agents' sections, in registration order; failed ones say why."""
    for name, section in b.d.extras.items():
        b.section(name, title=section.title)
        for key, value in section.output.items():
            b.section(f"{name}-{key}", 3, humanise(key))
            if isinstance(value, list):
                b.add(
                    ListBlock(
                        [
                            Item(_item(b, x) if isinstance(x, dict) else [Text(str(x))])
                            for x in value
                        ]
                        or [Item([Text(b.t("(none)"))])]
                    )
                )
            elif isinstance(value, dict):
                b.add(ListBlock([Item(_item(b, value))]))
            else:
                b.para(str(value))
    for name, reason in b.d.failures.items():
        if name not in b.d.extras and name not in AGENT_OUTPUTS:
            b.section(name, title=name)
            b.add(b.missing_notice(name, reason, resume=False))
