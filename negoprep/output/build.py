"""Build the format-neutral `DossierView` from a `Dossier`: header, agent sections, appendix, sources.

The agent sections (one builder function each) live in `negoprep.output.sections`; registered
additional agents are built generically in `negoprep.output.extra`. This module holds the
`Builder` they share (translation, citations with their checks, notices) and the parts that do
not belong to one agent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from negoprep.agents.registry import preparation_agents
from negoprep.agents.schemas import Citation, Cited
from negoprep.output.dossier import Dossier
from negoprep.output.labels import DISPLAY, language_code, table_for
from negoprep.output.view import (
    Block,
    Break,
    Cite,
    DossierView,
    Inline,
    Item,
    KbRef,
    Knowledge,
    ListBlock,
    Notice,
    Paragraph,
    Section,
    Sources,
    Table,
    Text,
)
from negoprep.reading.case import LANGUAGE_NAMES, DocumentInfo
from negoprep.reading.grounding import clean_id, quote_spans

UNVERIFIED = "⚠ unverified"
APPROXIMATE = "≈ OCR text, close match"
RESERVED_IDS = ("source-passages", "sources-title", "dossier", "contents", "toc-title")
"""Element ids the reading page uses itself; section ids never take them."""
AGENT_OUTPUTS = {a.name: a.key for a in preparation_agents(())}
"""Built-in agent -> the dossier field holding its output (from the agent table)."""
PAGE_LABELS = (
    "Contents",
    "Source passage",
    "Source passages",
    "Sources",
    "Knowledge",
    "Close",
    "quote highlighted",
    "no highlight: the quote was not verified in this passage",
    "Only the passages the dossier cites are kept with it.",
    "Point at a citation to see its quote; select it to open its passage here, the quote highlighted.",
)


def B(text: str) -> Text:
    """Strong text."""
    return Text(text, "strong")


def I(text: str) -> Text:  # noqa: E743 - the short name keeps the section builders readable
    """Emphasised text."""
    return Text(text, "em")


def anchor(passage_id: str) -> str:
    """The reading page's element id for a passage: `D1.P12` -> `src-D1-P12`."""
    return "src-" + re.sub(r"[^A-Za-z0-9]+", "-", clean_id(passage_id)).strip("-")


class Builder:
    """Collects sections and blocks; every helper returns view objects, never markup."""

    def __init__(self, dossier: Dossier) -> None:
        self.d = dossier
        self.table = table_for(dossier.language)
        self.intro: list[Block] = []
        self.sections: list[Section] = []
        self._current: Section | None = None
        self._ids: set[str] = set(RESERVED_IDS)
        self._cites = 0
        self._checks = {(c.passage_id, c.quote): i for i, c in enumerate(dossier.citation_checks)}
        self._passages = dossier.case.passage_map()
        self._kb = {k.id: k for k in dossier.knowledge_used}

    def t(self, text: str) -> str:
        """`text` in the dossier's language (English when there is no translation)."""
        return self.table.get(text, DISPLAY.get(text, text))

    def q(self, text: str) -> str:
        """`text` in the quotation marks of the dossier's language."""
        return f"{self.t('“')}{text}{self.t('”')}"

    def section(self, key: str, level: int = 2, title: str | None = None) -> Section:
        """Start a section titled `t(key)` (or `title`); level 3 nests in the current level 2."""
        base = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-") or "section"
        base = re.sub(r"^\d+-", "", base)
        sid, n = base, 1
        while sid in self._ids:
            n += 1
            sid = f"{base}-{n}"
        self._ids.add(sid)
        section = Section(id=sid, level=level, title=title if title is not None else self.t(key))
        if level == 2 or not self.sections:
            self.sections.append(section)
        else:
            self.sections[-1].blocks.append(section)
        self._current = section
        return section

    def add(self, *blocks: Block) -> None:
        target = self._current.blocks if self._current is not None else self.intro
        target.extend(blocks)

    def para(self, *inlines: Inline | str) -> None:
        self.add(Paragraph(inl(*inlines)))

    def cite(self, passage_id: str, quote: str) -> Cite:
        """One citation with its check; verified ones carry where grounding matched the quote."""
        self._cites += 1
        check = self.d.check_for(passage_id, quote)
        passage = self._passages.get(clean_id(passage_id))
        mark, spans = "", None
        if check is not None and check.approximate:
            mark = f"({self.t(APPROXIMATE)})"
        elif check is not None and not check.verified:
            where = f"; {self.t('found in')} {', '.join(check.found_in)}" if check.found_in else ""
            mark = f"{self.t(UNVERIFIED)}: {self.t(check.status)}{where}"
        elif check is not None and passage is not None:
            spans = quote_spans(quote, passage.text)
            if passage.ocr:
                mark = f"({self.t('OCR text')})"
        return Cite(
            number=self._cites,
            check=self._checks.get((passage_id, quote)),
            passage_id=passage_id,
            quote=quote,
            verified=check is None or check.verified,
            status=check.status if check is not None else "not checked",
            mark=mark,
            found_in=tuple(check.found_in) if check is not None else (),
            source=anchor(passage_id) if passage is not None else None,
            spans=tuple(spans or ()),
        )

    def cites(self, citations: Sequence[Citation]) -> list[Inline]:
        """The `Sources` inline for `citations` ([] when there are none)."""
        return self.cites_raw([(c.passage_id, c.quote) for c in citations])

    def cites_raw(self, pairs: Sequence[tuple[str, str]]) -> list[Inline]:
        if not pairs:
            return []
        return [Sources(self.t("Sources"), tuple(self.cite(pid, quote) for pid, quote in pairs))]

    def kb(self, refs: Sequence[str]) -> list[Inline]:
        if not refs:
            return []
        unknown = self.d.grounding.unknown_kb_refs
        marked = f"{self.t(UNVERIFIED)}: {self.t('no such entry')}"
        return [
            Knowledge(
                self.t("Knowledge"),
                tuple(self.kb_ref(r, marked if r in unknown else "") for r in refs),
            )
        ]

    def kb_ref(self, ref: str, mark: str = "") -> KbRef:
        known = self._kb.get(ref)
        if known is None:
            return KbRef(id=ref, mark=mark)
        return KbRef(ref, mark, known.title, known.when_to_use, known.body)

    def missing(self, agent: str) -> bool:
        """Add a notice if `agent` produced nothing; True when the section must be skipped."""
        reason = self.d.failures.get(agent)
        if getattr(self.d, AGENT_OUTPUTS[agent]) is not None:
            if reason:
                self.add(
                    Notice([inl("⚠ ", B(f"{agent}: {self.t('partly failed')}:"), f" {reason}")])
                )
            return False
        self.add(self.missing_notice(agent, reason or self.t("No output."), resume=True))
        return True

    def missing_notice(self, agent: str, reason: str, *, resume: bool) -> Notice:
        lines = [
            inl(
                "⚠ ",
                B(f"{self.t('Missing: the')} {agent} {self.t('did not produce this part.')}"),
                f" {reason}",
            )
        ]
        if resume:
            lines.append(
                inl(
                    f"{self.t('Resume the run to retry only what failed')}: ",
                    Text("negoprep prepare --resume RUN_DIR", "code"),
                    ".",
                )
            )
        return Notice(lines)

    def bullets(self, items: Iterable[list[Inline]]) -> None:
        """A bulleted list; an empty one says `(none)`."""
        listed = [Item(i) for i in items]
        self.add(ListBlock(listed or [Item([Text(self.t("(none)"))])]))

    def cited_bullets(self, items: Sequence[Cited]) -> None:
        self.bullets([Text(i.text), *self.cites(i.citations)] for i in items)


def inl(*parts: Inline | str) -> list[Inline]:
    """Inlines from parts; a plain string is plain text."""
    return [Text(p) if isinstance(p, str) else p for p in parts]


def header(b: Builder) -> None:
    d, t = b.d, b.t
    g = d.grounding
    shares = ", ".join(
        f"{t(LANGUAGE_NAMES.get(code, code))} {round(share * 100)}%"
        for code, share in d.case.languages.items()
    )
    mixed = f" ({t('documents')}: {shares})" if len(d.case.languages) > 1 else ""
    status: list[Inline] = (
        [Text(t("complete"))]
        if d.status == "complete"
        else [B(t("INCOMPLETE")), Text(f" {t('(see the warnings below)')}")]
    )
    docs = len([x for x in d.case.documents if x.passages])
    unverified = f" ({g.unverified} {t('marked')} {t(UNVERIFIED)})" if g.unverified else ""
    b.para(
        f"{t('Case folder')} ",
        Text(d.case.root, "code"),
        f" · {docs} {t('documents')}, {sum(x.passages for x in d.case.documents)} "
        f"{t('passages')} · {t('written')} {d.created_at} · {t('language')}: {t(d.language)}{mixed}",
        Break(),
        f"{t('Status')}: ",
        *status,
        f" · {t('citations verified')}: {g.verified} {t('of')} {g.total}{unverified}",
    )
    for agent, reason in d.failures.items():
        b.add(Notice([inl("⚠ ", B(f"{agent}:"), f" {reason}")]))
    if d.user_changes:
        title = B(f"{t('Your review of the deal profile')}:")
        b.add(Notice([inl(title, f" {line}") for line in d.user_changes]))
    for agent, note in d.notes.items():
        b.add(Notice([inl(B(f"{agent}:"), f" {t('written again with your note')}: {note}")]))
    problems = [doc for doc in d.case.documents if doc.problems]
    if problems:
        line: list[Inline] = [Text(f"{t('Files with problems')}: ")]
        for i, doc in enumerate(problems):
            line += [Text("; ")] if i else []
            line += [Text(doc.path, "code"), Text(f": {', '.join(doc.problems)}")]
        b.add(Notice([line]))


def _notes(doc: DocumentInfo, t: Callable[[str], str]) -> list[str]:
    """A source's notes in the appendix: how it was read by OCR, then its problems."""
    notes = list(doc.problems)
    if "read by OCR" in doc.metadata:
        how = doc.metadata.get("ocr", "")
        notes.insert(
            0, f"{t('read by OCR')}: {doc.metadata['read by OCR']}" + (f" ({how})" if how else "")
        )
    return notes


def appendix(b: Builder) -> None:
    d, t = b.d, b.t
    b.section("Appendix")
    b.section("Sources", 3)
    b.add(
        Table(
            cells(t("Id"), t("File"), t("Status"), t("Passages"), t("Notes")),
            [
                [
                    [Text(doc.id or "-")],
                    [Text(doc.path, "code")],
                    [Text(t(doc.status))],
                    [Text(str(doc.passages))],
                    [Text("; ".join(_notes(doc, t)))],
                ]
                for doc in d.case.documents
            ],
        )
    )
    b.add(*(Notice([inl(f"⚠ {note}")]) for note in d.part_failures))
    approximate = [c for c in d.citation_checks if c.approximate]
    if approximate:
        b.para(
            f"{t('Quotes matched closely but not exactly in text read by OCR')}: "
            + "; ".join(f"{c.passage_id} {b.q(c.quote)}" for c in approximate)
        )
    unverified = [c for c in d.citation_checks if not c.verified]
    b.section(
        "Citations not verified",
        3,
        f"{t('Citations not verified')} ({len(unverified)} {t('of')} {len(d.citation_checks)})",
    )
    b.bullets(
        [
            Text(
                f"{c.passage_id} {b.q(c.quote)}: {t(c.status)}"
                + (f" ({t('occurs in')} {', '.join(c.found_in)})" if c.found_in else "")
            )
        ]
        for c in unverified
    )
    if d.grounding.unknown_kb_refs:
        b.para(
            f"{t('Knowledge ids named but not in the knowledge base')}: "
            f"{', '.join(d.grounding.unknown_kb_refs)}"
        )
    b.section("Knowledge entries used", 3)
    b.bullets(inl(Text(k.id, "code"), f" {k.title} ({t(k.source)})") for k in d.knowledge_used)
    b.section("Models, prompts and usage", 3)
    b.para(f"{t('Mode')}: {d.mode}")
    b.add(
        Table(
            cells(t("Agent"), t("Model"), t("Format")),
            [
                cells(agent, str(cfg.get("model")), str(cfg.get("response_format")))
                for agent, cfg in d.models.items()
            ],
        ),
        Table(
            cells(t("Prompt"), t("Version"), t("Hash")),
            [[[Text(p.id)], [Text(p.version)], [Text(p.hash, "code")]] for p in d.prompts],
        ),
    )
    tin, tout = d.tokens()
    rows = [
        cells(
            c.call,
            c.model,
            f"{c.prompt_id} v{c.prompt_version}",
            str(c.input_tokens),
            str(c.output_tokens),
            str(c.attempts),
            str(c.seconds),
        )
        for c in d.calls
    ]
    rows.append([[B(t("total"))], [], [], [Text(str(tin))], [Text(str(tout))], [], []])
    header_cells = (
        "Call",
        "Model",
        "Prompt",
        "Input tokens",
        "Output tokens",
        "Attempts",
        "Seconds",
    )
    b.add(Table(cells(*(t(h) for h in header_cells)), rows))


def cells(*texts: str) -> list[list[Inline]]:
    return [[Text(x)] for x in texts]


def build_view(dossier: Dossier) -> DossierView:
    """The dossier as a `DossierView`: sections in the order of the five moves, brief first.

    Deterministic for a given dossier (the Markdown rendering of it is snapshot-tested).
    """
    from negoprep.output import extra, sections
    from negoprep.output.passages import all_cites, cited_passages

    b = Builder(dossier)
    d = dossier
    title = (d.case.brief.title if d.case.brief and d.case.brief.title else None) or d.case.name
    header(b)
    for build in (*sections.AGENT_SECTIONS, extra.extras, sections.risks_and_questions, appendix):
        build(b)
    return DossierView(
        title=f"{b.t('Preparation dossier')}: {title}",
        language=language_code(d.language),
        intro=b.intro,
        sections=b.sections,
        sources=cited_passages(dossier, all_cites([*b.intro, *b.sections])),
        labels={key: b.t(key) for key in PAGE_LABELS},
        open_quote=b.t("“"),
        close_quote=b.t("”"),
    )
