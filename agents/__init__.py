"""The agents of negoprep: schemas, prompts, knowledge retrieval, and the model factory."""
