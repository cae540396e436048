"""The chat loop of `negoprep rehearse`: a person at the terminal, or a script of turns.

`ChatSession` drives the rehearsal graph for one session at a time: it starts or resumes the
session's thread, sends each turn or command, prints the counterpart's reply as it streams, and
rewrites the session's files after every step (`RUN_DIR/rehearsals/<session>/transcript.md`,
`transcript.json`, and `debrief.md` once there is a debrief). `/help` and `/branch` are handled
here; every other command goes to the graph.

Every command the chat suggests (how to continue a session) is built from `resume_command`, the
command line its caller was started with, so a replay is continued as a replay. Ctrl-C at the
prompt leaves the chat (exit code 130); Ctrl-C during a step stops that step and keeps the turn.
"""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from negoprep.app.rehearsal import branch_input, opening_input, run_step, write_session_files
from negoprep.cli.terminal import WrappingWriter, interruptible, read_line
from negoprep.errors import UserError
from negoprep.graphs.rehearsal import GRAPH_COMMANDS, REDOABLE
from negoprep.graphs.rehearsal_state import RehearsalContext, RehearsalInput, RehearsalState, Setup
from negoprep.output.debrief import render_debrief, render_hint

Graph = CompiledStateGraph[RehearsalState, RehearsalContext, RehearsalInput, RehearsalState]
SESSION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PROMPT = "you> "
HELP = """\
Type what you would say to {speaker} and press Enter.
Commands:
  /hint             the coach suggests your next move
  /debrief          the coach reviews the session so far and writes debrief.md
  /undo             take back your last exchange (or drop an unanswered turn)
  /retry            after a failed model call: send your unanswered turn again, or run the
                    failed /hint or /debrief again
  /branch N [NAME]  continue from turn N in a new session, to try another line
  /end              end the session (it can be reopened later)
  /help             this help
Ctrl-C stops a reply as it is written (your turn is kept for /retry).
Ctrl-D, or Ctrl-C at the prompt, leaves without ending; continue later with:
  {command}"""
STOPPED = "stopped with Ctrl-C"
"""The `error` of a step that Ctrl-C cut short."""
MODEL_STEPS = ("retry", "assess", "reply", "hint", "debrief")
"""Graph steps that call a model, so Ctrl-C may stop them; the others finish at once."""
INTERRUPTED = 130
"""Exit code after Ctrl-C (128 + SIGINT), as shells report it."""


def check_session_name(name: str) -> str:
    """`name` if it can name a session (and its folder); else a UserError saying why."""
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


class ChatSession:
    """One rehearsal session at a time, driven by a person or a script.

    `resume_command` is the command line that reopens this run's sessions with the same answer
    source and settings (e.g. `negoprep rehearse runs/x --replay cases/x/cassettes`); the chat
    adds `--session NAME` to it wherever it tells the user how to continue.
    """

    def __init__(
        self,
        graph: Graph,
        context: RehearsalContext,
        run_dir: Path,
        make_setup: Callable[[str], Setup],
        *,
        resume_command: str,
        out: TextIO | None = None,
    ) -> None:
        self.graph = graph
        self.context = context
        self.run_dir = run_dir
        self.make_setup = make_setup
        self.resume_command = resume_command
        self.out = out or sys.stdout
        self.writer = WrappingWriter(self.out)
        self.session = ""
        self.values: dict[str, Any] = {}
        self.streaming = False
        self.thread_of: Callable[[str], str] = lambda session: session
        """Session name -> checkpointer thread id (the app layer's `Rehearsal.thread`)."""
        self._debrief_before: str | None = None

    # -- output ----------------------------------------------------------------------------------
    def say(self, text: str = "", end: str = "\n", *, wrap: bool = True) -> None:
        if wrap:
            self.writer.write(text + end)
        else:
            self.writer.write_verbatim(text + end)

    def folder(self, session: str | None = None) -> Path:
        return self.run_dir / "rehearsals" / (session or self.session)

    def command(self, session: str | None = None) -> str:
        """The command line that continues `session` (default: the current one)."""
        return f"{self.resume_command} --session {shlex.quote(session or self.session)}"

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
        self._debrief_before = (self.values.get("debrief") or {}).get("label")
        self.values = await run_step(
            self.graph, self.context, self.thread_of(self.session), payload, self._event
        )
        self.write_files()
        self._report()

    def _report(self) -> None:
        """What the last step left for the user: advice after a failure, a notice, a debrief."""
        if self.values.get("error"):
            if self.replay_miss:
                self.say(
                    "  (A replay answers only the turns that were recorded. To say something "
                    "new, rehearse with a live model.)"
                )
            self.say(f"  {self.advice()}")
        if self.values.get("notice"):
            self.say(f"  {self.values['notice']}")
        debrief = self.values.get("debrief") or {}
        if debrief and debrief.get("label") != self._debrief_before:
            self.say()
            self.say(render_debrief(self.values))
            self.say(f"Debrief written to {self.folder() / 'debrief.md'}")

    def write_files(self) -> None:
        write_session_files(self.run_dir, self.session, self.values)

    @property
    def failed(self) -> bool:
        return bool(self.values.get("error"))

    @property
    def failed_command(self) -> str:
        """'/hint' or '/debrief' when that is what failed last; '' when it was a turn."""
        inbox = str(self.values.get("inbox") or "")
        return inbox if self.failed and inbox in REDOABLE else ""

    @property
    def replay_miss(self) -> bool:
        """Whether the last failure was a replay with no recording (retrying cannot help)."""
        return str(self.values.get("error") or "").startswith("replay:")

    def advice(self) -> str:
        """What the user can do after the last failure: only what works for what failed."""
        command = self.failed_command
        if command and self.replay_miss:
            return f"Nothing was lost; a live model can answer {command} (the replay cannot)."
        if command:
            return f"Nothing was lost: type /retry (or {command}) to run it again."
        if self.values.get("pending") and self.replay_miss:
            return "Your turn is kept: type /undo to drop it, or a recorded turn instead."
        if self.values.get("pending"):
            return (
                "Your turn is kept: type /retry to send it again, or type a new turn to replace it."
            )
        return "Nothing was lost; try the command again."

    @property
    def ended(self) -> bool:
        return bool(self.values.get("ended"))

    async def open(self, session: str, *, new_if_ended: bool = False) -> None:
        """Start the session, or resume it where it stopped (also after a crash or an /end).

        With `new_if_ended` (a script: its turns start a conversation), a session that has
        ended is left as it is, and a new one takes the first free name `SESSION-2`, `-3`...
        """
        self.session = check_session_name(session)
        snapshot = await self.graph.aget_state(self._config())
        if new_if_ended and snapshot.values.get("ended") and not snapshot.next:
            self.session = await self._free_name(session)
            self.say(
                f"Session '{session}' has ended, so this script runs in a new session, "
                f"'{self.session}'. To reopen '{session}' instead:"
            )
            self.say(f"  {self.command(session)}", wrap=False)
            snapshot = await self.graph.aget_state(self._config())
        self.values = dict(snapshot.values)
        if not snapshot.values:
            setup = self.make_setup(self.session)
            self.say(f"Rehearsal '{self.session}'. {setup['opening']}")
            self.say("Type /help for the commands.")
            await self._run(RehearsalInput(setup=setup))
            return
        exchanges = self.values.get("exchanges") or []
        self.say(f"Resuming rehearsal '{self.session}' ({len(exchanges)} turn(s) so far).")
        if exchanges:
            last = exchanges[-1]
            self.say(f"  Turn {last['turn']}, you: {last['user']}")
            self.say(f"  {self.values['setup']['speaker']}: {last['reply']}")
        step, payload = opening_input(
            self.values, tuple(snapshot.next), lambda: self.make_setup(session)
        )
        if not step:
            if self.values.get("pending"):
                self.say(f"  Your turn has no reply yet: {self.values['pending']!r}.")
            if self.failed:
                self.say(f"  {self.advice()}")
            elif self.values.get("pending"):
                self.say("  Type /retry to send it again.")
            return
        # ended (no next step), or stopped mid-step by a crash: run on to the next turn
        await self._run(payload)

    async def handle(self, line: str) -> bool:
        """Send one turn or command; False when the session has ended."""
        text = line.strip()
        if not text:
            return True
        command = text.split()[0].lower() if text.startswith("/") else ""
        if command == "/help":
            speaker = self.values["setup"]["speaker"]
            self.say(HELP.format(speaker=speaker, command=self.command()), wrap=False)
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
        seed = branch_input(self.values, name, turn, self.session)
        parent = self.session
        self.session, self.values = name, {}
        await self._run(seed)
        self.say(
            f"  Now in session '{name}', from turn {turn} of '{parent}'. '{parent}' is kept; "
            "continue it later with:"
        )
        self.say(f"  {self.command(parent)}", wrap=False)

    async def _free_name(self, base: str) -> str:
        name, n = base, 1
        while (await self.graph.aget_state(self._config(name))).values:
            n += 1
            name = f"{base}-{n}"
        return name

    # -- the two ways of talking -----------------------------------------------------------------
    async def _send(self, line: str) -> bool | None:
        """`handle(line)`, stoppable with Ctrl-C; None when Ctrl-C stopped it."""
        stopped, going_on = await interruptible(self.handle(line))
        if not stopped:
            return bool(going_on)
        await self._stopped()
        return None

    async def _stopped(self) -> None:
        """After Ctrl-C cut a step short: keep the turn, and wait for the user again.

        The checkpoint is the one before the step that was stopped; it is marked as failed with
        `STOPPED` (as a failed model call would be), so the graph goes back to listening with the
        turn, or the /hint or /debrief, ready for /retry.
        """
        self.say(" [stopped]" if self.streaming else "")
        self.streaming = False
        snapshot = await self.graph.aget_state(self._config())
        step = snapshot.next[0] if snapshot.next else ""
        if step in MODEL_STEPS:
            # a stopped reply or retry is marked where a failed assessment is: back to listening
            as_node = "assess" if step in ("retry", "reply") else step
            await self.graph.aupdate_state(self._config(), {"error": STOPPED}, as_node=as_node)
            snapshot = await self.graph.aget_state(self._config())
        if snapshot.next and not any(task.interrupts for task in snapshot.tasks):
            await self._run(None)  # run on to the point where the graph listens again
        else:
            self.values = dict(snapshot.values)
            self.write_files()
            self._report()

    async def run_script(self, items: Iterable[str]) -> int:
        """Send each item in turn; stop at the first failed model call (exit code 1).

        Ctrl-C stops the script (exit code 130); the session is kept.
        """
        for item in items:
            self.say(PROMPT + item.replace("\n", "\n     "))
            going_on = await self._send(item)
            if going_on is None:
                self.say(f"Stopped with Ctrl-C. Continue with:\n  {self.command()}", wrap=False)
                return INTERRUPTED
            if not going_on:
                return 0
            if self.failed:
                self.say(self._stop_message(), wrap=False)
                return 1
        self.say(f"Transcript: {self.folder() / 'transcript.md'}")
        return 0

    def _stop_message(self) -> str:
        command = self.failed_command
        if command and self.replay_miss:
            then = f"then run {command} with a live model (the replay has no recording of it)"
        elif command:
            then = f"then type /retry (or {command}) to run {command} again"
        elif self.replay_miss:
            then = "then /undo to drop the turn the replay cannot answer, or rehearse live"
        else:
            then = "then type /retry to send your kept turn again"
        return f"Stopped: a model call failed. Continue with:\n  {self.command()}\n{then}."

    async def run_interactive(self, read: Callable[[str], str] = input) -> int:
        """Read turns from the terminal until /end, Ctrl-D or Ctrl-C at the prompt.

        Returns 0, 1 when the last model call failed, or 130 after Ctrl-C at the prompt.
        """
        while True:
            try:
                line = read_line(read, PROMPT)
            except (EOFError, KeyboardInterrupt) as exc:
                self.say()
                self.say(
                    f"Left session '{self.session}' open. Continue with:\n  {self.command()}\n"
                    f"Transcript: {self.folder() / 'transcript.md'}",
                    wrap=False,
                )
                if isinstance(exc, KeyboardInterrupt):
                    return INTERRUPTED
                break
            if await self._send(line) is False:
                break
        return 1 if self.failed else 0
