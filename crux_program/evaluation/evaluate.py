"""One call that evaluates a DSPy program on problems and leaves the full record in a run folder.

    from crux_program.evaluation import evaluate_program, EvalConfig
    metrics = evaluate_program(program, problems, run_dir=Path("outputs/my_eval"), lm=lm)
    print(metrics.pass_at_1)

Writes samples.jsonl and verdicts.jsonl as it goes (a rerun in the same folder resumes), then metrics.json,
per_problem.csv, report.md and report.png.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

import dspy

from crux_program.errors import UserError
from crux_program.evaluation.config import EvalConfig
from crux_program.evaluation.incomplete import IncompleteEvaluation
from crux_program.evaluation.records import SampleRecord, read_jsonl
from crux_program.evaluation.report import EvalMetrics, summarize, write_report
from crux_program.evaluation.runner import EvalRunner
from sim.config import SimConfig
from sim.problem import Problem

log = logging.getLogger(__name__)


def evaluate_program(program: dspy.Module, problems: Sequence[Problem], run_dir: Path | str,
                     config: EvalConfig | None = None, sim_config: SimConfig | None = None,
                     lm: dspy.BaseLM | None = None, labels: dict[str, str] | None = None,
                     verifier=None) -> EvalMetrics:
    """Sample, score, summarise and report; returns the metrics (also in run_dir/metrics.json).

    Samples whose LM call failed have no answer: they are not judged, metrics.json counts them apart
    (`missing_samples`, `complete: false`), and after the report is written `IncompleteEvaluation` is raised
    (its `.metrics` hold the partial figures); calling again with the same run_dir retries only those.

    verifier: an open `sim.core.Verifier` to reuse; by default one is made from `sim_config` and closed after.
    labels: what ran (program, lm, data, compiler), copied into metrics.json and the report.
    """
    from sim.core import Verifier  # imported here so that building configs does not start simulator pools

    if not problems:
        raise UserError("no problems to evaluate: the test problems are empty (check data.path, data.task_ids, "
                        "data.limit, and for data=synthetic data.synthetic.size)")
    config = config or EvalConfig()
    run_dir = Path(run_dir)
    owned = verifier is None
    verifier = verifier or Verifier(sim_config or SimConfig())
    runner = EvalRunner(program, verifier, config, run_dir, lm=lm)
    try:
        verdicts = runner.run(problems)
    finally:
        if owned:
            verifier.close()
    if not verdicts and runner.missing:  # nothing was judged: there is no figure at all
        raise RuntimeError(f"no sample has an answer: every LM call failed (first error: {runner.missing[0].error}). "
                           f"Check that the server is up, then run the same command with hydra.run.dir={run_dir}.")
    wanted = {(v.task_id, v.sample_index) for v in verdicts}
    samples = [s for s in map(SampleRecord.from_json, read_jsonl(run_dir / "samples.jsonl"))
               if (s.task_id, s.sample_index) in wanted]
    metrics, scores = summarize(verdicts, config.ks, samples, labels, missing=runner.missing)
    # the stage is often the compiler's own name (compiler=none, or a single-stage compiler): say it once
    title = " / ".join(dict.fromkeys(labels.values())) if labels else "Evaluation"
    write_report(run_dir, metrics, scores, title=title)
    log.info("%s: %s over %d problems (%d samples)", run_dir, metrics.pass_at_k, metrics.n_problems, metrics.n_samples)
    if not metrics.complete:
        raise IncompleteEvaluation(metrics, run_dir, runner.missing[0].error)
    return metrics
