"""Ask a chat model for a reply that validates against a pydantic schema, within bounds.

The schema is sent the way the agent's server takes it (`negoprep.llm.formats`); a server that
refuses that way gets the next one, said on screen. The JSON is found in the reply as real
servers send it (`negoprep.llm.replies`), then validated; an invalid reply is sent back with the
errors and asked again, a bounded number of times. One call never takes longer in all than its
config's ``call_time_limit``, and says on screen when it has waited long. Every HTTP attempt's
calls and tokens are counted, and after a failure the raw reply of each attempt is kept in a
file that the error message names.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import openai
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ValidationError

from negoprep.llm.budget import DoesNotFit, output_limit, prompt_tokens
from negoprep.llm.compat import REFUSED_HEADER, Usage
from negoprep.llm.formats import (
    FALLBACK,
    ResponseFormat,
    reply_text,
    request_options,
    schema_instructions,
)
from negoprep.llm.provider import ModelProvider
from negoprep.llm.replies import NoJson, extract_json
from negoprep.llm.schema import schema_with_ids

T = TypeVar("T", bound=BaseModel)
CUT_OFF = (
    "the reply was cut off at the output limit (finish_reason 'length', NEGOPREP_MAX_OUTPUT_TOKENS="
    "{limit}); raise NEGOPREP_MAX_OUTPUT_TOKENS if the server allows more, or lower "
    "NEGOPREP_CONTEXT_TOKENS so that each call asks for less"
)

__all__ = ["CallFailed", "InvalidReply", "Structured", "Usage", "ainvoke_structured"]


class CallFailed(Exception):
    """A structured call failed; carries what it cost and where its raw replies were kept.

    The message is the reason; ``__cause__`` is the underlying error (HTTP, timeout, ...).
    """

    def __init__(
        self, reason: str, usage: Usage, attempts: int, replies_file: Path | None = None
    ) -> None:
        self.reason = reason
        self.usage = usage
        self.attempts = attempts
        self.replies_file = replies_file
        where = f" (raw replies: {replies_file})" if replies_file else ""
        super().__init__(f"{reason}{where}")


class InvalidReply(CallFailed):
    """The model did not produce a valid reply within the allowed attempts."""

    def __init__(
        self,
        schema: str,
        attempts: int,
        errors: str,
        last_reply: str,
        usage: Usage | None = None,
        replies_file: Path | None = None,
    ) -> None:
        self.schema = schema
        self.errors = errors
        self.last_reply = last_reply
        super().__init__(
            f"the model's reply did not match the {schema} schema after {attempts} attempt(s): "
            f"{errors}",
            usage or Usage(),
            attempts,
            replies_file,
        )


@dataclass
class Structured(Generic[T]):
    value: T
    usage: Usage
    attempts: int
    replies: list[str] = field(default_factory=list)
    response_format: ResponseFormat = "json_schema"


def response_format_for(
    schema: type[BaseModel], mode: ResponseFormat, ids: Mapping[str, Sequence[str]] | None = None
) -> dict[str, Any]:
    """The request fields that carry `schema` in `mode` (ids: see `negoprep.llm.schema`)."""
    return request_options(schema.__name__, schema_with_ids(schema, ids), mode)


def describe_errors(exc: ValidationError, limit: int = 8) -> str:
    """Validation errors without input echoes or version-specific URLs (stable for cassettes)."""
    lines = []
    for err in exc.errors(include_url=False, include_input=False)[:limit]:
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        lines.append(f"{loc}: {err['msg']}")
    more = len(exc.errors()) - limit
    if more > 0:
        lines.append(f"... and {more} more")
    return "; ".join(lines)


@contextlib.asynccontextmanager
async def _watch(models: ModelProvider, call: str, every: float) -> AsyncIterator[list[int]]:
    """Say on screen each time the call has waited another `every` seconds."""
    attempt = [1]
    started = time.monotonic()

    async def tick() -> None:
        while True:
            await asyncio.sleep(every)
            waited = time.monotonic() - started
            models.notify(
                f"{call}: still waiting for the model after {waited:.0f} s (attempt {attempt[0]})"
            )

    task = asyncio.create_task(tick()) if every > 0 else None
    try:
        yield attempt
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _refused(exc: openai.BadRequestError) -> str | None:
    return exc.response.headers.get(REFUSED_HEADER) if exc.response is not None else None


def keep_replies(folder: Path | None, call: str, replies: list[str]) -> Path | None:
    """Write each attempt's raw reply to ``<folder>/<call>.replies.txt``; None if not kept."""
    if folder is None or not replies:
        return None
    from negoprep.files import write_text_atomic

    path = folder / f"{call}.replies.txt"
    text = "".join(
        f"===== attempt {n} ({len(r)} characters) =====\n{r}\n" for n, r in enumerate(replies, 1)
    )
    write_text_atomic(path, text)
    return path


async def ainvoke_structured(
    models: ModelProvider,
    agent: str,
    call: str,
    schema: type[T],
    system: str,
    user: str,
    *,
    ids: Mapping[str, Sequence[str]] | None = None,
    max_attempts: int = 3,
    replies_dir: Path | None = None,
) -> Structured[T]:
    """Ask `agent`'s model (labelled `call`) for one `schema` object.

    `ids` maps an id kind ("passage", "kb") to the ids that exist: sent as enums, checked on
    validation. Returns the value with its usage (every HTTP attempt) and attempts.
    Raises `InvalidReply` when no attempt validated, `CallFailed` (with the HTTP or timeout
    error as its cause) when the call itself failed or exceeded ``call_time_limit``.
    """
    cfg = models.config(agent)
    usage = Usage()
    replies: list[str] = []
    mode: ResponseFormat = cfg.response_format
    json_schema = schema_with_ids(schema, ids)
    context = {"ids": {k: set(v) for k, v in (ids or {}).items()}}
    followups: list[BaseMessage] = []
    attempt = 1
    replies_dir = replies_dir or getattr(models, "replies_dir", None)
    limit_all = asyncio.timeout(cfg.call_time_limit)
    try:
        async with (
            limit_all,
            _watch(models, call, cfg.notice_after) as watching,
        ):
            while True:
                watching[0] = attempt
                options = request_options(schema.__name__, json_schema, mode)
                # The schema goes last, when the server does not take it in the request: the
                # focused calls of one agent differ in it, and a prompt cache serves only the
                # part before the first difference.
                full_user = user + schema_instructions(json_schema, mode)
                messages: list[BaseMessage] = [
                    SystemMessage(content=system),
                    HumanMessage(content=full_user),
                    *followups,
                ]
                asked = prompt_tokens(
                    system, full_user + "".join(str(m.content) for m in followups), json_schema
                )
                limit = output_limit(cfg, asked)
                model = models.chat_model(agent, call, usage=usage, max_output=limit)
                model = model.bind(**options)  # type: ignore[assignment]
                try:
                    reply = await model.ainvoke(messages)
                except openai.BadRequestError as exc:
                    refused = _refused(exc)
                    nxt = FALLBACK.get(mode) if refused else None
                    if nxt is None:
                        raise
                    models.notify(
                        f"{call}: the server refused response format '{mode}' "
                        f"({_server_words(exc)}); trying '{nxt}' (set "
                        f"NEGOPREP_RESPONSE_FORMAT={nxt} to go there at once)"
                    )
                    mode = nxt
                    if hasattr(models, "override"):
                        models.override(agent, response_format=nxt)
                    continue
                except openai.LengthFinishReasonError as exc:
                    raise InvalidReply(
                        schema.__name__, attempt, CUT_OFF.format(limit=limit), ""
                    ) from exc
                if not isinstance(reply, AIMessage):  # pragma: no cover - always AIMessage
                    reply = AIMessage(content=str(getattr(reply, "content", reply)))
                text = reply_text(reply)
                replies.append(text)
                if reply.response_metadata.get("finish_reason") == "length":
                    # Asking again gives the same cut-off reply: say what to change instead.
                    raise InvalidReply(schema.__name__, attempt, CUT_OFF.format(limit=limit), text)
                refusal = reply.additional_kwargs.get("refusal")
                try:
                    if refusal:
                        raise NoJson(f"the model refused: {refusal}")
                    value = schema.model_validate_json(extract_json(text), context=context)
                except ValidationError as exc:
                    errors = describe_errors(exc)
                except NoJson as exc:
                    errors = str(exc)
                else:
                    return Structured(value, usage, attempt, replies, mode)
                if attempt >= max_attempts:
                    raise InvalidReply(schema.__name__, attempt, errors, text)
                followups += [
                    AIMessage(content=text),
                    HumanMessage(
                        content=(
                            "Your reply is not valid against the required JSON schema: "
                            f"{errors}. Reply again with the complete, corrected JSON object only."
                        )
                    ),
                ]
                attempt += 1
    except InvalidReply as exc:
        exc.usage = usage
        exc.replies_file = keep_replies(replies_dir, call, replies)
        if exc.replies_file:
            exc.args = (f"{exc.reason} (raw replies: {exc.replies_file})",)
        raise
    except DoesNotFit as exc:
        raise CallFailed(str(exc), usage, attempt) from exc
    except TimeoutError as exc:
        if not limit_all.expired():  # the model's own timeout, not the whole call's
            from negoprep.llm.errors import describe_failure

            raise CallFailed(
                describe_failure(exc), usage, attempt, keep_replies(replies_dir, call, replies)
            ) from exc
        raise CallFailed(
            f"no valid reply within NEGOPREP_CALL_TIME_LIMIT={cfg.call_time_limit:g} s "
            f"({usage.calls} HTTP request(s), {attempt} attempt(s))",
            usage,
            attempt,
            keep_replies(replies_dir, call, replies),
        ) from exc
    except Exception as exc:
        from negoprep.llm.errors import describe_failure

        raise CallFailed(
            describe_failure(exc), usage, attempt, keep_replies(replies_dir, call, replies)
        ) from exc


def _server_words(exc: openai.APIStatusError) -> str:
    from negoprep.llm.compat import error_message

    body = exc.response.content if exc.response is not None else b""
    return error_message(getattr(exc, "body", None), body)[0][:200]
