"""The user's review of the deal profile: what changed between the extractor's profile and the
one the user corrected, in plain lines for the dossier.

Items the user adds carry no citation; the dossier lists them as the user's own. Items are
compared by content: an edited item reads as one removed and one added.
"""

from __future__ import annotations

import json
from typing import Any

from negoprep.agents.extractor import DealProfile


def _label(item: Any) -> str:
    if isinstance(item, dict):
        for key in ("text", "name", "element", "question", "risk", "event", "fact", "trap"):
            if isinstance(item.get(key), str) and item[key]:
                return str(item[key])
        first = next((v for v in item.values() if isinstance(v, str) and v), "")
        return str(first)
    return str(item)


def _key(item: Any) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


def profile_changes(before: DealProfile, after: DealProfile) -> list[str]:
    """One line per difference: 'our side: A -> B', 'removed fact: ...', 'added (the user's
    own) element: ...'. Empty when the profile was accepted as it was."""
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    lines: list[str] = []
    for field, value in new.items():
        was = old.get(field)
        if isinstance(value, list) and isinstance(was, list):
            old_keys, new_keys = {_key(x) for x in was}, {_key(x) for x in value}
            name = field.replace("_", " ").rstrip("s")
            lines += [f"removed {name}: {_label(x)}" for x in was if _key(x) not in new_keys]
            lines += [
                f"added (the user's own) {name}: {_label(x)}"
                for x in value
                if _key(x) not in old_keys
            ]
        elif value != was:
            lines.append(f"{field.replace('_', ' ')}: {was} -> {value}")
    return lines
