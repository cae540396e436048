"""The chat loop over the rehearsal graph with a scripted model: what it advises after a failure
is what works, a script never continues an ended session, Ctrl-C at the prompt leaves."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from test_rehearsal_graph import Rig, kb, setup  # noqa: F401 - the fixtures are used by name

from negoprep.cli.chat import ChatSession
from negoprep.graphs.rehearsal_state import Setup
from negoprep.knowledge.base import KnowledgeBase

RESUME = "negoprep rehearse 'runs/my run' --replay cases/x/cassettes"


class Chat:
    """A `ChatSession` on a scripted rig, printing into a string."""

    def __init__(self, rig: Rig, setup: Setup, run_dir: Path) -> None:  # noqa: F811
        self.rig = rig
        self.run_dir = run_dir
        self.out = io.StringIO()
        self.session = ChatSession(
            rig.graph,
            rig.context,
            run_dir,
            lambda name: {**setup, "session": name},
            resume_command=RESUME,
            out=self.out,
        )

    def printed(self) -> str:
        text = self.out.getvalue()
        self.out.seek(0)
        self.out.truncate()
        return text


@pytest.fixture
def chat(setup: Setup, kb: KnowledgeBase, tmp_path: Path) -> Chat:  # noqa: F811
    return Chat(Rig(setup, kb, InMemorySaver()), setup, tmp_path)


@pytest.mark.parametrize(
    ("command", "call"), [("/debrief", "coach.debrief"), ("/hint", "coach.hint-1")]
)
async def test_after_a_failed_coach_command_the_advice_given_works(
    chat: Chat, command: str, call: str
) -> None:
    await chat.session.open("s1")
    chat.rig.script.fail.add(call)
    assert await chat.session.run_script(["Shall we agree an agenda first?", command]) == 1
    out = chat.printed()
    assert f"Nothing was lost: type /retry (or {command}) to run it again." in out
    assert f"Continue with:\n  {RESUME} --session s1\nthen type /retry (or {command})" in out
    assert "Nothing to retry" not in out

    chat.rig.script.fail.clear()
    assert await chat.session.run_script(["/retry"]) == 0
    assert chat.rig.calls(lambda c: c.startswith("coach")) == [call, call]
    values = chat.session.values
    assert not values.get("error") and not values.get("notice")
    if command == "/debrief":
        assert values["debrief"]["label"] == "coach.debrief"
        assert "Debrief written to" in chat.printed()
    else:
        assert [h["label"] for h in values["hints"]] == ["coach.hint-1"]


async def test_retry_resends_a_kept_turn_and_otherwise_says_there_is_nothing(chat: Chat) -> None:
    await chat.session.open("s1")
    chat.rig.script.fail.add("rehearsal.turn-1.reply")
    assert await chat.session.run_script(["Shall we agree an agenda first?"]) == 1
    out = chat.printed()
    assert "Your turn is kept: type /retry to send it again" in out
    assert "then type /retry to send your kept turn again" in out
    chat.rig.script.fail.clear()
    assert await chat.session.run_script(["/retry", "/retry"]) == 0
    assert len(chat.session.values["exchanges"]) == 1
    assert "Nothing to retry" in chat.printed(), "a second /retry has nothing left to redo"


async def test_a_script_on_an_ended_session_starts_the_next_free_name(
    chat: Chat,
    setup: Setup,  # noqa: F811
) -> None:
    await chat.session.open("s1")
    assert await chat.session.run_script(["Shall we agree an agenda first?", "/end"]) == 0
    for expected in ("s1-2", "s1-3"):
        again = Chat(chat.rig, setup, chat.run_dir)
        await again.session.open("s1", new_if_ended=True)
        out = again.printed()
        assert f"Session 's1' has ended, so this script runs in a new session, '{expected}'" in out
        assert f"To reopen 's1' instead:\n  {RESUME} --session s1\n" in out
        assert again.session.session == expected
        assert await again.session.run_script(["/end"]) == 0

    person = Chat(
        chat.rig, setup, chat.run_dir
    )  # at the keyboard, an ended session is reopened as it was
    await person.session.open("s1")
    assert person.session.session == "s1" and not person.session.ended
    assert "Resuming rehearsal 's1' (1 turn(s) so far)." in person.printed()


async def test_ctrl_c_at_the_prompt_leaves_with_the_command_to_continue(chat: Chat) -> None:
    await chat.session.open("s1")

    def interrupted(prompt: str) -> str:
        raise KeyboardInterrupt

    assert await chat.session.run_interactive(interrupted) == 130
    out = chat.printed()
    assert f"Left session 's1' open. Continue with:\n  {RESUME} --session s1\n" in out
