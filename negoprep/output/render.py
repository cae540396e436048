"""Render a `Dossier` as Markdown, shaped by the five moves.

Nothing an agent produced is left out. A section whose agent failed says so, with the reason and
how to resume. Every citation shows its passage and quote; one that could not be verified is
marked where it stands and listed again in the appendix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from negoprep.agents.schemas import Citation, Cited
from negoprep.output.dossier import Dossier
from negoprep.output.labels import DISPLAY, table_for
from negoprep.output.render_extra import render_output
from negoprep.reading.case import LANGUAGE_NAMES

UNVERIFIED = "⚠ unverified"
APPROXIMATE = "≈ OCR text, close match"


class Writer:
    def __init__(self, dossier: Dossier) -> None:
        self.d = dossier
        self.lines: list[str] = []
        self.table = table_for(dossier.language)
        self.ocr_ids = {p.id for p in dossier.case.passages if p.ocr}

    def q(self, text: str) -> str:
        """`text` in the quotation marks of the dossier's language."""
        return f"{self.t('“')}{text}{self.t('”')}"

    def t(self, text: str) -> str:
        """`text` in the dossier's language (English when there is no translation)."""
        return self.table.get(text, DISPLAY.get(text, text))

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def h(self, level: int, title: str) -> None:
        if self.lines and self.lines[-1] != "":
            self.add("")
        self.add(f"{'#' * level} {title}", "")

    def cite_text(self, passage_id: str, quote: str) -> str:
        """A citation as shown: passage id and quote, marked if it could not be verified, if it
        matched OCR text only closely, or if its passage was read by OCR."""
        check = self.d.check_for(passage_id, quote)
        mark = ""
        if check is not None and check.approximate:
            mark = f" ({self.t(APPROXIMATE)})"
        elif check is not None and not check.verified:
            where = f"; found in {', '.join(check.found_in)}" if check.found_in else ""
            mark = f" {self.t(UNVERIFIED)}: {self.t(check.status)}{where}"
        elif passage_id.strip("[] ") in self.ocr_ids:
            mark = f" ({self.t('OCR text')})"
        return f"{passage_id} {self.q(quote)}{mark}"

    def cites(self, citations: Sequence[Citation]) -> str:
        if not citations:
            return ""
        parts = [self.cite_text(c.passage_id, c.quote) for c in citations]
        return f"  \n  <sub>{self.t('Sources')}: {' · '.join(parts)}</sub>"

    def kb(self, refs: Sequence[str]) -> str:
        if not refs:
            return ""
        marked = [
            r
            if r not in self.d.grounding.unknown_kb_refs
            else f"{r} {self.t(UNVERIFIED)}: {self.t('no such entry')}"
            for r in refs
        ]
        return f"  \n  <sub>{self.t('Knowledge')}: {', '.join(marked)}</sub>"

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
                self.add(f"> ⚠ **{agent}: {self.t('partly failed')}:** {reason}", "")
            return False
        self.add(
            f"> ⚠ **{self.t('Missing: the')} {agent} {self.t('did not produce this part.')}** "
            f"{reason or self.t('No output.')}",
            f"> {self.t('Resume the run to retry only what failed')}: "
            "`negoprep prepare --resume RUN_DIR`.",
            "",
        )
        return True

    def bullets(self, items: Iterable[str]) -> None:
        items = list(items)
        self.add(*(f"- {i}" for i in items) if items else [f"- {self.t('(none)')}"])

    def cited_bullets(self, items: Sequence[Cited]) -> None:
        self.bullets(f"{i.text}{self.cites(i.citations)}" for i in items)


def header(w: Writer) -> None:
    d = w.d
    title = (d.case.brief.title if d.case.brief and d.case.brief.title else None) or d.case.name
    t = w.t
    w.add(f"# {t('Preparation dossier')}: {title}", "")
    g = d.grounding
    shares = ", ".join(
        f"{t(LANGUAGE_NAMES.get(code, code))} {round(share * 100)}%"
        for code, share in d.case.languages.items()
    )
    mixed = f" ({t('documents')}: {shares})" if len(d.case.languages) > 1 else ""
    status = (
        t("complete") if d.status == "complete" else t("**INCOMPLETE** (see the warnings below)")
    )
    docs = len([x for x in d.case.documents if x.passages])
    w.add(
        f"{t('Case folder')} `{d.case.root}` · {docs} {t('documents')}, "
        f"{sum(x.passages for x in d.case.documents)} {t('passages')} · {t('written')} "
        f"{d.created_at} · {t('language')}: {t(d.language)}{mixed}  ",
        f"{t('Status')}: {status} · {t('citations verified')}: {g.verified} {t('of')} {g.total}"
        + (f" ({g.unverified} {t('marked')} {t(UNVERIFIED)})" if g.unverified else ""),
    )
    for agent, reason in d.failures.items():
        w.add("", f"> ⚠ **{agent}:** {reason}")
    problems = [doc for doc in d.case.documents if doc.problems]
    if problems:
        w.add(
            "",
            f"> {t('Files with problems')}: "
            + "; ".join(f"`{p.path}`: {', '.join(p.problems)}" for p in problems),
        )


def brief(w: Writer) -> None:
    w.h(2, w.t("One-page brief"))
    if w.missing("synthesis") or w.d.brief is None:
        return
    b = w.d.brief
    t = w.t
    w.add(f"**{t('Goal')}.** {b.goal}", "", f"**{t('Walk-away')}.** {b.walk_away}", "")
    w.add(f"**{t('Top three moves')}**", "")
    w.add(
        *(f"{i}. **{m.move}** ({t(m.dimension)}) - {m.why}" for i, m in enumerate(b.top_moves, 1))
    )
    w.add("", f"**{t('Top three risks')}**", "")
    w.add(*(f"{i}. {r}" for i, r in enumerate(b.top_risks, 1)))
    n = b.next_wise_move
    w.add(
        "",
        f"**{t('Next wise move')}.** {n.move}  ",
        f"{t('Why now')}: {n.why_now}  ",
        f"{t('Opening words')}: {w.q(n.opening_words)}",
    )


def widen(w: Writer) -> None:
    w.h(2, w.t("1. Widen the field of vision"))
    p, t = w.d.profile, w.t
    if not w.missing("extractor") and p is not None:
        w.add(f"**{t('Our side')}:** {p.our_side} · **{t('Counterpart')}:** {p.counterpart}", "")
        w.add(p.summary)
        w.h(3, w.t("Parties and stakeholders"))
        w.bullets(f"**{x.name}** ({t(x.side)}): {x.role}{w.cites(x.citations)}" for x in p.parties)
        w.h(3, w.t("Every element at stake"))
        w.bullets(
            f"**{e.name}** [{t(e.category)}]: {e.what_is_at_stake}  \n  {t('Ours')}: {e.our_position} · "
            f"{t('Theirs')}: {e.their_position} · {t('Tradeable')}: {e.tradeability}"
            f"{w.cites(e.citations)}"
            for e in p.elements
        )
        for side, label in (
            ("ours", "Our positions and interests"),
            ("theirs", "Their positions and interests"),
        ):
            w.h(3, w.t(label))
            w.bullets(
                f"{t('Position')}: {i.position} → **{t('interest')}:** {i.interest} "
                f"({t(i.priority)} {t('priority')}, {t(i.basis)}){w.cites(i.citations)}"
                for i in p.interests
                if i.side == side
            )
        w.h(3, w.t("Facts"))
        w.bullets(f"{f.text} *({t(f.status)})*{w.cites(f.citations)}" for f in p.facts)
        w.h(3, w.t("Timeline"))
        w.bullets(
            f"**{e.date}** ({t(e.kind)}): {e.event}{w.cites(e.citations)}" for e in p.timeline
        )
        w.h(3, w.t("Constraints"))
        w.cited_bullets(p.constraints)
        w.h(3, w.t("Cognitive traps"))
        w.bullets(
            f"**{t(x.trap)}** ({t(x.caught)}): {x.evidence}  \n  {t('Guard')}: {x.countermeasure}"
            f"{w.cites(x.citations)}"
            for x in p.cognitive_traps
        )
    w.h(3, w.t("Assumptions challenged"))
    c = w.d.challenge
    if not w.missing("challenger") and c is not None:
        w.add(f"{t('The narrow frame')}: *{c.fixed_pie_frame}*", "")
        w.bullets(
            f"**{w.q(a.assumption)}** - {a.challenge} **{t('Reframe')}:** {a.reframe}{w.kb(a.kb_refs)}"
            for a in c.assumptions_challenged
        )


def partial(w: Writer) -> None:
    w.h(2, w.t("2. Build partial alternatives"))
    c, t = w.d.challenge, w.t
    if w.missing("challenger") or c is None:
        return
    w.bullets(
        f"**{a.alternative}** ({', '.join(t(e) for e in a.effects)})  \n  {t('First step')}: "
        f"{a.first_step} · {t('Does not solve')}: {a.limits}{w.kb(a.kb_refs)}{w.cites(a.citations)}"
        for a in c.partial_alternatives
    )
    w.h(3, w.t("Hidden trades"))
    w.bullets(
        f"**{t('We offer')}:** {x.we_offer}  \n  **{t('We ask')}:** {x.we_ask}  \n  "
        f"{t('Why it costs us little')}: {x.why_it_costs_us_little}  \n  "
        f"{t('Why they value it')}: {x.why_they_value_it}{w.kb(x.kb_refs)}{w.cites(x.citations)}"
        for x in c.hidden_trades
    )
    w.h(3, w.t("Packages of equivalent offers"))
    for o in c.option_packages:
        w.add(f"- **{o.name}** - {t('Appeals to')}: {o.appeals_to}{w.kb(o.kb_refs)}")
        w.add(*(f"  - {term}" for term in o.terms))


def theirs(w: Writer) -> None:
    w.h(2, w.t("3. Their alternatives and dependencies"))
    o, t = w.d.counterpart, w.t
    if w.missing("counterpart") or o is None:
        return
    w.add(f"**{o.name}.** {o.summary}", "")
    w.h(3, w.t("If they say no to us, what problem will they still have tomorrow morning?"))
    w.cited_bullets(o.tomorrow_morning)
    w.h(3, w.t("Their dependencies"))
    w.bullets(
        f"**{x.dependency}** - {x.why_it_binds_them}{w.cites(x.citations)}" for x in o.dependencies
    )
    w.h(3, w.t("Their alternatives"))
    w.bullets(
        f"**{x.alternative}** - {t('viability')}: {x.how_viable} · {t('cost to them')}: "
        f"{x.what_it_costs_them}"
        f"{w.cites(x.citations)}"
        for x in o.their_alternatives
    )
    w.h(3, w.t("Pressures on them"))
    w.cited_bullets(o.pressures)
    w.h(3, w.t("What they need to explain a deal internally"))
    w.bullets(o.internal_justification)
    w.h(3, w.t("Behavioural profile"))
    w.add(
        f"- **{t('Communication style')}:** {o.communication_style}",
        f"- **{t('Decision style')}:** {o.decision_style}",
    )
    w.add(f"- **{t('Values')}:**", *(f"  - {v}" for v in o.values))
    w.h(3, w.t("Hypotheses about hidden aims"))
    w.bullets(
        f"{h.hypothesis} ({t(h.confidence)} {t('confidence')}) - {t('test')}: {h.how_to_test}"
        for h in o.hidden_aims
    )
    w.h(3, w.t("Likely tactics"))
    w.bullets(
        f"**{x.tactic}** - {t('signs')}: {x.signs} · {t('response')}: {x.response}"
        for x in o.likely_tactics
    )
    w.h(3, w.t("How they may see us"))
    w.bullets(o.how_they_may_see_us)
    persona = o.persona
    w.h(3, w.t("Rehearsal persona"))
    w.add(
        f"- **{t('Across the table')}:** {persona.speaker}",
        f"- **{t('Public objective')}:** {persona.public_objective}",
        f"- **{t('Opening stance')}:** {persona.opening_stance}",
        f"- **{t('Emotional baseline')}:** {persona.emotional_baseline}",
    )
    for label, items in (
        ("Hidden interests", persona.hidden_interests),
        ("Red lines", persona.red_lines),
        ("Softens when", persona.softens_when),
        ("Hardens when", persona.hardens_when),
    ):
        w.add(f"- **{t(label)}:**", *(f"  - {i}" for i in items))


def movement(w: Writer) -> None:
    w.h(2, w.t("4. Warnings, tactical consent and inertia"))
    c, t = w.d.challenge, w.t
    if w.missing("challenger") or c is None:
        return
    w.h(3, w.t("Warnings instead of threats"))
    w.bullets(
        f"{t('Instead of')}: ~~{x.threat_to_avoid}~~  \n  {t('Say')}: {w.q(x.warning)}  \n  "
        f"{t('Shared risk')}: {x.shared_risk}{w.kb(x.kb_refs)}"
        for x in c.warnings
    )
    w.h(3, w.t("Tactical-consent ladder (small yes first)"))
    w.add(
        *(
            f"{i}. {s.ask}  \n   {t('Easy to accept')}: {s.why_easy_to_accept} · "
            f"{t('Opens')}: {s.what_it_opens}{w.kb(s.kb_refs).replace(chr(10) + '  ', chr(10) + '   ')}"
            for i, s in enumerate(c.consent_ladder, 1)
        )
    )
    w.h(3, w.t("Inertia and defaults"))
    w.bullets(f"**{x.lever}** - {x.how_to_use}{w.kb(x.kb_refs)}" for x in c.inertia_levers)


def dimensions(w: Writer) -> None:
    w.h(2, w.t("5. Process, relationship, substance"))
    b, c, o, t = w.d.brief, w.d.challenge, w.d.counterpart, w.t
    w.h(3, w.t("Key questions, asked three ways"))
    if not w.missing("synthesis") and b is not None:
        for q in b.key_questions:
            w.add(
                f"- **{q.issue}**",
                f"  - {t('Substance')}: {q.substance}",
                f"  - {t('Process')}: {q.process}",
                f"  - {t('Relationship')}: {q.relationship}",
            )
    if c is not None:
        for dim in ("process", "relationship", "substance"):
            w.h(3, w.t(f"{dim.capitalize()} moves"))
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
            w.h(3, w.t(title))
            w.bullets(items)
        w.h(3, w.t("Phrases to use"))
        w.bullets(f"{w.q(x.phrase)} - {x.why}" for x in o.phrases_to_use)
        w.h(3, w.t("Phrases to avoid"))
        w.bullets(f"{w.q(x.phrase)} - {x.why}" for x in o.phrases_to_avoid)
    if b is not None:
        w.h(3, w.t("If they…, we…"))
        w.bullets(f"{t('If they')} {x.if_they} → {t('we')} {x.we}" for x in b.playbook)


def extras(w: Writer) -> None:
    """Sections of additional agents (`negoprep.agents.registry`), in registration order."""
    for section in w.d.extras.values():
        w.h(2, section.title)
        render_output(w, section.output)
    for name, reason in w.d.failures.items():
        if name not in w.d.extras and name not in (
            "extractor",
            "challenger",
            "counterpart",
            "synthesis",
        ):
            w.h(2, name)
            w.add(
                f"> ⚠ **{w.t('Missing: the')} {name} {w.t('did not produce this part.')}** {reason}"
            )


def risks_and_questions(w: Writer) -> None:
    p, t = w.d.profile, w.t
    w.h(2, w.t("Risks"))
    if p is not None:
        w.bullets(
            f"{r.risk} ({t('borne by')} {t(r.borne_by)}; {t(r.likelihood)} {t('likelihood')}) - "
            f"{t('impact')}: {r.impact}{w.cites(r.citations)}"
            for r in p.risks
        )
    w.h(2, w.t("Missing information: questions to ask"))
    if p is not None:
        w.bullets(
            f"**{q.question}**  \n  {t('Why')}: {q.why_it_matters} · {t('Ask')}: {q.ask_whom}"
            for q in p.missing_information
        )


def appendix(w: Writer) -> None:
    d, t = w.d, w.t
    w.h(2, t("Appendix"))
    w.h(3, t("Sources"))
    w.add(
        f"| Id | {t('File')} | {t('Status')} | {t('Passages')} | {t('Notes')} |",
        "|---|---|---|---|---|",
    )
    for doc in d.case.documents:
        notes = list(doc.problems)
        if "read by OCR" in doc.metadata:
            how = doc.metadata.get("ocr", "")
            notes.insert(
                0,
                f"{t('read by OCR')}: {doc.metadata['read by OCR']}" + (f" ({how})" if how else ""),
            )
        w.add(
            f"| {doc.id or '-'} | `{doc.path}` | {t(doc.status)} | {doc.passages} | {'; '.join(notes)} |"
        )
    for note in d.part_failures:
        w.add("", f"> ⚠ {note}")
    approximate = [c for c in d.citation_checks if c.approximate]
    if approximate:
        w.add(
            "",
            f"{t('Quotes matched closely but not exactly in text read by OCR')}: "
            + "; ".join(f"{c.passage_id} {w.q(c.quote)}" for c in approximate),
        )
    unverified = [c for c in d.citation_checks if not c.verified]
    w.h(3, f"{t('Citations not verified')} ({len(unverified)} {t('of')} {len(d.citation_checks)})")
    w.bullets(
        f"{c.passage_id} {w.q(c.quote)}: {t(c.status)}"
        + (f" ({t('occurs in')} {', '.join(c.found_in)})" if c.found_in else "")
        for c in unverified
    )
    if d.grounding.unknown_kb_refs:
        w.add(
            "",
            f"{t('Knowledge ids named but not in the knowledge base')}: "
            f"{', '.join(d.grounding.unknown_kb_refs)}",
        )
    w.h(3, t("Knowledge entries used"))
    w.bullets(f"`{k.id}` {k.title} ({t(k.source)})" for k in d.knowledge_used)
    w.h(3, t("Models, prompts and usage"))
    w.add(f"{t('Mode')}: {d.mode}", "")
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
        extras,
        risks_and_questions,
        appendix,
    ):
        section(w)
    return "\n".join(w.lines).strip() + "\n"
