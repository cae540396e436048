"""What one call may ask for: its prompt and its reply must fit the model's context.

The output limit sent with a request is `ModelConfig.max_output_tokens`, lowered when the
prompt leaves less room than that in the model's context window (`ModelConfig.context_window`,
when known). A prompt that leaves no useful room is refused before anything is sent, naming the
settings to change: nothing is requested that the settings say cannot fit.
"""

from __future__ import annotations

import json
from typing import Any

from negoprep.llm.provider import ModelConfig

CHARS_PER_TOKEN = 3.5
"""Cautious: real tokenisers give about 4 characters a token in English, fewer in JSON and
Norwegian; an estimate too low would ask a server for more than fits."""
MIN_OUTPUT_TOKENS = 1024
"""Below this, a structured reply of any size is cut off: refuse rather than ask."""
MESSAGE_OVERHEAD = 8
"""Tokens a chat template adds per message (role markers)."""


class DoesNotFit(ValueError):
    """The prompt leaves no room for a reply in the model's context; the message says what to
    change."""


def estimate_tokens(text: str) -> int:
    """Tokens of `text`, estimated from its length (cautious, see `CHARS_PER_TOKEN`)."""
    return int(len(text) / CHARS_PER_TOKEN) + 1


def prompt_tokens(system: str, user: str, schema: dict[str, Any] | None = None) -> int:
    """Estimated prompt tokens of one request: the messages and the schema sent with them."""
    extra = json.dumps(schema, ensure_ascii=False) if schema else ""
    return (
        estimate_tokens(system)
        + estimate_tokens(user)
        + estimate_tokens(extra)
        + 2 * (MESSAGE_OVERHEAD)
    )


def output_limit(cfg: ModelConfig, prompt: int) -> int:
    """The output limit to send for a prompt of `prompt` tokens (raises `DoesNotFit`)."""
    limit = cfg.max_output_tokens
    if cfg.context_window is None:
        return limit
    room = cfg.context_window - prompt
    if room < min(MIN_OUTPUT_TOKENS, limit):
        raise DoesNotFit(
            f"the prompt (about {prompt} tokens) leaves {max(room, 0)} tokens for the reply in "
            f"the model's context of {cfg.context_window} tokens (NEGOPREP_CONTEXT_WINDOW): "
            "lower NEGOPREP_CONTEXT_TOKENS so the case is read in smaller parts, or use a model "
            "with a larger context"
        )
    return min(limit, room)
