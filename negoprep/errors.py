"""Errors that are the user's to fix: shown as one clear message, exit code 2, no traceback."""

from __future__ import annotations


class UserError(Exception):
    """Bad usage, configuration or input; the message says what and how to fix it."""


def user_error_types() -> tuple[type[Exception], ...]:
    """Every exception type that means 'the input or configuration is wrong' (imported lazily)."""
    from agents.knowledge import KnowledgeError
    from agents.prompts import PromptError
    from agents.recorder import CassetteError
    from graphs.ingest import CaseError
    from negoprep.runs import RunFolderError
    from negoprep.settings import SettingsError

    return (
        UserError,
        CaseError,
        SettingsError,
        KnowledgeError,
        PromptError,
        RunFolderError,
        CassetteError,
    )
