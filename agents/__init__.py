"""The agents: case extractor, knowledge-base challenger, counterpart simulator, synthesis, and the
rehearsal's counterpart and coach. One module each (output schema, prompt id, run function), plus
the registry of additional agents. Imported as `negoprep.agents` (`negoprep/agents` links here)."""
