"""The local web app of `negoprep serve` (FastAPI, Jinja templates, a little htmx)."""
