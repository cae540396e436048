"""The LangGraph graphs (preparation, rehearsal), their state and their context; nothing else.
Imported as `negoprep.graphs` (`negoprep/graphs` links here)."""
