"""Curriculum sizing: a size that leaves a needed split empty is refused before anything is built, naming the
smallest size that fills it; the build announces what it holds and about how long it takes."""
from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from crux_program.data.curriculum import SyntheticConfig
from crux_program.data.sizing import build_estimate, check_splits, smallest_size, split_designs
from crux_program.data.sources import SyntheticData
from crux_program.errors import UserError


def test_a_size_that_empties_the_test_split_is_refused_with_the_smallest_that_works(tmp_path):
    cfg = SyntheticConfig(size=60, out_dir=str(tmp_path / "syn"))
    with pytest.raises(UserError, match=r"data.synthetic.size=60 leaves the test_seen split\(s\) empty.*"
                                        r"data.synthetic.size=(\d+) is the smallest") as caught:
        SyntheticData(synthetic=cfg, limit=3).load()
    assert not (tmp_path / "syn").exists()  # refused before building anything
    smallest = int(str(caught.value).split("data.synthetic.size=")[-1].split()[0])
    assert not split_designs(replace(cfg, size=smallest)).empty(("train", "test_seen"))
    assert split_designs(replace(cfg, size=smallest - 1)).empty(("train", "test_seen"))


def test_the_suggested_size_passes_the_check():
    cfg = SyntheticConfig(size=60)
    size = smallest_size(cfg, ("train", "test_seen"))
    designs = check_splits(replace(cfg, size=size), "test_seen")
    assert designs.designs["train"] and designs.designs["test_seen"]


def test_test_unseen_without_held_out_families_says_what_to_set():
    with pytest.raises(UserError, match="held_out_families"):
        check_splits(SyntheticConfig(size=2400, held_out_families=[]), "test_unseen")


def test_the_build_is_announced_with_its_size_and_an_estimate(tmp_path, caplog):
    cfg = SyntheticConfig(size=40, families=["mux"], held_out_families=[], check="none",
                          out_dir=str(tmp_path / "syn"))
    line = build_estimate(cfg, split_designs(cfg))
    assert "examples from" in line and "s on" in line
    with caplog.at_level(logging.WARNING):
        SyntheticData(synthetic=cfg, limit=1).load()
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "Building the curriculum once" in said and "built whole" in said
