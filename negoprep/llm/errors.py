"""Turn any failure of a model call into one plain sentence for the dossier and the terminal."""

from __future__ import annotations

from negoprep.llm.prompts import PromptError
from negoprep.llm.recorder import find_cassette_miss
from negoprep.llm.structured import InvalidReply


def describe_failure(exc: BaseException) -> str:
    import openai

    miss = find_cassette_miss(exc)
    if miss is not None:
        return f"replay: {miss}"
    if isinstance(exc, InvalidReply):
        return str(exc)
    if isinstance(exc, PromptError):
        return f"prompt error: {exc}"
    if isinstance(exc, openai.APITimeoutError):
        return "the provider did not answer in time (timed out after retries)"
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        return f"cannot reach the provider ({type(cause).__name__ if cause else 'connection error'}: {cause or exc})"
    if isinstance(exc, openai.AuthenticationError):
        return "the provider rejected the API key (401): check OPENAI_API_KEY"
    if isinstance(exc, openai.NotFoundError):
        return f"the provider does not know this model or endpoint (404): {_message(exc)}"
    if isinstance(exc, openai.RateLimitError):
        return f"rate limited by the provider (429) after retries: {_message(exc)}"
    if isinstance(exc, openai.APIStatusError):
        return f"provider error {exc.status_code}: {_message(exc)}"
    return f"{type(exc).__name__}: {exc}"


def _message(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(exc)
