"""Data sources: where a run's examples and test problems come from, one source a file.

A data source is a typed dataclass with a `name` and `load() -> DataSplits`: `train` and `val` are the
`dspy.Example`s a compiler learns from, `test` the `sim.problem.Problem`s an evaluation scores (the `DataSource`
protocol, `splits.py`). Hydra's `data=` group builds one by `_target_` and run.py calls `load()`, so a new
source plugs in with a class here and a config in `conf/data/`.

- `folder.py`: `BenchmarkData`, a benchmark's folder in its own layout, read in place; test only.
  Built by `conf/data/verilog_eval.yaml` and `conf/data/rtllm.yaml`.
- `jsonl.py`: `JsonlData`, one problem a JSON line, judged by its testbench or its reference; test only.
  Built by `conf/data/jsonl.yaml`.
- `synthetic.py`: `SyntheticData`, the verified synthetic curriculum, built on first use; train, val and test.
  Built by `conf/data/synthetic.yaml`.
- `corpus_data.py`: `CorpusData`, a user's corpus prepared for training (train, val), test problems from any
  of the sources above (`test_source`). Built by `conf/data/corpus.yaml`.

(No file name here holds "bench": that word marks the measurement scripts of benches/.)
`corpus_data.py` is named apart from `crux_program.data.corpus`, a different thing: the loader behind
`python -m crux_program.data corpus`. The steps `CorpusData` runs (`crux_program.data.corpus_prep`) stay with
the rest of the data package. docs/DATA.md and docs/EVALUATION.md describe each source's options.
"""
from crux_program.data.sources.corpus_data import CorpusData
from crux_program.data.sources.folder import BenchmarkData
from crux_program.data.sources.jsonl import JsonlData
from crux_program.data.sources.splits import DataSource, DataSplits
from crux_program.data.sources.synthetic import SyntheticData

__all__ = ["DataSplits", "DataSource", "BenchmarkData", "JsonlData", "SyntheticData", "CorpusData"]
