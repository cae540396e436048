"""One builder per dossier section, shaped by the five moves: each adds its sections to a `Builder`.

Nothing an agent produced is left out. A section whose agent failed says so, with the reason and
how to resume. Every citation carries its passage, quote and check.
"""

from __future__ import annotations

from negoprep.output.build import B, Builder, I, inl
from negoprep.output.view import Break, Item, ListBlock, Text


def brief(b: Builder) -> None:
    b.section("One-page brief")
    if b.missing("synthesis") or b.d.brief is None:
        return
    s, t = b.d.brief, b.t
    b.para(B(f"{t('Goal')}."), f" {s.goal}")
    b.para(B(f"{t('Walk-away')}."), f" {s.walk_away}")
    b.para(B(t("Top three moves")))
    b.add(
        ListBlock(
            [Item(inl(B(m.move), f" ({t(m.dimension)}) - {m.why}")) for m in s.top_moves],
            ordered=True,
        )
    )
    b.para(B(t("Top three risks")))
    b.add(ListBlock([Item([Text(r)]) for r in s.top_risks], ordered=True))
    n = s.next_wise_move
    b.para(
        B(f"{t('Next wise move')}."),
        f" {n.move}",
        Break(),
        f"{t('Why now')}: {n.why_now}",
        Break(),
        f"{t('Opening words')}: {b.q(n.opening_words)}",
    )


def widen(b: Builder) -> None:
    b.section("1. Widen the field of vision")
    p, t = b.d.profile, b.t
    if not b.missing("extractor") and p is not None:
        b.para(
            B(f"{t('Our side')}:"),
            f" {p.our_side} · ",
            B(f"{t('Counterpart')}:"),
            f" {p.counterpart}",
        )
        b.para(p.summary)
        b.section("Parties and stakeholders", 3)
        b.bullets(
            inl(B(x.name), f" ({t(x.side)}): {x.role}", *b.cites(x.citations)) for x in p.parties
        )
        b.section("Every element at stake", 3)
        b.bullets(
            inl(
                B(e.name),
                f" [{t(e.category)}]: {e.what_is_at_stake}",
                Break(),
                f"{t('Ours')}: {e.our_position} · {t('Theirs')}: {e.their_position} · "
                f"{t('Tradeable')}: {e.tradeability}",
                *b.cites(e.citations),
            )
            for e in p.elements
        )
        for side, label in (
            ("ours", "Our positions and interests"),
            ("theirs", "Their positions and interests"),
        ):
            b.section(label, 3)
            b.bullets(
                inl(
                    f"{t('Position')}: {i.position} → ",
                    B(f"{t('interest')}:"),
                    f" {i.interest} ({t(i.priority)} {t('priority')}, {t(i.basis)})",
                    *b.cites(i.citations),
                )
                for i in p.interests
                if i.side == side
            )
        b.section("Facts", 3)
        b.bullets(inl(f"{f.text} ", I(f"({t(f.status)})"), *b.cites(f.citations)) for f in p.facts)
        b.section("Timeline", 3)
        b.bullets(
            inl(B(e.date), f" ({t(e.kind)}): {e.event}", *b.cites(e.citations)) for e in p.timeline
        )
        b.section("Constraints", 3)
        b.cited_bullets(p.constraints)
        b.section("Cognitive traps", 3)
        b.bullets(
            inl(
                B(t(x.trap)),
                f" ({t(x.caught)}): {x.evidence}",
                Break(),
                f"{t('Guard')}: {x.countermeasure}",
                *b.cites(x.citations),
            )
            for x in p.cognitive_traps
        )
    b.section("Assumptions challenged", 3)
    c = b.d.challenge
    if not b.missing("challenger") and c is not None:
        b.para(f"{t('The narrow frame')}: ", I(c.fixed_pie_frame))
        b.bullets(
            inl(
                B(b.q(a.assumption)),
                f" - {a.challenge} ",
                B(f"{t('Reframe')}:"),
                f" {a.reframe}",
                *b.kb(a.kb_refs),
            )
            for a in c.assumptions_challenged
        )


def partial(b: Builder) -> None:
    b.section("2. Build partial alternatives")
    c, t = b.d.challenge, b.t
    if b.missing("challenger") or c is None:
        return
    b.bullets(
        inl(
            B(a.alternative),
            f" ({', '.join(t(e) for e in a.effects)})",
            Break(),
            f"{t('First step')}: {a.first_step} · {t('Does not solve')}: {a.limits}",
            *b.kb(a.kb_refs),
            *b.cites(a.citations),
        )
        for a in c.partial_alternatives
    )
    b.section("Hidden trades", 3)
    b.bullets(
        inl(
            B(f"{t('We offer')}:"),
            f" {x.we_offer}",
            Break(),
            B(f"{t('We ask')}:"),
            f" {x.we_ask}",
            Break(),
            f"{t('Why it costs us little')}: {x.why_it_costs_us_little}",
            Break(),
            f"{t('Why they value it')}: {x.why_they_value_it}",
            *b.kb(x.kb_refs),
            *b.cites(x.citations),
        )
        for x in c.hidden_trades
    )
    b.section("Packages of equivalent offers", 3)
    b.add(
        ListBlock(
            [
                Item(
                    inl(B(o.name), f" - {t('Appeals to')}: {o.appeals_to}", *b.kb(o.kb_refs)),
                    [Item([Text(term)]) for term in o.terms],
                )
                for o in c.option_packages
            ]
        )
    )


def theirs(b: Builder) -> None:
    b.section("3. Their alternatives and dependencies")
    o, t = b.d.counterpart, b.t
    if b.missing("counterpart") or o is None:
        return
    b.para(B(f"{o.name}."), f" {o.summary}")
    b.section("If they say no to us, what problem will they still have tomorrow morning?", 3)
    b.cited_bullets(o.tomorrow_morning)
    b.section("Their dependencies", 3)
    b.bullets(
        inl(B(x.dependency), f" - {x.why_it_binds_them}", *b.cites(x.citations))
        for x in o.dependencies
    )
    b.section("Their alternatives", 3)
    b.bullets(
        inl(
            B(x.alternative),
            f" - {t('viability')}: {x.how_viable} · {t('cost to them')}: {x.what_it_costs_them}",
            *b.cites(x.citations),
        )
        for x in o.their_alternatives
    )
    b.section("Pressures on them", 3)
    b.cited_bullets(o.pressures)
    b.section("What they need to explain a deal internally", 3)
    b.bullets([Text(x)] for x in o.internal_justification)
    b.section("Behavioural profile", 3)
    b.add(
        ListBlock(
            [
                Item(inl(B(f"{t('Communication style')}:"), f" {o.communication_style}")),
                Item(inl(B(f"{t('Decision style')}:"), f" {o.decision_style}")),
                Item([B(f"{t('Values')}:")], [Item([Text(v)]) for v in o.values]),
            ]
        )
    )
    b.section("Hypotheses about hidden aims", 3)
    b.bullets(
        [
            Text(
                f"{h.hypothesis} ({t(h.confidence)} {t('confidence')}) - {t('test')}: {h.how_to_test}"
            )
        ]
        for h in o.hidden_aims
    )
    b.section("Likely tactics", 3)
    b.bullets(
        inl(B(x.tactic), f" - {t('signs')}: {x.signs} · {t('response')}: {x.response}")
        for x in o.likely_tactics
    )
    b.section("How they may see us", 3)
    b.bullets([Text(x)] for x in o.how_they_may_see_us)
    persona = o.persona
    b.section("Rehearsal persona", 3)
    items = [
        Item(inl(B(f"{t(label)}:"), f" {value}"))
        for label, value in (
            ("Across the table", persona.speaker),
            ("Public objective", persona.public_objective),
            ("Opening stance", persona.opening_stance),
            ("Emotional baseline", persona.emotional_baseline),
        )
    ]
    items += [
        Item([B(f"{t(label)}:")], [Item([Text(i)]) for i in values])
        for label, values in (
            ("Hidden interests", persona.hidden_interests),
            ("Red lines", persona.red_lines),
            ("Softens when", persona.softens_when),
            ("Hardens when", persona.hardens_when),
        )
    ]
    b.add(ListBlock(items))


def movement(b: Builder) -> None:
    b.section("4. Warnings, tactical consent and inertia")
    c, t = b.d.challenge, b.t
    if b.missing("challenger") or c is None:
        return
    b.section("Warnings instead of threats", 3)
    b.bullets(
        inl(
            f"{t('Instead of')}: ",
            Text(x.threat_to_avoid, "del"),
            Break(),
            f"{t('Say')}: {b.q(x.warning)}",
            Break(),
            f"{t('Shared risk')}: {x.shared_risk}",
            *b.kb(x.kb_refs),
        )
        for x in c.warnings
    )
    b.section("Tactical-consent ladder (small yes first)", 3)
    b.add(
        ListBlock(
            [
                Item(
                    inl(
                        s.ask,
                        Break(),
                        f"{t('Easy to accept')}: {s.why_easy_to_accept} · "
                        f"{t('Opens')}: {s.what_it_opens}",
                        *b.kb(s.kb_refs),
                    )
                )
                for s in c.consent_ladder
            ],
            ordered=True,
        )
    )
    b.section("Inertia and defaults", 3)
    b.bullets(inl(B(x.lever), f" - {x.how_to_use}", *b.kb(x.kb_refs)) for x in c.inertia_levers)


def dimensions(b: Builder) -> None:
    b.section("5. Process, relationship, substance")
    s, c, o, t = b.d.brief, b.d.challenge, b.d.counterpart, b.t
    b.section("Key questions, asked three ways", 3)
    if not b.missing("synthesis") and s is not None:
        b.add(
            ListBlock(
                [
                    Item(
                        [B(q.issue)],
                        [
                            Item([Text(f"{t('Substance')}: {q.substance}")]),
                            Item([Text(f"{t('Process')}: {q.process}")]),
                            Item([Text(f"{t('Relationship')}: {q.relationship}")]),
                        ],
                    )
                    for q in s.key_questions
                ]
            )
        )
    if c is not None:
        for dim in ("process", "relationship", "substance"):
            b.section(f"{dim.capitalize()} moves", 3)
            b.bullets(
                inl(B(m.move), f" - {m.purpose}", *b.kb(m.kb_refs))
                for m in c.process_moves
                if m.dimension == dim
            )
    if o is not None:
        for title, items in (
            ("Communication guidance", o.communication_guidance),
            ("Interaction guidance", o.interaction_guidance),
            ("Negotiation guidance", o.negotiation_guidance),
        ):
            b.section(title, 3)
            b.bullets([Text(x)] for x in items)
        b.section("Phrases to use", 3)
        b.bullets([Text(f"{b.q(x.phrase)} - {x.why}")] for x in o.phrases_to_use)
        b.section("Phrases to avoid", 3)
        b.bullets([Text(f"{b.q(x.phrase)} - {x.why}")] for x in o.phrases_to_avoid)
    if s is not None:
        b.section("If they…, we…", 3)
        b.bullets([Text(f"{t('If they')} {x.if_they} → {t('we')} {x.we}")] for x in s.playbook)


def risks_and_questions(b: Builder) -> None:
    p, t = b.d.profile, b.t
    b.section("Risks")
    if p is not None:
        b.bullets(
            inl(
                f"{r.risk} ({t('borne by')} {t(r.borne_by)}; {t(r.likelihood)} {t('likelihood')}) - "
                f"{t('impact')}: {r.impact}",
                *b.cites(r.citations),
            )
            for r in p.risks
        )
    b.section("Missing information: questions to ask")
    if p is not None:
        b.bullets(
            inl(
                B(q.question), Break(), f"{t('Why')}: {q.why_it_matters} · {t('Ask')}: {q.ask_whom}"
            )
            for q in p.missing_information
        )


AGENT_SECTIONS = (brief, widen, partial, theirs, movement, dimensions)
"""The sections of the built-in agents, in the order of the dossier (brief first, then the moves)."""
