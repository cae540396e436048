"""Benchmark `prepare` on cases of growing size, with the LLM replaced by an instant scripted model.

Measures what negoprep itself costs (reading documents, splitting into passages and parts, the
graph, grounding, rendering), not the provider. Each size runs in a fresh process so peak memory
(max RSS) is its own. Usage:

    python scripts/bench_prepare.py            # the table for the README
    python scripts/bench_prepare.py --one 10   # one size, JSON
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SIZES = ["1", "10", "100", "5mb-text", "50mb-folder"]
WORDS = [
    "supplier",
    "buyer",
    "delivery",
    "claim",
    "cost",
    "contract",
    "clause",
    "price",
    "unit",
    "transformer",
    "schedule",
    "payment",
    "invoice",
    "arbitration",
    "variation",
    "order",
    "notice",
    "meeting",
    "agreed",
    "disputed",
    "steel",
    "copper",
    "freight",
    "documentation",
    "certificate",
    "test",
    "acceptance",
    "penalty",
    "damages",
    "liquidity",
    "board",
    "mandate",
    "reference",
]


def paragraph(rng: random.Random, words: int = 60) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def make_case(root: Path, size: str) -> None:
    rng = random.Random(7)
    root.mkdir(parents=True)
    (root / "case.yaml").write_text("our_side: Buyer AS\ncounterpart: Supplier SpA\nlanguage: en\n")
    if size.isdigit():
        for i in range(int(size)):
            text = "\n\n".join(paragraph(rng) for _ in range(20))
            (root / f"{i:03d}-letter.txt").write_text(text)
        return
    megabytes = 5 if size == "5mb-text" else 50
    files = 1 if size == "5mb-text" else 10
    for f in range(files):
        with (root / f"{f:02d}-log.txt").open("w") as fh:
            written = 0
            while written < 1_000_000 * megabytes // files:
                line = paragraph(rng, 20) + "\n"
                fh.write(line + ("\n" if rng.random() < 0.2 else ""))
                written += len(line)


async def run_one(size: str) -> dict[str, object]:
    sys.path.insert(0, str(REPO / "tests"))
    from factories import example_json
    from fakes import ScriptedProvider

    from negoprep.agents.base import AgentDeps
    from negoprep.agents.registry import preparation_agents
    from negoprep.app.checkpoints import DB_FILE, open_checkpointer
    from negoprep.graphs.context import PrepDeps
    from negoprep.graphs.preparation import build
    from negoprep.knowledge.base import KnowledgeBase
    from negoprep.llm.prompts import PromptLibrary
    from negoprep.reading.ingest import load_case

    schemas = {a.name: a.schema for a in preparation_agents()}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "case"
        make_case(root, size)
        folder_mb = sum(p.stat().st_size for p in root.iterdir()) / 1e6
        started = time.perf_counter()
        case = load_case(root)
        read_s = time.perf_counter() - started
        replies: dict[str, str] = {}

        def respond(agent: str, call: str, messages: object) -> str:
            if agent not in replies:
                replies[agent] = example_json(schemas[agent], case, ["partial-alternatives"])
            return replies[agent]

        provider = ScriptedProvider(respond)
        deps = PrepDeps(
            agents=AgentDeps(
                models=provider, prompts=PromptLibrary.load(), knowledge=KnowledgeBase.load()
            )
        )
        run_dir = Path(tmp) / "run"
        run_dir.mkdir()
        graph_started = time.perf_counter()
        # As a user's run: one thread on the run folder's SQLite checkpointer, saved every step.
        async with open_checkpointer(run_dir) as saver:
            graph = build(lambda context: deps).compile(checkpointer=saver)
            config: dict[str, object] = {"configurable": {"thread_id": "bench"}}
            await graph.ainvoke({"case_dir": str(root)}, config, durability="sync")  # type: ignore[arg-type]
            state = dict((await graph.aget_state(config)).values)  # type: ignore[arg-type]
        markdown = state["dossier_md"]
        graph_s = time.perf_counter() - graph_started
        total_s = time.perf_counter() - started
        checkpoint_mb = (run_dir / DB_FILE).stat().st_size / 1e6
        read_passages = sum(
            str(c.messages[-1].content).count("\n[")
            for c in provider.history
            if c.agent == "extractor" and ".merge" not in c.call
        )
        prompt_chars = max(sum(len(str(m.content)) for m in c.messages) for c in provider.history)
    return {
        "size": size,
        "folder_mb": round(folder_mb, 1),
        "passages": len(case.passages),
        "model_calls": len(provider.history),
        "largest_prompt_kchars": round(prompt_chars / 1000, 1),
        "unread_passages": len(case.passages) - read_passages,
        "read_s": round(read_s, 2),
        "graph_s": round(graph_s, 2),
        "total_s": round(total_s, 2),
        "checkpoints_mb": round(checkpoint_mb, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "dossier_kchars": round(len(markdown) / 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--one", choices=SIZES)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(run_one(args.one))))
        return
    rows = []
    for size in SIZES:
        out = subprocess.run(
            [sys.executable, __file__, "--one", size],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in cols) + " |")


if __name__ == "__main__":
    main()
