"""Off-grid training designs: numbers a family's grid lacks, in train only, leaving every other row as it was."""
from __future__ import annotations

import random

import pytest

from crux_program.data.curriculum import SyntheticConfig, generate, generate_designs
from crux_program.data.families import FAMILIES
from crux_program.data.families.base import OffGridRandom, grid_value
from crux_program.data.make_dataset import make_dataset
from crux_program.data.triplet import read_jsonl
from crux_program.interface_check import check_interface


def _cfg(**kw) -> SyntheticConfig:
    base = dict(size=600, seed=3, check="none", out_dir="unused")
    return SyntheticConfig(**{**base, **kw})


def test_grid_value_draws_like_choice_and_off_grid_only_from_the_gaps():
    grid = [3, 4, 5, 6, 8, 12, 16]
    a, b = random.Random(7), random.Random(7)
    assert [grid_value(a, grid) for _ in range(50)] == [b.choice(grid) for _ in range(50)]  # same stream
    rng = OffGridRandom(1)
    drawn = {grid_value(rng, grid) for _ in range(200)}
    assert rng.drew_off_grid and drawn == {7, 9, 10, 11, 13, 14, 15}
    no_gap = OffGridRandom(1)
    assert grid_value(no_gap, [2, 3, 4]) in (2, 3, 4) and not no_gap.drew_off_grid


def test_off_grid_designs_are_train_only_and_never_a_held_out_combination():
    items = generate_designs(_cfg(off_grid_designs=5))
    extra = [i for i in items if i.off_grid]
    assert extra and all(i.split == "train" for i in extra)
    grid = {(i.design.family, i.design.params_key) for i in items if not i.off_grid}
    assert not {(i.design.family, i.design.params_key) for i in extra} & grid  # new numbers, never a test one
    assert len({(i.design.family, i.index) for i in items}) == len(items)  # indices stay unique per family
    families = {i.design.family for i in extra}
    assert {"bit_reverse", "popcount", "adder", "counter"} <= families
    assert "moore_detector" not in families  # no numeric grid: nothing off-grid to add


@pytest.mark.parametrize("name", ["bit_reverse", "popcount", "modn_counter", "accumulator", "register_file", "mux"])
def test_off_grid_gold_crux_matches_its_reference(name):
    for seed in range(6):
        rng = OffGridRandom(seed)
        design = FAMILIES[name].build(rng)
        assert rng.drew_off_grid
        assert check_interface(design.crux(), design.verilog).ok, (name, seed)


def test_grid_rows_and_held_out_files_are_unchanged(tmp_path):
    base = dict(size=600, seed=3, check="none", rename_fraction=0.5, rename_copies=2)
    plain = {t.task_id: t for t in generate(SyntheticConfig(**base, out_dir="unused"))}
    with_extra = generate(SyntheticConfig(**base, off_grid_designs=3, out_dir="unused"))
    assert all(plain[t.task_id] == t for t in with_extra if t.task_id in plain)
    added = [t for t in with_extra if t.task_id not in plain]
    assert added and all(t.split == "train" and t.task_id.rsplit("/", 1)[-1].startswith("g") for t in added)
    make_dataset(SyntheticConfig(**base, out_dir=str(tmp_path / "plain")))
    make_dataset(SyntheticConfig(**base, off_grid_designs=3, out_dir=str(tmp_path / "extra")))
    for split in ("val", "test_seen", "test_unseen", "test"):  # a model is compared on the same test files
        assert (tmp_path / "plain" / f"{split}.jsonl").read_bytes() == (tmp_path / "extra" / f"{split}.jsonl").read_bytes()
    assert len(read_jsonl(tmp_path / "extra" / "train.jsonl")) == len(read_jsonl(tmp_path / "plain" / "train.jsonl")) + len(added)


def test_negative_off_grid_designs_is_refused():
    with pytest.raises(ValueError, match="off_grid_designs"):
        SyntheticConfig(off_grid_designs=-1)
