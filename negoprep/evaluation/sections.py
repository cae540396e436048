"""Which entries of a dossier each expectation section is checked against.

Works on the dossier as data (`dossier.json`: `profile`, `challenge`, `counterpart`,
`one_page_brief`), so a dossier written by an earlier version is read the same way. An entry is
one item of a list in the dossier (an element, a warning, a dependency...), flattened to its
text; citations and knowledge ids are left out (a quote is the case's words, not the dossier's).

`must_not` is checked against the dossier's *advice* only: the brief, the challenge (without the
threats it names as ones to avoid) and the guidance for dealing with the counterpart. The
threats a dossier warns against, the beliefs it challenges, the other side's positions and the
phrases to avoid may well contain a forbidden item's words without advising it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from negoprep.evaluation.expectations import MUST_NOT

SKIPPED_KEYS = frozenset({"citations", "kb_refs", "passage_id", "quote"})

SOURCES: dict[str, tuple[str, ...]] = {
    "elements": ("profile.elements", "profile.interests", "challenge.hidden_trades"),
    "cognitive_traps": (
        "profile.cognitive_traps",
        "challenge.fixed_pie_frame",
        "challenge.assumptions_challenged",
    ),
    "partial_alternatives": ("challenge.partial_alternatives", "challenge.option_packages"),
    "their_dependencies": (
        "counterpart.dependencies",
        "counterpart.their_alternatives",
        "counterpart.tomorrow_morning",
        "counterpart.pressures",
        "counterpart.internal_justification",
        "counterpart.hidden_aims",
    ),
    "warnings": ("challenge.warnings", "one_page_brief.playbook"),
    "tactical_consent": (
        "challenge.consent_ladder",
        "challenge.inertia_levers",
        "one_page_brief.next_wise_move",
    ),
    "process_moves": (
        "challenge.process_moves",
        "one_page_brief.top_moves",
        "one_page_brief.next_wise_move",
        "one_page_brief.playbook",
        "counterpart.interaction_guidance",
        "counterpart.negotiation_guidance",
    ),
    "missing_information": (
        "profile.missing_information",
        "one_page_brief.key_questions",
        "counterpart.hidden_aims",
    ),
    MUST_NOT: (
        "one_page_brief",
        "challenge.assumptions_challenged",
        "challenge.hidden_trades",
        "challenge.partial_alternatives",
        "challenge.option_packages",
        "challenge.consent_ladder",
        "challenge.warnings",
        "challenge.inertia_levers",
        "challenge.process_moves",
        "counterpart.communication_guidance",
        "counterpart.interaction_guidance",
        "counterpart.negotiation_guidance",
        "counterpart.phrases_to_use",
        "counterpart.likely_tactics",
    ),
}
"""Expectation section -> the dossier paths (`part.field`, or a whole part) it is checked against."""

NOT_ADVICE: dict[str, frozenset[str]] = {
    "challenge.assumptions_challenged": frozenset({"assumption"}),
    "challenge.warnings": frozenset({"threat_to_avoid"}),
    "counterpart.likely_tactics": frozenset({"tactic", "signs"}),
}
"""Fields left out of `must_not`'s entries: what the dossier names in order to avoid it."""


@dataclass(frozen=True)
class Entry:
    """One entry of the dossier: `id` like `challenge.warnings[2]` (1-based), and its text."""

    id: str
    text: str


def _flatten(value: Any, skip: frozenset[str] = frozenset()) -> Iterator[str]:
    if isinstance(value, str):
        if value.strip():
            yield value.strip()
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key not in SKIPPED_KEYS and key not in skip:
                yield from _flatten(item)
    elif isinstance(value, list):
        for item in value:
            yield from _flatten(item)


def _entries_at(dossier: Mapping[str, Any], path: str, section: str) -> list[Entry]:
    part, _, field = path.partition(".")
    data = dossier.get(part)
    if not isinstance(data, Mapping):
        return []
    skip = NOT_ADVICE.get(path, frozenset()) if section == MUST_NOT else frozenset()
    if not field:  # a whole part: one entry per field
        out: list[Entry] = []
        for key in data:
            out += _entries_at(dossier, f"{part}.{key}", section)
        return out
    value = data.get(field)
    if isinstance(value, list):
        found = [
            Entry(f"{path}[{n}]", " | ".join(_flatten(v, skip)))
            for n, v in enumerate(value, start=1)
        ]
        return [e for e in found if e.text]
    text = " | ".join(_flatten(value, skip))
    return [Entry(path, text)] if text else []


def entries_for(dossier: Mapping[str, Any], section: str) -> list[Entry]:
    """The dossier's entries an expectation `section` is checked against, in dossier order,
    without duplicates. `dossier`: the content of `dossier.json`. Raises `KeyError` for a
    section that is not one of `SOURCES`."""
    seen: dict[str, Entry] = {}
    for path in SOURCES[section]:
        for entry in _entries_at(dossier, path, section):
            seen.setdefault(entry.id, entry)
    return list(seen.values())
