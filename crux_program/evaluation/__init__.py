"""Evaluation: n samples per problem through a DSPy program, scored by `sim/`, pass@k, and a report.

Public API: `evaluate_program`, `EvalRunner`, `EvalConfig`, `EvalMetrics`, `pass_at_k`, `summarize_sweep`,
and, re-exported from `crux_program.data.sources` where they live, the data sources `BenchmarkData`,
`JsonlData` (`DataSplits`). See docs/EVALUATION.md.
"""
from crux_program.data.sources import BenchmarkData, DataSplits, JsonlData
from crux_program.evaluation.config import EvalConfig
from crux_program.evaluation.evaluate import evaluate_program
from crux_program.evaluation.passk import mean_pass_at_k, pass_at_k
from crux_program.evaluation.report import EvalMetrics
from crux_program.evaluation.runner import EvalRunner

__all__ = ["EvalConfig", "EvalMetrics", "EvalRunner", "evaluate_program", "pass_at_k", "mean_pass_at_k",
           "BenchmarkData", "JsonlData", "DataSplits"]
