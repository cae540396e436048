"""The preparation graph's extraction nodes: plan how the case is read (in one part or several),
extract each part in focused calls sent with `Send`, and merge the parts into one deal profile."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import Send

from negoprep.agents import extractor
from negoprep.agents.merge import merge_profiles
from negoprep.graphs.context import PrepContext
from negoprep.graphs.nodes import NodesBase, Update, case_brief, guarded, progress
from negoprep.graphs.state import PartInput, PrepState
from negoprep.reading.parts import describe_passages, render_passages, split_into_parts


def route_parts(state: PrepState) -> list[Send] | str:
    planned = state.get("planned") or []
    if not planned:
        return "merge"
    return [Send("extract_part", part) for part in planned]


def _grouped(failures: Sequence[str]) -> list[str]:
    """Failed focused calls with the same reason said once: 'parties, facts: <reason>'."""
    names = "|".join(f.name for f in extractor.FOCUSES)
    pattern = re.compile(rf"^(?:(part \d+ of \d+): )?({names}): (.*)$", re.DOTALL)
    grouped: dict[str, list[str]] = {}
    other: list[str] = []
    for text in failures:
        match = pattern.match(text)
        if match is None:
            other.append(text)
            continue
        part, focus, reason = match.groups()
        grouped.setdefault(reason, []).append(f"{part} ({focus})" if part else focus)
    return [*other, *(f"{', '.join(where)}: {reason}" for reason, where in grouped.items())]


def _assembled(focused: Sequence[Any]) -> list[dict[str, Any]]:
    """Per part of the case, in order: its deal profile, put together from its focused calls
    without a model (a focus that failed leaves its sections empty; the failure is reported)."""
    by_part: dict[int, dict[str, Any]] = {}
    for item in focused:
        entry = by_part.setdefault(item["index"], {"scope": item["scope"], "focuses": {}})
        entry["focuses"][item["focus"]] = item["profile"]
    out = []
    for index in sorted(by_part):
        profile, _missing = extractor.assemble_profile(by_part[index]["focuses"])
        out.append({"index": index, "scope": by_part[index]["scope"], "profile": profile})
    return out


class ExtractionNodes(NodesBase):
    """plan -> extract_part (one per part and focus) -> merge."""

    async def plan(self, state: PrepState, runtime: Runtime[PrepContext]) -> Update:
        """Decide how the case is read: in one call, or in parts that each fit the budget."""
        if state.get("profile") is not None:
            return {"planned": []}
        deps = self.deps(runtime)
        case = state["case"]
        budget = deps.agents.models.config(extractor.NAME).context_tokens
        parts = split_into_parts(case, budget)
        limit = deps.max_parts
        kept, dropped = parts[:limit], parts[limit:]
        planned = [
            PartInput(
                index=i,
                total=len(kept),
                scope=part.scope(i, len(kept), case),
                documents=render_passages(case, part.passages),
                case_brief=case_brief(state, extractor.NAME),
                language=state["language"],
                focus="",
            )
            for i, part in enumerate(kept, start=1)
        ]
        unread = []
        if dropped:
            first, last = dropped[0].passages[0].id, dropped[-1].passages[-1].id
            files = describe_passages(case, [p for part in dropped for p in part.passages])
            unread.append(
                f"not read: {len(dropped)} part(s), passages {first} to {last}, from {files}: "
                f"the case is larger than {limit} extraction calls of {budget} tokens (raise "
                "NEGOPREP_MAX_PARTS or NEGOPREP_CONTEXT_TOKENS to read it all)"
            )
        # Each part is read by focused calls in parallel (one graph node each, so a checkpoint
        # keeps every finished one); their prompts share a prefix (instructions, documents).
        # Calls finished in an earlier pass over the same documents are kept, not redone.
        done = {(p["index"], p["focus"]) for p in state.get("part_profiles") or []}
        focused = [
            PartInput(**{**p, "focus": f.name})
            for p in planned
            for f in extractor.FOCUSES
            if (p["index"], f.name) not in done
        ]
        return {"planned": focused, "part_failures": unread}

    async def extract_part(self, part: PartInput, runtime: Runtime[PrepContext]) -> Update:
        focus = part["focus"]
        whole = part["total"] == 1
        call = (
            f"{extractor.NAME}.{focus}"
            if whole
            else (f"{extractor.NAME}.part-{part['index']}.{focus}")
        )
        detail = focus if whole else f"part {part['index']} of {part['total']}: {focus}"

        async def work() -> Update:
            result = await extractor.extract(
                self.deps(runtime).agents,
                call=call,
                brief=part["case_brief"],
                documents=part["documents"],
                scope=part["scope"],
                language=part["language"],
                focus=focus,
            )
            profile = {
                "index": part["index"],
                "scope": part["scope"],
                "focus": focus,
                "profile": result.output,
            }
            return {"part_profiles": [profile], "calls": [result.record]}

        update = await guarded(extractor.NAME, work, detail)
        if "failures" in update:
            reason = update["failures"][extractor.NAME]
            return {
                "part_failures": [f"{detail or 'the case'}: {reason}"],
                "calls": update.get("calls", []),
            }
        return update

    async def merge(self, state: PrepState, runtime: Runtime[PrepContext]) -> Update:
        """One deal profile from the parts (a reduce call when there were several)."""
        if state.get("profile") is not None:
            return {}
        parts = _assembled(state.get("part_profiles") or [])
        failed = _grouped(state.get("part_failures") or [])
        if not parts:
            reason = "; ".join(failed) or "no part was extracted"
            return {"planned": [], "failures": {extractor.NAME: reason}}
        partly = (
            "partly failed; the profile covers only the parts read: " + "; ".join(failed)
            if failed
            else ""
        )
        # The parts' text has been sent; later checkpoints need not keep a copy of it.
        done: Update = {"planned": []}
        if len(parts) == 1:
            single: Update = {**done, "profile": parts[0]["profile"]}
            return single | ({"failures": {extractor.NAME: partly}} if partly else {})
        profile, calls, problems = await merge_profiles(
            self.deps(runtime).agents,
            [(p["scope"], p["profile"]) for p in parts],
            brief=case_brief(state, extractor.NAME),
            language=state["language"],
            emit=lambda status, detail, reason="": progress(extractor.NAME, status, detail, reason),
        )
        reasons = [*problems, *([partly] if partly else [])]
        result: Update = {**done, "profile": profile, "calls": calls}
        if reasons:
            result["failures"] = {extractor.NAME: "; ".join(reasons)}
        return result
