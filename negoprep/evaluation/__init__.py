"""Evaluate a dossier or a rehearsal against what a good one must show (`negoprep eval`).

- `expectations`: the expectation file (`expect.yaml` beside a case's `case.yaml`), read with
  errors naming the file and line.
- `sections`: which entries of the dossier each expectation section is checked against.
- `keywords`: the deterministic, offline coverage check.
- `judge`: the model's verdict per item (one call per section, recordable like every call).
- `report`: per case and overall figures, the table, and the difference from a baseline.
- `rehearsal`: scripted turns of known quality and what the counterpart and debrief must show.

The application function that prepares cases and runs all this is `negoprep.app.evaluate`.
"""
