"""An evaluation with samples that have no answer (the LM call failed) is incomplete, and says so.

`evaluate_program` writes metrics.json and the report first (marked `"complete": false`), then raises
`IncompleteEvaluation`; run.py prints `describe(run folder)` as the last line and exits with `EXIT_INCOMPLETE`.
"""
from __future__ import annotations

from pathlib import Path

EXIT_INCOMPLETE = 3
_NAMED = 10  # samples named in the message; the rest are counted


class IncompleteEvaluation(RuntimeError):
    """Some samples have no answer because the LM call failed; `metrics` holds the partial figures."""

    def __init__(self, metrics, run_dir: Path, first_error: str | None) -> None:
        self.metrics = metrics
        self.run_dir = Path(run_dir)
        self.first_error = first_error
        super().__init__(self.describe(self.run_dir))

    def describe(self, rerun_dir: Path) -> str:
        """How many samples are missing, which, and the command's folder that retries them."""
        missing = self.metrics.missing
        named = ", ".join(missing[:_NAMED]) + (f" and {len(missing) - _NAMED} more" if len(missing) > _NAMED else "")
        figures = ", ".join(f"{k} = {v:.4f}" for k, v in self.metrics.pass_at_k.items())
        return (f"incomplete: {self.metrics.missing_samples} sample(s) have no answer because the LM call failed "
                f"({named}; first error: {self.first_error}). They are not judged and not counted as failures: "
                f"{figures} is over the {self.metrics.n_samples} judged samples only. Run the same command with "
                f"hydra.run.dir={rerun_dir} to retry only the missing ones.")
