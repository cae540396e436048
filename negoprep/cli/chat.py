"""The chat loop of `negoprep rehearse`: a person at the terminal, or a script of turns.

`ChatSession` drives the rehearsal graph for one session at a time: it starts or resumes the
session's thread, sends each turn or command, prints the counterpart's reply as it streams, and
rewrites the session's files after every step (`RUN_DIR/rehearsals/<session>/transcript.md`,
`transcript.json`, and `debrief.md` once there is a debrief). `/help` and `/branch` are handled
here; every other command goes to the graph.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO, cast

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from negoprep.errors import UserError
from negoprep.files import write_json_atomic, write_text_atomic
from negoprep.graphs.rehearsal import GRAPH_COMMANDS
from negoprep.graphs.rehearsal_state import RehearsalContext, RehearsalInput, RehearsalState, Setup
from negoprep.output.debrief import render_debrief, render_hint, render_transcript

Graph = CompiledStateGraph[RehearsalState, RehearsalContext, RehearsalInput, RehearsalState]
SESSION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PROMPT = "you> "
HELP = """\
Type what you would say to {speaker} and press Enter.
Commands:
  /hint             the coach suggests your next move
  /debrief          the coach reviews the session so far and writes debrief.md
  /undo             take back your last exchange (or drop an unanswered turn)
  /retry            send an unanswered turn again after a failed model call
  /branch N [NAME]  continue from turn N in a new session, to try another line
  /end              end the session (it can be reopened later)
  /help             this help
Ctrl-D leaves without ending; continue later with --session {session}."""


def check_session_name(name: str) -> str:
    if not SESSION_NAME.match(name):
        raise UserError(
            f"session name '{name}': use letters, digits, '.', '_' or '-' (at most 64 characters)"
        )
    return name


def parse_script(text: str) -> list[str]:
    """The turns and commands of a script file, in order.

    Lines starting with '/' are commands; lines starting with '#' are comments. Without blank
    lines, each line is one turn. With blank lines, each block between them is one turn (its
    lines joined, so a long turn can be wrapped), and a command line still stands alone.
    """
    blocks: list[list[str]] = [[]]
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            continue
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    by_block = len([b for b in blocks if b]) > 1
    items: list[str] = []
    for block in blocks:
        turn: list[str] = []
        for line in block:
            if line.startswith("/") or not by_block:
                if turn:
                    items.append(" ".join(turn))
                    turn = []
                items.append(line)
            else:
                turn.append(line)
        if turn:
            items.append(" ".join(turn))
    return items


class WrappingWriter:
    """Writes text, streamed in pieces or not, wrapped at word boundaries on a terminal."""

    def __init__(self, out: TextIO, width: int | None = None) -> None:
        self.out = out
        if width is None:
            width = shutil.get_terminal_size().columns if out.isatty() else 0
        self.width = min(width, 100) if width >= 40 else 0
        self.column = 0
        self.spaces = 0
        """Spaces seen but not written yet: a line never ends in one or starts with one."""

    def write(self, text: str) -> None:
        if not self.width:
            self.out.write(text)
            self.out.flush()
            return
        for piece in re.split(r"(\n| )", text):
            if piece == "\n":
                self.out.write("\n")
                self.column = self.spaces = 0
            elif piece == " ":
                self.spaces += 1
            elif piece:
                if self.column and self.column + self.spaces + len(piece) > self.width:
                    self.out.write("\n")
                    self.column = self.spaces = 0
                self.out.write(" " * self.spaces + piece)
                self.column += self.spaces + len(piece)
                self.spaces = 0
        self.out.flush()


class ChatSession:
    def __init__(
        self,
        graph: Graph,
        context: RehearsalContext,
        run_dir: Path,
        make_setup: Callable[[str], Setup],
        out: TextIO | None = None,
    ) -> None:
        self.graph = graph
        self.context = context
        self.run_dir = run_dir
        self.make_setup = make_setup
        self.out = out or sys.stdout
        self.writer = WrappingWriter(self.out)
        self.session = ""
        self.values: dict[str, Any] = {}
        self.streaming = False
        self.thread_of: Callable[[str], str] = lambda session: session
        """Session name -> checkpointer thread id (the app layer's `Rehearsal.thread`)."""

    # -- output ----------------------------------------------------------------------------------
    def say(self, text: str = "", end: str = "\n") -> None:
        self.writer.write(text + end)

    def folder(self, session: str | None = None) -> Path:
        return self.run_dir / "rehearsals" / (session or self.session)

    def _config(self, session: str | None = None) -> RunnableConfig:
        return {"configurable": {"thread_id": self.thread_of(session or self.session)}}

    def _event(self, event: Mapping[str, Any]) -> None:
        kind = event.get("kind")
        if kind == "status":
            self.say(f"  … {event['text']}")
        elif kind == "reply-start":
            self.say(f"{event['speaker']}: ", end="")
            self.streaming = True
        elif kind == "token":
            self.say(str(event["text"]), end="")
        elif kind == "reply-end":
            self.say()
            self.streaming = False
        elif kind == "failed":
            if self.streaming:
                self.say(" [reply cut off]")
                self.streaming = False
            self.say(f"  ✗ model call failed: {event['text']}")
        elif kind == "hint":
            self.say(render_hint(event["hint"]["hint"]))

    # -- running the graph -----------------------------------------------------------------------
    async def _run(self, payload: RehearsalInput | Command[Any] | None) -> None:
        debrief_before = (self.values.get("debrief") or {}).get("label")
        async for mode, chunk in self.graph.astream(
            payload,
            self._config(),
            context=self.context,
            stream_mode=["custom", "values"],
        ):
            data: dict[str, Any] = chunk if isinstance(chunk, dict) else {}
            if mode == "custom":
                self._event(data)
            else:
                self.values = {k: v for k, v in data.items() if not k.startswith("__")}
        self.write_files()
        if self.values.get("error"):
            if str(self.values["error"]).startswith("replay:"):
                self.say(
                    "  (A replay answers only the turns that were recorded. To say something "
                    "new, rehearse with a live model.)"
                )
            if self.values.get("pending"):
                self.say(
                    "  Your turn is kept: type /retry to send it again, or type a new turn to "
                    "replace it."
                )
            else:
                self.say("  Nothing was lost; try the command again.")
        if self.values.get("notice"):
            self.say(f"  {self.values['notice']}")
        debrief = self.values.get("debrief") or {}
        if debrief and debrief.get("label") != debrief_before:
            self.say()
            self.say(render_debrief(self.values))
            self.say(f"Debrief written to {self.folder() / 'debrief.md'}")

    def write_files(self) -> None:
        if "setup" not in self.values:
            return
        folder = self.folder()
        write_text_atomic(
            folder / "transcript.md", render_transcript(self.values, str(self.run_dir))
        )
        write_json_atomic(folder / "transcript.json", self.values)
        if self.values.get("debrief"):
            write_text_atomic(folder / "debrief.md", render_debrief(self.values))
            write_json_atomic(folder / "debrief.json", self.values["debrief"])

    @property
    def failed(self) -> bool:
        return bool(self.values.get("error"))

    @property
    def ended(self) -> bool:
        return bool(self.values.get("ended"))

    async def open(self, session: str) -> None:
        """Start the session, or resume it where it stopped (also after a crash or an /end)."""
        self.session = check_session_name(session)
        snapshot = await self.graph.aget_state(self._config())
        self.values = dict(snapshot.values)
        if not snapshot.values:
            setup = self.make_setup(session)
            self.say(f"Rehearsal '{session}'. {setup['opening']}")
            self.say("Type /help for the commands.")
            await self._run(RehearsalInput(setup=setup))
            return
        exchanges = self.values.get("exchanges") or []
        self.say(f"Resuming rehearsal '{session}' ({len(exchanges)} turn(s) so far).")
        if exchanges:
            last = exchanges[-1]
            self.say(f"  Turn {last['turn']}, you: {last['user']}")
            self.say(f"  {self.values['setup']['speaker']}: {last['reply']}")
        if snapshot.next == ("listen",):
            if self.values.get("pending"):
                self.say(
                    f"  Your turn has no reply yet: {self.values['pending']!r}. Type /retry "
                    "to send it again."
                )
            return
        # ended (no next step), or stopped mid-step by a crash: run on to the next turn
        await self._run(None if snapshot.next else RehearsalInput(ended=False))

    async def handle(self, line: str) -> bool:
        """Send one turn or command; False when the session has ended."""
        text = line.strip()
        if not text:
            return True
        command = text.split()[0].lower() if text.startswith("/") else ""
        if command == "/help":
            self.say(HELP.format(speaker=self.values["setup"]["speaker"], session=self.session))
            return True
        if command == "/branch":
            await self.branch(text.split()[1:])
            return True
        if command and command not in GRAPH_COMMANDS:
            self.say(f"  Unknown command {command}. /help lists the commands.")
            return True
        await self._run(Command(resume=command or text))
        if self.ended:
            self.say(
                f"Session '{self.session}' ended. Transcript: {self.folder() / 'transcript.md'}"
            )
            return False
        return True

    async def branch(self, args: list[str]) -> None:
        exchanges = self.values.get("exchanges") or []
        if not args or not args[0].isdigit() or int(args[0]) > len(exchanges):
            self.say(f"  Usage: /branch N [NAME], with N from 0 to {len(exchanges)}.")
            return
        turn = int(args[0])
        name = args[1] if len(args) > 1 else await self._free_name(f"{self.session}-from-{turn}")
        try:
            check_session_name(name)
        except UserError as exc:
            self.say(f"  {exc}")
            return
        if (await self.graph.aget_state(self._config(name))).values:
            self.say(f"  Session '{name}' exists already; choose another name.")
            return
        setup = cast(Setup, {**self.values["setup"], "session": name})
        seed = RehearsalInput(
            setup=setup,
            exchanges=exchanges[:turn],
            hints=[h for h in self.values.get("hints") or [] if h["after_turn"] <= turn],
            takes=dict(self.values.get("takes") or {}),
            hint_count=self.values.get("hint_count") or 0,
            debrief_count=self.values.get("debrief_count") or 0,
            branched_from={"session": self.session, "turn": turn},
        )
        parent = self.session
        self.session, self.values = name, {}
        await self._run(seed)
        self.say(
            f"  Now in session '{name}', from turn {turn} of '{parent}' ('{parent}' is kept; "
            f"continue it later with --session {parent})."
        )

    async def _free_name(self, base: str) -> str:
        name, n = base, 1
        while (await self.graph.aget_state(self._config(name))).values:
            n += 1
            name = f"{base}-{n}"
        return name

    # -- the two ways of talking -----------------------------------------------------------------
    async def run_script(self, items: Iterable[str]) -> int:
        """Send each item in turn; stop at the first failed model call (exit code 1)."""
        for item in items:
            self.say(PROMPT + item.replace("\n", "\n     "))
            if not await self.handle(item):
                return 0
            if self.failed:
                self.say(
                    f"Stopped: a model call failed. Continue with: negoprep rehearse {self.run_dir} "
                    f"--session {self.session}  (then /retry)"
                )
                return 1
        self.say(f"Transcript: {self.folder() / 'transcript.md'}")
        return 0

    async def run_interactive(self, read: Callable[[str], str] = input) -> int:
        while True:
            try:
                line = read(PROMPT)
            except EOFError:
                self.say()
                self.say(
                    f"Left session '{self.session}' open. Continue with --session {self.session}. "
                    f"Transcript: {self.folder() / 'transcript.md'}"
                )
                break
            if not await self.handle(line):
                break
        return 1 if self.failed else 0
