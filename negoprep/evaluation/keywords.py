"""The deterministic, offline coverage check: phrases and words of an item in the dossier.

An expected item is covered (`yes`) when the item or one of its synonyms occurs in one entry of
its section (words compared case-insensitively, punctuation ignored), or when every content word
of the item occurs in one entry (a word matches a longer form of it: `precedent` matches
`precedential`); `partly` when at least `PARTLY_SHARE` of the item's content words occur in one
entry; else `no`. A `must_not` item is present only when the item or a synonym occurs verbatim:
word overlap is too weak a sign to call a dossier wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from negoprep.evaluation.expectations import MUST_NOT, Item
from negoprep.evaluation.sections import Entry
from negoprep.evaluation.verdicts import Covered, ItemVerdict

PARTLY_SHARE = 0.6
MIN_WORD = 4
_STOP = """
    about above after again against also always among another because been before being
    between both could does doing during each either every from further have having here
    into itself just like made make many more most much must never only other over same
    should some such than that their them then there these they this those through under
    until very want what when where which while whom will with within without would your
    yours ours alle andre blir bare både denne dette disse eller etter fordi
    fram hadde hans hele helt hennes hvis hvor hvordan ikke inkludert inntil kanskje kunne
    mange mellom med mens mest noen når også over selv sine skal skulle slik som store
    uten vært være vårt våre deres dere hverandre til fra for
"""
STOP_WORDS = frozenset(_STOP.split())
"""Common English and Norwegian words that say nothing about an item's content."""


def words(text: str) -> list[str]:
    """The words of `text`, case-folded, without punctuation (letters of any script)."""
    return re.findall(r"\w+", text.casefold().replace("’", "'"))


def _phrase_in(phrase: str, text_words: str) -> bool:
    target = " ".join(words(phrase))
    return bool(target) and f" {target} " in f" {text_words} "


def content_words(text: str) -> list[str]:
    """The words that carry an item's meaning: at least `MIN_WORD` letters, no stop words."""
    return list(dict.fromkeys(w for w in words(text) if len(w) >= MIN_WORD and w not in STOP_WORDS))


def _stem(word: str) -> str:
    return word[: max(MIN_WORD, len(word) - 2)]


def _overlap(item_words: Sequence[str], entry_words: Sequence[str]) -> list[str]:
    return [w for w in item_words if any(e.startswith(_stem(w)) for e in entry_words)]


def check_item(item: Item, item_id: str, section: str, entries: Sequence[Entry]) -> ItemVerdict:
    """The keyword verdict on one item against its section's entries."""
    phrases = [item.item, *item.synonyms]
    for entry in entries:
        text = " ".join(words(entry.text))
        for phrase in phrases:
            if _phrase_in(phrase, text):
                return _verdict(item, item_id, section, "yes", entry, phrase, f"'{phrase}' occurs")
    if section == MUST_NOT:
        return _verdict(item, item_id, section, "no", None, "", "neither it nor a synonym occurs")
    wanted = content_words(item.item)
    best: tuple[list[str], Entry | None] = ([], None)
    for entry in entries:
        found = _overlap(wanted, words(entry.text))
        if len(found) > len(best[0]):
            best = (found, entry)
    found, best_entry = best
    share = len(found) / len(wanted) if wanted else 0.0
    covered: Covered = (
        "yes"
        if wanted and share == 1.0 and len(wanted) >= 2
        else ("partly" if share >= PARTLY_SHARE else "no")
    )
    if covered == "no":
        return _verdict(
            item,
            item_id,
            section,
            "no",
            None,
            "",
            "no synonym, and too few of its words in any entry",
        )
    reason = f"{len(found)} of its {len(wanted)} content words in one entry"
    return _verdict(item, item_id, section, covered, best_entry, ", ".join(found), reason)


def _verdict(
    item: Item,
    item_id: str,
    section: str,
    covered: Covered,
    entry: Entry | None,
    evidence: str,
    reason: str,
) -> ItemVerdict:
    where = f" in {entry.id}" if entry is not None else ""
    return ItemVerdict(
        id=item_id,
        section=section,
        item=item.item,
        covered=covered,
        reason=reason + where,
        passage=entry.id if entry is not None else "",
        evidence=evidence,
        method="keywords",
    )


def check_section(
    section: str, items: Sequence[Item], entries: Sequence[Entry]
) -> list[ItemVerdict]:
    """Keyword verdicts on a section's items (ids `<section>.<n>`, 1-based)."""
    return [
        check_item(item, f"{section}.{n}", section, entries)
        for n, item in enumerate(items, start=1)
    ]
