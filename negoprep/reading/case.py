"""The case as the agents see it: a brief, documents, and citable passages with stable ids.

Passage ids: ``D2.P4`` is paragraph 4 of document 2; ``D3.p2.P1`` is paragraph 1 on page 2 of a
paged document; ``D5.a1.P3`` is paragraph 3 of the first attachment of document 5. Documents are
numbered in the sorted order of their paths inside the case folder, so ids are stable across runs.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator

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
# Names people write in a brief besides the English ones (ISO 639 names come from pycountry).
_NATIVE_NAMES = {
    "norsk": "no", "bokmål": "nb", "bokmal": "nb", "nynorsk": "nn", "svenska": "sv",
    "dansk": "da", "suomi": "fi", "deutsch": "de", "français": "fr", "francais": "fr",
    "español": "es", "espanol": "es", "italiano": "it", "nederlands": "nl",
    "português": "pt", "portugues": "pt", "polski": "pl",
}  # fmt: skip
_LANGUAGE_SHAPE = re.compile(r"^[^\W\d_][^\W\d_ ()'-]*(?:[ ()'-]+[^\W\d_]+\)?)*$")
DocStatus = Literal["read", "read with warnings", "unreadable", "skipped"]


class UnknownLanguage(ValueError):
    """A language that is not a known language name or code; `str(exc)` says what is accepted."""


def language_name(value: str) -> str:
    """The English name of a language given as an ISO 639 code ("nb", "deu"), a code with a
    region ("en-GB"), or a name in English or in the language itself ("Norwegian", "norsk").

    The result is what prompts say ("Norwegian (Bokmål)", "German"). Raises `UnknownLanguage`
    for anything else: the value reaches system messages, so it must be a language, not text.
    """
    import pycountry

    raw = " ".join(value.split())
    key = raw.lower()
    if "-" in key or "_" in key:
        head = re.split(r"[-_]", key, maxsplit=1)[0]
        key = head if 2 <= len(head) <= 3 and head.isalpha() else key
    key = _NATIVE_NAMES.get(key, key)
    key = next((code for code, name in LANGUAGE_NAMES.items() if name.lower() == key), key)
    if key in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[key]
    found = None
    if len(raw) <= 40 and _LANGUAGE_SHAPE.match(raw):
        try:
            found = pycountry.languages.lookup(key)
        except LookupError:
            found = None
    if found is None:
        shown = raw if len(raw) <= 60 else raw[:57] + "..."
        raise UnknownLanguage(
            f"unknown language {shown!r}: give a language name or ISO 639 code "
            "(for example en, no, de, English, Norwegian)"
        )
    code = getattr(found, "alpha_2", None)
    return LANGUAGE_NAMES.get(code or "", str(found.name))


class Passage(BaseModel):
    id: str
    doc_id: str
    text: str
    locator: str = Field(description="Where it is, in words: 'paragraph 4', 'page 2, paragraph 1'.")
    kind: str = "paragraph"
    ocr: bool = False
    """True when the text was recognised from an image (OCR) and may hold recognition errors."""


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
    """The brief (case.yaml): case text like the documents, except `language`, which reaches
    system messages and so must be a known language (`language_name`)."""

    title: str | None = None
    our_side: str | None = None
    counterpart: str | None = None
    goal: str | None = None
    language: str | None = None
    notes: str | None = None

    @field_validator("title", "our_side", "counterpart", "goal", "notes")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        """Brief fields are shown one per line: a line break could forge prompt structure."""
        return " ".join(value.split()) if value is not None else None

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        language_name(value)
        return " ".join(value.split())


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

    def brief_prompt(self) -> str:
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
        """The dossier's language name: `override` (--language), else the brief's, else the
        detected one. Raises `UnknownLanguage` when `override` is not a language."""
        chosen = override or (self.brief.language if self.brief else None)
        if not chosen and self.languages:
            chosen = next(iter(self.languages))
        if not chosen:
            return "the language most of the case documents are written in"
        return language_name(chosen)

    def language_note(self) -> str:
        """'English' or 'Norwegian 80%, English 20%' for the dossier header."""
        return ", ".join(
            f"{LANGUAGE_NAMES.get(code, code)} {round(share * 100)}%"
            for code, share in self.languages.items()
        )
