"""Render a `Dossier` as Markdown, shaped by the five moves.

Nothing an agent produced is left out. A section whose agent failed says so, with the reason and
how to resume. Every citation shows its passage and quote; one that could not be verified is
marked where it stands and listed again in the appendix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from agents.schemas import Citation, Cited
from negoprep.dossier import Dossier

UNVERIFIED = "⚠ unverified"


class Writer:
    def __init__(self, dossier: Dossier) -> None:
        self.d = dossier
        self.lines: list[str] = []

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def h(self, level: int, title: str) -> None:
        self.add("", f"{'#' * level} {title}", "")

    def cites(self, citations: Sequence[Citation]) -> str:
        if not citations:
            return ""
        parts = []
        for c in citations:
            check = self.d.check_for(c.passage_id, c.quote)
            mark = ""
            if check is not None and not check.verified:
                where = f"; found in {', '.join(check.found_in)}" if check.found_in else ""
                mark = f" {UNVERIFIED}: {check.status}{where}"
            parts.append(f"{c.passage_id} “{c.quote}”{mark}")
        return f"  \n  <sub>Sources: {' · '.join(parts)}</sub>"

    def kb(self, refs: Sequence[str]) -> str:
        if not refs:
            return ""
        marked = [
            r if r not in self.d.grounding.unknown_kb_refs else f"{r} {UNVERIFIED}: no such entry"
            for r in refs
        ]
        return f"  \n  <sub>Knowledge: {', '.join(marked)}</sub>"

    def missing(self, agent: str) -> bool:
        """Write a notice if `agent` produced nothing; True when the section must be skipped."""
        reason = self.d.failures.get(agent)
        output = {
            "extractor": self.d.profile,
            "challenger": self.d.challenge,
            "counterpart": self.d.counterpart,
            "synthesis": self.d.brief,
        }[agent]
        if output is not None:
            if reason:
                self.add(f"> ⚠ **{agent} partly failed:** {reason}", "")
            return False
        self.add(
            f"> ⚠ **Missing: the {agent} did not produce this part.** {reason or 'No output.'}",
            "> Resume the run to retry only what failed: `negoprep prepare --resume RUN_DIR`.",
            "",
        )
        return True

    def bullets(self, items: Iterable[str]) -> None:
        items = list(items)
        self.add(*(f"- {i}" for i in items) if items else ["- (none)"])

    def cited_bullets(self, items: Sequence[Cited]) -> None:
        self.bullets(f"{i.text}{self.cites(i.citations)}" for i in items)


def header(w: Writer) -> None:
    d = w.d
    title = (d.case.brief.title if d.case.brief and d.case.brief.title else None) or d.case.name
    w.add(f"# Preparation dossier: {title}", "")
    g = d.grounding
    mixed = f" (documents: {d.case.language_note()})" if len(d.case.languages) > 1 else ""
    status = "complete" if d.status == "complete" else "**INCOMPLETE** (see the warnings below)"
    w.add(
        f"Case folder `{d.case.root}` · {len([x for x in d.case.documents if x.passages])} documents, "
        f"{sum(x.passages for x in d.case.documents)} passages · written {d.created_at} · "
        f"language: {d.language}{mixed}  ",
        f"Status: {status} · citations verified: {g.verified} of {g.total}"
        + (f" ({g.unverified} marked {UNVERIFIED})" if g.unverified else ""),
    )
    for agent, reason in d.failures.items():
        w.add("", f"> ⚠ **{agent}:** {reason}")
    problems = [doc for doc in d.case.documents if doc.problems]
    if problems:
        w.add(
            "",
            "> Files with problems: "
            + "; ".join(f"`{p.path}`: {', '.join(p.problems)}" for p in problems),
        )


def brief(w: Writer) -> None:
    w.h(2, "One-page brief")
    if w.missing("synthesis") or w.d.brief is None:
        return
    b = w.d.brief
    w.add(f"**Goal.** {b.goal}", "", f"**Walk-away.** {b.walk_away}", "", "**Top three moves**", "")
    w.add(*(f"{i}. **{m.move}** ({m.dimension}) - {m.why}" for i, m in enumerate(b.top_moves, 1)))
    w.add("", "**Top three risks**", "")
    w.add(*(f"{i}. {r}" for i, r in enumerate(b.top_risks, 1)))
    n = b.next_wise_move
    w.add(
        "",
        f"**Next wise move.** {n.move}  ",
        f"Why now: {n.why_now}  ",
        f"Opening words: “{n.opening_words}”",
    )


def widen(w: Writer) -> None:
    w.h(2, "1. Widen the field of vision")
    p = w.d.profile
    if not w.missing("extractor") and p is not None:
        w.add(p.summary)
        w.h(3, "Parties and stakeholders")
        w.bullets(f"**{x.name}** ({x.side}): {x.role}{w.cites(x.citations)}" for x in p.parties)
        w.h(3, "Every element at stake")
        w.bullets(
            f"**{e.name}** [{e.category}]: {e.what_is_at_stake}  \n  Ours: {e.our_position} · "
            f"Theirs: {e.their_position} · Tradeable: {e.tradeability}{w.cites(e.citations)}"
            for e in p.elements
        )
        for side, label in (
            ("ours", "Our positions and interests"),
            ("theirs", "Their positions and interests"),
        ):
            w.h(3, label)
            w.bullets(
                f"Position: {i.position} → **interest:** {i.interest} ({i.priority} priority, "
                f"{i.basis}){w.cites(i.citations)}"
                for i in p.interests
                if i.side == side
            )
        w.h(3, "Facts")
        w.bullets(f"{f.text} *({f.status})*{w.cites(f.citations)}" for f in p.facts)
        w.h(3, "Timeline")
        w.bullets(f"**{t.date}** ({t.kind}): {t.event}{w.cites(t.citations)}" for t in p.timeline)
        w.h(3, "Constraints")
        w.cited_bullets(p.constraints)
        w.h(3, "Cognitive traps")
        w.bullets(
            f"**{t.trap}** ({t.caught}): {t.evidence}  \n  Guard: {t.countermeasure}{w.cites(t.citations)}"
            for t in p.cognitive_traps
        )
    w.h(3, "Assumptions challenged")
    c = w.d.challenge
    if not w.missing("challenger") and c is not None:
        w.add(f"The narrow frame: *{c.fixed_pie_frame}*", "")
        w.bullets(
            f"**“{a.assumption}”** - {a.challenge} **Reframe:** {a.reframe}{w.kb(a.kb_refs)}"
            for a in c.assumptions_challenged
        )


def partial(w: Writer) -> None:
    w.h(2, "2. Build partial alternatives")
    c = w.d.challenge
    if w.missing("challenger") or c is None:
        return
    w.bullets(
        f"**{a.alternative}** ({', '.join(a.effects)})  \n  First step: {a.first_step} · "
        f"Does not solve: {a.limits}{w.kb(a.kb_refs)}{w.cites(a.citations)}"
        for a in c.partial_alternatives
    )
    w.h(3, "Hidden trades")
    w.bullets(
        f"We offer **{t.we_offer}**, we ask **{t.we_ask}**  \n  Costs us little because "
        f"{t.why_it_costs_us_little} · They value it because {t.why_they_value_it}"
        f"{w.kb(t.kb_refs)}{w.cites(t.citations)}"
        for t in c.hidden_trades
    )
    w.h(3, "Packages of equivalent offers")
    w.bullets(
        f"**{o.name}**: {'; '.join(o.terms)}  \n  Appeals to: {o.appeals_to}{w.kb(o.kb_refs)}"
        for o in c.option_packages
    )


def theirs(w: Writer) -> None:
    w.h(2, "3. Their alternatives and dependencies")
    o = w.d.counterpart
    if w.missing("counterpart") or o is None:
        return
    w.add(f"**{o.name}.** {o.summary}", "")
    w.h(3, "If they say no to us, what problem will they still have tomorrow morning?")
    w.cited_bullets(o.tomorrow_morning)
    w.h(3, "Their dependencies")
    w.bullets(
        f"**{x.dependency}** - {x.why_it_binds_them}{w.cites(x.citations)}" for x in o.dependencies
    )
    w.h(3, "Their alternatives")
    w.bullets(
        f"**{x.alternative}** - viability: {x.how_viable} · cost to them: {x.what_it_costs_them}"
        f"{w.cites(x.citations)}"
        for x in o.their_alternatives
    )
    w.h(3, "Pressures on them")
    w.cited_bullets(o.pressures)
    w.h(3, "What they need to explain a deal internally")
    w.bullets(o.internal_justification)
    w.h(3, "Behavioural profile")
    w.add(
        f"- **Communication style:** {o.communication_style}",
        f"- **Decision style:** {o.decision_style}",
    )
    w.add(f"- **Values:** {'; '.join(o.values)}")
    w.h(3, "Hypotheses about hidden aims")
    w.bullets(
        f"{h.hypothesis} ({h.confidence} confidence) - test: {h.how_to_test}" for h in o.hidden_aims
    )
    w.h(3, "Likely tactics")
    w.bullets(
        f"**{t.tactic}** - signs: {t.signs} · response: {t.response}" for t in o.likely_tactics
    )
    w.h(3, "How they may see us")
    w.bullets(o.how_they_may_see_us)


def movement(w: Writer) -> None:
    w.h(2, "4. Warnings, tactical consent and inertia")
    c = w.d.challenge
    if w.missing("challenger") or c is None:
        return
    w.h(3, "Warnings instead of threats")
    w.bullets(
        f"Instead of: ~~{x.threat_to_avoid}~~  \n  Say: “{x.warning}”  \n  Shared risk: {x.shared_risk}"
        f"{w.kb(x.kb_refs)}"
        for x in c.warnings
    )
    w.h(3, "Tactical-consent ladder (small yes first)")
    w.add(
        *(
            f"{i}. {s.ask}  \n   Easy to accept: {s.why_easy_to_accept} · Opens: {s.what_it_opens}{w.kb(s.kb_refs)}"
            for i, s in enumerate(c.consent_ladder, 1)
        )
    )
    w.h(3, "Inertia and defaults")
    w.bullets(f"**{x.lever}** - {x.how_to_use}{w.kb(x.kb_refs)}" for x in c.inertia_levers)


def dimensions(w: Writer) -> None:
    w.h(2, "5. Process, relationship, substance")
    b, c, o = w.d.brief, w.d.challenge, w.d.counterpart
    w.h(3, "Key questions, asked three ways")
    if not w.missing("synthesis") and b is not None:
        for q in b.key_questions:
            w.add(
                f"- **{q.issue}**",
                f"  - Substance: {q.substance}",
                f"  - Process: {q.process}",
                f"  - Relationship: {q.relationship}",
            )
    if c is not None:
        for dim in ("process", "relationship", "substance"):
            w.h(3, f"{dim.capitalize()} moves")
            w.bullets(
                f"**{m.move}** - {m.purpose}{w.kb(m.kb_refs)}"
                for m in c.process_moves
                if m.dimension == dim
            )
    if o is not None:
        for title, items in (
            ("Communication guidance", o.communication_guidance),
            ("Interaction guidance", o.interaction_guidance),
            ("Negotiation guidance", o.negotiation_guidance),
        ):
            w.h(3, title)
            w.bullets(items)
        w.h(3, "Phrases to use")
        w.bullets(f"“{x.phrase}” - {x.why}" for x in o.phrases_to_use)
        w.h(3, "Phrases to avoid")
        w.bullets(f"“{x.phrase}” - {x.why}" for x in o.phrases_to_avoid)
    if b is not None:
        w.h(3, "If they…, we…")
        w.bullets(f"If they {x.if_they} → we {x.we}" for x in b.playbook)


def risks_and_questions(w: Writer) -> None:
    p = w.d.profile
    w.h(2, "Risks")
    if p is not None:
        w.bullets(
            f"{r.risk} (borne by {r.borne_by}; {r.likelihood} likelihood) - impact: {r.impact}{w.cites(r.citations)}"
            for r in p.risks
        )
    w.h(2, "Missing information: questions to ask")
    if p is not None:
        w.bullets(
            f"**{q.question}**  \n  Why: {q.why_it_matters} · Ask: {q.ask_whom}"
            for q in p.missing_information
        )


def appendix(w: Writer) -> None:
    d = w.d
    w.h(2, "Appendix")
    w.h(3, "Sources")
    w.add("| Id | File | Status | Passages | Notes |", "|---|---|---|---|---|")
    for doc in d.case.documents:
        w.add(
            f"| {doc.id or '-'} | `{doc.path}` | {doc.status} | {doc.passages} | {'; '.join(doc.problems)} |"
        )
    for note in d.part_failures:
        w.add("", f"> ⚠ {note}")
    unverified = [c for c in d.citation_checks if not c.verified]
    w.h(3, f"Citations not verified ({len(unverified)} of {len(d.citation_checks)})")
    w.bullets(
        f"{c.passage_id} “{c.quote}”: {c.status}"
        + (f" (occurs in {', '.join(c.found_in)})" if c.found_in else "")
        for c in unverified
    )
    if d.grounding.unknown_kb_refs:
        w.add(
            "",
            f"Knowledge ids named but not in the knowledge base: {', '.join(d.grounding.unknown_kb_refs)}",
        )
    w.h(3, "Knowledge entries used")
    w.bullets(f"`{k.id}` {k.title} ({k.source})" for k in d.knowledge_used)
    w.h(3, "Models, prompts and usage")
    w.add(f"Mode: {d.mode}", "")
    w.add("| Agent | Model | Format |", "|---|---|---|")
    for agent, cfg in d.models.items():
        w.add(f"| {agent} | {cfg.get('model')} | {cfg.get('response_format')} |")
    w.add("", "| Prompt | Version | Hash |", "|---|---|---|")
    w.add(*(f"| {p.id} | {p.version} | `{p.hash}` |" for p in d.prompts))
    tin, tout = d.tokens()
    w.add("", "| Call | Model | Prompt | Input tokens | Output tokens | Attempts | Seconds |")
    w.add("|---|---|---|---|---|---|---|")
    for c in d.calls:
        w.add(
            f"| {c.call} | {c.model} | {c.prompt_id} v{c.prompt_version} | {c.input_tokens} | "
            f"{c.output_tokens} | {c.attempts} | {c.seconds} |"
        )
    w.add(f"| **total** | | | {tin} | {tout} | | |")


def render_markdown(dossier: Dossier) -> str:
    w = Writer(dossier)
    for section in (
        header,
        brief,
        widen,
        partial,
        theirs,
        movement,
        dimensions,
        risks_and_questions,
        appendix,
    ):
        section(w)
    return "\n".join(w.lines).strip() + "\n"
