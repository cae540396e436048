"""The knowledge base: entries in Markdown files, their checks, BM25 search, retrieval quality."""
