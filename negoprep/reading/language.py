"""Which language a case is written in, per document and overall (py3langid, offline).

The dossier is written in the case's language unless the brief or `--language` says otherwise.
Mixed-language cases are normal (a Norwegian memo, an English claim letter): each document gets
its own language, and the case's language is the one most of its text is written in.
"""

from __future__ import annotations

from collections import Counter

from negoprep.reading.case import Case

SAMPLE_CHARS = 4000
MIN_CHARS = 40


def detect(text: str) -> str | None:
    """ISO 639-1 code of `text`, or None when there is too little text to tell."""
    if len(text.strip()) < MIN_CHARS:
        return None
    import py3langid

    code, _score = py3langid.classify(text[:SAMPLE_CHARS])
    return str(code)


def annotate(case: Case) -> Case:
    """Set each document's `metadata['language']` and the case's `languages` (share of text)."""
    texts: dict[str, list[str]] = {}
    for p in case.passages:
        bucket = texts.setdefault(p.doc_id, [])
        if sum(len(t) for t in bucket) < SAMPLE_CHARS:
            bucket.append(p.text)
    weights: Counter[str] = Counter()
    for doc in case.documents:
        if doc.id is None or doc.id not in texts:
            continue
        code = detect("\n".join(texts[doc.id]))
        if code:
            doc.metadata["language"] = code
            weights[code] += doc.chars
    total = sum(weights.values())
    case.languages = (
        {code: round(n / total, 3) for code, n in weights.most_common()} if total else {}
    )
    return case
