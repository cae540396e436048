"""Merge the deal profiles of a large case's parts into one, in rounds that fit the context.

Each round groups profiles into batches whose JSON fits the extractor's context budget and asks
the model to merge each batch (in parallel). If a merge call fails, that batch is combined
without a model (every item kept, nothing deduplicated) and the failure is reported: no part's
findings are ever dropped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from negoprep.agents import extractor
from negoprep.agents.base import AgentCallFailed, AgentDeps, CallRecord, to_prompt_json
from negoprep.agents.extractor import DealProfile
from negoprep.llm.errors import describe_failure
from negoprep.reading.parts import estimate_tokens

Labelled = tuple[str, DealProfile]
"""A profile with the scope it covers (e.g. 'Part 2 of 5 ...')."""


def combine(profiles: list[DealProfile]) -> DealProfile:
    """All items of all profiles, in order; the first profile's parties' names win."""
    first = profiles[0]
    merged = first.model_copy(deep=True)
    merged.summary = " ".join(p.summary for p in profiles)
    for field in DealProfile.model_fields:
        value = getattr(first, field)
        if isinstance(value, list):
            setattr(merged, field, [item for p in profiles for item in getattr(p, field)])
    return merged


def batches(items: list[Labelled], budget: int) -> list[list[Labelled]]:
    groups: list[list[Labelled]] = [[]]
    used = 0
    for item in items:
        cost = estimate_tokens(to_prompt_json(item[1]))
        if groups[-1] and used + cost > budget:
            groups.append([])
            used = 0
        groups[-1].append(item)
        used += cost
    if len(groups) == len(items) and len(items) > 1:  # nothing fits together: merge in pairs
        groups = [items[i : i + 2] for i in range(0, len(items), 2)]
    return groups


async def _merge_group(
    deps: AgentDeps,
    group: list[Labelled],
    call: str,
    *,
    brief: str,
    language: str,
    emit: Callable[..., None],
    calls: list[CallRecord],
    problems: list[str],
) -> Labelled:
    scope = "; ".join(label for label, _ in group)
    if len(group) == 1:
        return group[0]
    detail = f"merging {len(group)} parts ({call})"
    emit("started", detail)
    joined = "\n\n".join(f"### {label}\n{to_prompt_json(p)}" for label, p in group)
    try:
        result = await extractor.reduce(
            deps, call=call, brief=brief, partial_profiles=joined, language=language
        )
    except Exception as exc:
        reason = describe_failure(exc)
        emit("failed", detail, reason)
        if isinstance(exc, AgentCallFailed):
            calls.append(exc.record)
        problems.append(
            f"merging {scope} failed ({reason}); those parts were combined without deduplication"
        )
        return scope, combine([p for _, p in group])
    emit("finished", detail)
    calls.append(result.record)
    return scope, result.output


async def merge_profiles(
    deps: AgentDeps,
    items: list[Labelled],
    *,
    brief: str,
    language: str,
    emit: Callable[..., None],
) -> tuple[DealProfile, list[CallRecord], list[str]]:
    """One profile from many. Returns it, the calls made, and problems to report."""
    budget = deps.models.config(extractor.NAME).context_tokens
    calls: list[CallRecord] = []
    problems: list[str] = []
    round_no = 0
    while len(items) > 1:
        round_no += 1
        groups = batches(items, budget)
        single = round_no == 1 and len(groups) == 1
        labels = [
            f"{extractor.NAME}.merge" if single else f"{extractor.NAME}.merge-{round_no}.{i}"
            for i in range(1, len(groups) + 1)
        ]
        merged = await asyncio.gather(
            *(
                _merge_group(
                    deps,
                    group,
                    label,
                    brief=brief,
                    language=language,
                    emit=emit,
                    calls=calls,
                    problems=problems,
                )
                for group, label in zip(groups, labels, strict=True)
            )
        )
        items = list(merged)
    return items[0][1], calls, problems
