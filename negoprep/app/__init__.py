"""The application layer the CLI, the web app and the LangGraph server entry all call."""
