"""`data=synthetic`: the curriculum as a data source (train/val examples, test problems) for run.py.

The dataset is built on first use into `synthetic.out_dir` and reused while its config is unchanged
(`config.json` next to the splits records what built it); `build()` always rebuilds (task=make_data).
A folder holding a curriculum built with another config is rebuilt with a warning that names the settings
that differ, so a reused folder whose splits are replaced never goes unnoticed.
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

from crux_program.data.curriculum import SyntheticConfig
from crux_program.data.make_dataset import DatasetSummary, make_dataset, summary_table
from crux_program.data.sizing import build_estimate, check_splits
from crux_program.data.sources.splits import DataSplits
from crux_program.data.triplet import load_split
from crux_program.errors import UserError
from sim.fingerprint import canonical_json

TEST_SPLITS = ("test_seen", "test_unseen", "test")
log = logging.getLogger(__name__)

# Settings that do not change what a curriculum holds: how fast it is built (`jobs`) and where its folder lives
# (`out_dir`: a folder copied, moved or reached through a symlink holds the same splits).
_NOT_CONTENT = {"jobs", "out_dir"}


@dataclass
class SyntheticData:
    """The synthetic curriculum as a `DataSource` (crux_program.data.sources.splits).

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
            raise UserError(f"data.test_split={self.test_split!r}: choose one of {TEST_SPLITS}")

    @property
    def folder(self) -> Path:
        return Path(self.synthetic.out_dir)

    def _stamp(self) -> str:
        """config.json's text: every curriculum setting as canonical JSON (compared as JSON, not hashed)."""
        fields = asdict(self.synthetic)
        if fields["rename_copies"] == 1:  # a later setting: folders built before it stay valid
            del fields["rename_copies"]
        return canonical_json(fields)

    def build(self, progress: bool = False) -> DatasetSummary:
        """(Re)build the dataset and record the config that built it."""
        summary = make_dataset(self.synthetic, progress=progress)
        (self.folder / "config.json").write_text(self._stamp(), encoding="utf-8")
        return summary

    def changed_settings(self, recorded: str) -> list[str]:
        """`key: old -> new` for each setting where the recorded config.json differs from this config."""
        now = json.loads(self._stamp())
        try:
            before = json.loads(recorded)
        except json.JSONDecodeError:
            return ["config.json is unreadable"]
        return [f"{k}: {before.get(k, '(not recorded)')!r} -> {now[k]!r}" for k in sorted(now)
                if k not in _NOT_CONTENT and before.get(k, object()) != now[k]]

    def _same_build(self, recorded: str) -> bool:
        """Whether the recorded config.json built what this config would (worker counts do not count)."""
        try:
            before = json.loads(recorded)
        except json.JSONDecodeError:
            return False
        content = lambda fields: {k: v for k, v in fields.items() if k not in _NOT_CONTENT}  # noqa: E731
        return content(before) == content(json.loads(self._stamp()))

    def ensure_built(self) -> None:
        """Build unless the folder already holds this exact config's dataset; a config that leaves the train or
        the test split empty is refused first, with the smallest data.synthetic.size that fills them."""
        designs = check_splits(self.synthetic, self.test_split)
        if not designs.designs.get("val"):
            log.warning("data.synthetic.size=%d leaves the val split empty (compilers that score on val prompts get "
                        "none); raise data.synthetic.size to fill it.", self.synthetic.size)
        stamp = self.folder / "config.json"
        recorded = stamp.read_text(encoding="utf-8") if stamp.exists() else None
        if recorded is not None and self._same_build(recorded):
            return
        if recorded is not None:
            log.warning("%s holds a curriculum built with other settings (%s): rebuilding it, which replaces its "
                        "splits. To keep that one, pass those settings as data.synthetic.KEY=VALUE or choose another "
                        "data.synthetic.out_dir.", self.folder, "; ".join(self.changed_settings(recorded)))
        # Built whole even for data.limit=3: a design's split is drawn among all its family's parameter
        # combinations, and the order of the test file (a prefix of which data.limit takes) comes from the whole build.
        log.warning("Building the curriculum once into %s (%s); later runs with these data.synthetic settings reuse "
                    "it. It is built whole even for a few test problems, because the splits and the test order are "
                    "drawn over the whole curriculum.", self.folder, build_estimate(self.synthetic, designs))
        print(summary_table(self.build()), flush=True)

    def load(self) -> DataSplits:
        """DataSplits(train, val: dspy.Examples; test: Problems with source `synthetic/<split>`)."""
        self.ensure_built()
        train = [t.to_example() for t in load_split(self.folder, "train")]
        val = [t.to_example() for t in load_split(self.folder, "val")]
        tests = load_split(self.folder, self.test_split)
        if self.limit is not None:
            tests = tests[: self.limit]
        return DataSplits(train=train, val=val, test=[t.problem(source=f"synthetic/{t.split}") for t in tests])
