"""The case as the agents see it: a brief, documents, and citable passages with stable ids.

Passage ids: ``D2.P4`` is paragraph 4 of document 2; ``D3.p2.P1`` is paragraph 1 on page 2 of a
paged document; ``D5.a1.P3`` is paragraph 3 of the first attachment of document 5. Documents are
numbered in the sorted order of their paths inside the case folder, so ids are stable across runs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

LANGUAGE_NAMES = {
    "en": "English",
    "no": "Norwegian",
    "nb": "Norwegian (Bokmål)",
    "nn": "Norwegian (Nynorsk)",
    "sv": "Swedish",
    "da": "Danish",
    "fi": "Finnish",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "nl": "Dutch",
    "pt": "Portuguese",
    "pl": "Polish",
}
DocStatus = Literal["read", "read with warnings", "unreadable", "skipped"]


class Passage(BaseModel):
    id: str
    doc_id: str
    text: str
    locator: str = Field(description="Where it is, in words: 'paragraph 4', 'page 2, paragraph 1'.")
    kind: str = "paragraph"


class DocumentInfo(BaseModel):
    id: str | None
    """D-number; None for files that were skipped before reading (unsupported type)."""
    path: str
    """Path relative to the case folder (attachments: 'mail.eml > invoice.pdf')."""
    format: str
    status: DocStatus
    problems: list[str] = Field(default_factory=list)
    passages: int = 0
    chars: int = 0
    metadata: dict[str, str] = Field(default_factory=dict)


class CaseBrief(BaseModel):
    title: str | None = None
    our_side: str | None = None
    counterpart: str | None = None
    goal: str | None = None
    language: str | None = None
    notes: str | None = None


class Case(BaseModel):
    root: str
    name: str
    brief: CaseBrief | None
    brief_file: str | None = None
    documents: list[DocumentInfo]
    passages: list[Passage]
    warnings: list[str] = Field(default_factory=list)
    languages: dict[str, float] = Field(default_factory=dict)
    """Detected languages (ISO 639-1) and their share of the case's text, largest first."""
    sources: dict[str, str] = Field(default_factory=dict)
    """SHA-256 of every file read (documents and the brief), by path relative to the case
    folder: what a resumed run compares to know which documents changed."""

    def passage_map(self) -> dict[str, Passage]:
        return {p.id: p for p in self.passages}

    def brief_text(self) -> str:
        b = self.brief
        if b is None or not any(b.model_dump().values()):
            return (
                "No brief was given. Infer from the documents which side is ours (usually the side "
                "whose internal notes and memos are included) and who the counterpart is."
            )
        labels = {
            "title": "Case",
            "our_side": "Our side",
            "counterpart": "Counterpart",
            "goal": "What we want",
            "notes": "Notes",
        }
        lines = [
            f"- {label}: {getattr(b, key)}" for key, label in labels.items() if getattr(b, key)
        ]
        if not b.our_side:
            lines.append("- Our side: not given; infer it from the documents.")
        return "\n".join(lines)

    def language(self, override: str | None = None) -> str:
        """The dossier's language: `override` (--language), else the brief's, else detected."""
        chosen = override or (self.brief.language if self.brief else None)
        if not chosen and self.languages:
            chosen = next(iter(self.languages))
        if not chosen:
            return "the language most of the case documents are written in"
        return LANGUAGE_NAMES.get(chosen.strip().lower(), chosen.strip())

    def language_note(self) -> str:
        """'English' or 'Norwegian 80%, English 20%' for the dossier header."""
        return ", ".join(
            f"{LANGUAGE_NAMES.get(code, code)} {round(share * 100)}%"
            for code, share in self.languages.items()
        )
