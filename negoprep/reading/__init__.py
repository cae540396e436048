"""Case reading: file readers, ingestion into passages, language, parts, and quote grounding."""
