"""`data=synthetic`: the curriculum as a data source (train/val examples, test problems) for run.py.

The dataset is built on first use into `synthetic.out_dir` and reused while its config is unchanged
(`config.json` next to the splits records what built it); `build()` always rebuilds (task=make_data).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from crux_program.data.curriculum import SyntheticConfig
from crux_program.data.make_dataset import DatasetSummary, make_dataset, summary_table
from crux_program.data.triplet import load_split

TEST_SPLITS = ("test_seen", "test_unseen", "test")


@dataclass
class SyntheticData:
    """The synthetic curriculum as a `DataSource` (see crux_program.evaluation.problem_set).

    test_split: which held-out split `load()` returns as test problems: "test_seen" (seen families, unseen
        parameters), "test_unseen" (unseen families) or "test" (both; each Problem's `source` says which).
    limit: the first N test problems only (the splits are shuffled, so a prefix is a fair sample).
    """

    name: str = "synthetic"
    synthetic: SyntheticConfig = field(default_factory=SyntheticConfig)
    test_split: str = "test_seen"
    limit: int | None = None

    def __post_init__(self) -> None:
        if self.test_split not in TEST_SPLITS:
            raise ValueError(f"data.test_split={self.test_split!r}: choose one of {TEST_SPLITS}")

    @property
    def folder(self) -> Path:
        return Path(self.synthetic.out_dir)

    def _stamp(self) -> str:
        return json.dumps(asdict(self.synthetic), sort_keys=True)

    def build(self, progress: bool = False) -> DatasetSummary:
        """(Re)build the dataset and record the config that built it."""
        summary = make_dataset(self.synthetic, progress=progress)
        (self.folder / "config.json").write_text(self._stamp(), encoding="utf-8")
        return summary

    def ensure_built(self) -> None:
        """Build unless the folder already holds this exact config's dataset."""
        stamp = self.folder / "config.json"
        if not (stamp.exists() and stamp.read_text(encoding="utf-8") == self._stamp()):
            print(summary_table(self.build()), flush=True)

    def load(self):
        """DataSplits(train, val: dspy.Examples; test: Problems with source `synthetic/<split>`)."""
        from crux_program.evaluation.problem_set import DataSplits

        self.ensure_built()
        train = [t.to_example() for t in load_split(self.folder, "train")]
        val = [t.to_example() for t in load_split(self.folder, "val")]
        tests = load_split(self.folder, self.test_split)
        if self.limit is not None:
            tests = tests[: self.limit]
        return DataSplits(train=train, val=val, test=[t.problem(source=f"synthetic/{t.split}") for t in tests])
