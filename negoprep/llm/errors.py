"""Turn any failure of a model call into one plain sentence for the dossier and the terminal.

The sentence gives the server's own words (whatever shape its error body had) and, where the
fix is a setting, names it. It is said once: callers add only where it happened.
"""

from __future__ import annotations

import re

from negoprep.llm.prompts import PromptError
from negoprep.llm.recorder import find_cassette_miss

_HINTS = (
    (
        r"response_format|json_schema|json_object|'text' or|tool_choice|structured output",
        "the server does not take this response format: set NEGOPREP_RESPONSE_FORMAT "
        "(json_schema, json_object_schema, tools or json_object; see the README's provider table)",
    ),
    (
        r"context (length|window|size)|maximum context|too many tokens|exceeds? the (context|max)"
        r"|prompt is too long|n_ctx",
        "the prompt and reply do not fit the model's context: set NEGOPREP_CONTEXT_WINDOW to the "
        "server's context length, or lower NEGOPREP_CONTEXT_TOKENS or NEGOPREP_MAX_OUTPUT_TOKENS",
    ),
    (
        r"max_tokens|max_completion_tokens|maximum output",
        "the server's output limit is lower: lower NEGOPREP_MAX_OUTPUT_TOKENS",
    ),
    (
        r"stream_options",
        "the server does not take stream_options: set NEGOPREP_STREAM_USAGE=false",
    ),
    (
        r"model .*(not found|does not exist|unknown)|no such model|unknown model|model_not_found",
        "check the model name (NEGOPREP_MODEL or NEGOPREP_MODEL_<AGENT>)",
    ),
)


def setting_hint(message: str) -> str:
    """The setting that fixes an error the server described in `message` ("" if none fits)."""
    for pattern, hint in _HINTS:
        if re.search(pattern, message, flags=re.IGNORECASE):
            return hint
    return ""


def _with_hint(text: str, words: str) -> str:
    hint = setting_hint(words)
    return f"{text} ({hint})" if hint else text


def describe_failure(exc: BaseException) -> str:
    """One sentence for any exception a model call raised (unknown ones by type and message)."""
    import openai

    from negoprep.llm.structured import CallFailed

    miss = find_cassette_miss(exc)
    if miss is not None:
        return f"replay: {miss}"
    if isinstance(exc, CallFailed):
        return str(exc)
    if isinstance(exc, PromptError):
        return f"prompt error: {exc}"
    if isinstance(exc, openai.APITimeoutError):
        return "the provider did not answer in time (timed out after retries; see NEGOPREP_TIMEOUT)"
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        what = f"{type(cause).__name__}: {cause}" if cause else "connection error"
        return f"cannot reach the provider ({what}); check OPENAI_BASE_URL"
    if isinstance(exc, openai.AuthenticationError):
        return f"the provider rejected the API key (401): {server_words(exc)}; check OPENAI_API_KEY"
    if isinstance(exc, openai.NotFoundError):
        words = server_words(exc)
        return _with_hint(
            f"the provider does not know this model or endpoint (404): {words}", words
        )
    if isinstance(exc, openai.RateLimitError):
        return f"rate limited by the provider (429) after retries: {server_words(exc)}"
    if isinstance(exc, openai.APIStatusError):
        words = server_words(exc)
        return _with_hint(f"provider error {exc.status_code}: {words}", words)
    return f"{type(exc).__name__}: {exc}"


def server_words(exc: BaseException) -> str:
    """The provider's own message from an API error, whatever shape its body had."""
    from negoprep.llm.compat import error_message

    response = getattr(exc, "response", None)
    raw = response.content if response is not None else b""
    body = getattr(exc, "body", None)
    if body is None and not raw:
        return str(exc)
    message, code = error_message(body if body is not None else {}, raw)
    if message.startswith("the body was") and raw:
        message, code = error_message(None, raw)
    return f"{message} [code {code}]" if code not in (None, "", "None") else message
