"""LLM plumbing: the model provider, structured calls, recording and replay, prompts, errors."""
