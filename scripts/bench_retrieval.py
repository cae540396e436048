"""Measure knowledge-base retrieval against the labelled set.

    python scripts/bench_retrieval.py [--k 5] [--set tests/data/retrieval_set.yaml] [--kb DIR ...]
                                      [--ablation]

Prints recall@k (fraction of expected ids in the top k, averaged per query), MRR (1/rank of the
first expected id), hit@1, for all queries, the tuning part and the held-out part (every 4th
query); then each query's misses, the entries no query returns in its top k ("unreachable") and
the mean query time. `--ablation` also prints the figures of plain BM25, BM25 + related boost,
BM25 + synonyms, and both (the default), so a change to either can be judged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from negoprep.knowledge import search as knowledge_search  # noqa: E402
from negoprep.knowledge.base import KnowledgeBase, KnowledgeError  # noqa: E402
from negoprep.knowledge.evaluate import Case, Report, evaluate, load_cases, split_cases  # noqa: E402


def figures(report: Report) -> str:
    return (
        f"recall@{report.k} {report.recall:.3f}  MRR {report.mrr:.3f}  "
        f"hit@1 {report.hit_at_1:.3f}  ({len(report.results)} queries)"
    )


def ablation(kb_dirs: list[Path], parts: dict[str, list[Case]], k: int) -> None:
    boost = knowledge_search.RELATED_BOOST
    variants = [
        ("plain BM25", False, 0.0),
        ("+ related boost", False, boost),
        ("+ synonyms", True, 0.0),
        ("+ both (default)", True, boost),
    ]
    print("\nablation")
    try:
        for label, expand, related in variants:
            knowledge_search.RELATED_BOOST = related
            kb = KnowledgeBase.load(kb_dirs)  # a fresh index for each variant
            for part, cases in parts.items():
                print(f"  {label:17} {part:9} {figures(evaluate(kb, cases, k, expand=expand))}")
    finally:
        knowledge_search.RELATED_BOOST = boost


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--set", type=Path, default=ROOT / "tests/data/retrieval_set.yaml")
    parser.add_argument("--kb", type=Path, action="append", default=[], help="extra KB dir")
    parser.add_argument("--ablation", action="store_true", help="compare the ranking variants")
    args = parser.parse_args(argv)

    try:
        kb = KnowledgeBase.load(args.kb)
        cases = load_cases(args.set)
    except (KnowledgeError, OSError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    tune, held = split_cases(cases)
    parts = {"all": cases, "tuning": tune, "held-out": held}
    print(f"{len(kb.entries)} entries, {len(cases)} queries")

    report = evaluate(kb, cases, args.k)
    if report.unknown_expected:
        print(f"expected ids that do not exist: {', '.join(report.unknown_expected)}")
    for part, part_cases in parts.items():
        print(f"{part:9} {figures(evaluate(kb, part_cases, args.k))}")
    print(f"mean query time {report.mean_query_ms:.2f} ms")
    if args.ablation:
        ablation(args.kb, parts, args.k)

    misses = [r for r in report.results if r.missed]
    print(f"\nqueries with misses in the top {args.k}: {len(misses)}")
    for r in misses:
        print(f"- {r.case.query!r}")
        print(f"    missed {', '.join(r.missed)}; top {args.k}: {', '.join(r.returned)}")
    print(f"\nunreachable (in no top {args.k}): {', '.join(report.unreachable) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
