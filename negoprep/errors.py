"""Errors that are the user's to fix: shown as one clear message, exit code 2, no traceback."""

from __future__ import annotations


class UserError(Exception):
    """Bad usage, configuration or input; the message says what and how to fix it."""


def user_error_types() -> tuple[type[Exception], ...]:
    """Every exception type that means 'the input or configuration is wrong' (imported lazily)."""
    from negoprep.app.runs import RunFolderError
    from negoprep.app.settings import SettingsError
    from negoprep.knowledge.base import KnowledgeError
    from negoprep.llm.prompts import PromptError
    from negoprep.llm.recorder import CassetteError
    from negoprep.reading.ingest import CaseError

    return (
        UserError,
        CaseError,
        SettingsError,
        KnowledgeError,
        PromptError,
        RunFolderError,
        CassetteError,
    )
