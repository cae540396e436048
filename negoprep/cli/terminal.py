"""The terminal side of the chat: output wrapped at word boundaries, and what Ctrl-C means.

`asyncio.run()` turns the first Ctrl-C into a cancellation of the whole program, which a blocking
`input()` only notices once a line has been typed, and the second into a KeyboardInterrupt that
ends the program. The chat needs two other meanings, so it sets them itself, for as long as each
applies: `read_line` makes Ctrl-C raise KeyboardInterrupt at once while the user types, and
`interruptible` makes it cancel only the step that is running (a reply streaming, the coach
thinking), so the chat can keep the turn and go on.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TextIO, TypeVar

T = TypeVar("T")


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def read_line(read: Callable[[str], str], prompt: str) -> str:
    """`read(prompt)`, with Ctrl-C raising KeyboardInterrupt at once (and EOFError for Ctrl-D)."""
    if not _main_thread():
        return read(prompt)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return read(prompt)
    finally:
        signal.signal(signal.SIGINT, previous)


async def interruptible(step: Coroutine[Any, Any, T]) -> tuple[bool, T | None]:
    """Run `step`; Ctrl-C cancels it, and only it.

    Returns (False, its result) when it finished, (True, None) when Ctrl-C stopped it. Where the
    event loop cannot handle signals (Windows, a thread other than the main one), Ctrl-C keeps
    its usual meaning.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(step)
    previous = signal.getsignal(signal.SIGINT) if _main_thread() else None
    try:
        loop.add_signal_handler(signal.SIGINT, task.cancel)
        installed = True
    except (NotImplementedError, RuntimeError, ValueError):
        installed = False
    try:
        return False, await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if not task.cancelled() or (current is not None and current.cancelling()):
            raise  # the chat itself is being cancelled, not just this step
        return True, None
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGINT)
            if previous is not None:
                signal.signal(signal.SIGINT, previous)


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

    def write_verbatim(self, text: str) -> None:
        """Write `text` unwrapped (a command to copy must not be broken across lines)."""
        self.out.write(" " * self.spaces + text if self.column else text)
        self.spaces = 0
        self.column = len(text) - text.rfind("\n") - 1 if "\n" in text else self.column + len(text)
        self.out.flush()

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
