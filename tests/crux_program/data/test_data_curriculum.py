"""The synthetic curriculum: splits hold out families and parameters, output is reproducible, designs agree
with their CRUX, and the dataset command writes every split with a summary table."""
from __future__ import annotations

import random

import pytest

from crux_program.data.curriculum import SyntheticConfig, generate, generate_designs
from crux_program.data.families import FAMILIES
from crux_program.data.make_dataset import make_dataset, summary_table
from crux_program.data.triplet import load_split
from crux_program.interface_check import check_interface
from sim.interface import infer_clocking


def _cfg(**kw) -> SyntheticConfig:
    base = dict(size=600, seed=3, check="none", out_dir="unused")
    return SyntheticConfig(**{**base, **kw})


def test_at_least_twenty_families_both_kinds():
    assert len(FAMILIES) >= 20
    kinds = {f.sequential for f in FAMILIES.values()}
    assert kinds == {True, False}


def test_held_out_families_never_in_train_or_val():
    cfg = _cfg(held_out_families=["gray_code", "fifo", "mux"])
    examples = generate(cfg)
    for t in examples:
        if t.family in cfg.held_out_families:
            assert t.split == "test_unseen", t.task_id
        else:
            assert t.split != "test_unseen", t.task_id
    assert {t.family for t in examples if t.split == "test_unseen"} == {"gray_code", "fifo", "mux"}
    assert not {t.family for t in examples if t.split in ("train", "val")} & set(cfg.held_out_families)


def test_test_seen_parameter_combinations_never_in_train():
    items = generate_designs(_cfg())
    train = {(i.design.family, i.design.params_key) for i in items if i.split == "train"}
    held = {(i.design.family, i.design.params_key) for i in items if i.split in ("val", "test_seen")}
    assert held and not train & held
    seen_families = {i.design.family for i in items if i.split != "test_unseen"}
    assert {i.design.family for i in items if i.split == "test_seen"} == seen_families


def test_generation_is_deterministic_and_seed_dependent():
    a = [t.model_dump_json() for t in generate(_cfg())]
    b = [t.model_dump_json() for t in generate(_cfg())]
    c = [t.model_dump_json() for t in generate(_cfg(seed=4))]
    assert a == b
    assert a != c


def test_levels_follow_the_mix():
    only_normal = generate(_cfg(degradation_mix={"normal": 1.0}))
    assert {t.level for t in only_normal} == {"normal"}
    assert all("Interface:" not in t.spec and "Ports:" not in t.spec for t in only_normal)
    mixed = generate(_cfg())
    assert {t.level for t in mixed} == {"easy", "special", "normal"}


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_gold_crux_matches_the_reference(name):
    """The gold CRUX interface equals what pyslang elaborates, and the clocking facts are the stated ones."""
    for i in range(6):
        d = FAMILIES[name].build(random.Random(f"t/{name}/{i}"))
        report = check_interface(d.crux(), d.verilog)
        assert report.ok, f"{name}#{i}: {report.summary()}\n{d.verilog}"
        clocking = infer_clocking(d.verilog, d.module)
        assert (clocking.clock is not None) == d.sequential, d.verilog
        if d.sequential:
            params = dict(d.params)
            assert clocking.clock_edge == params["edge"]
            assert clocking.reset_active_low == (params["reset_active"] == "low")
            assert clocking.reset_async == (params["reset"] == "async")


def test_make_dataset_writes_splits_and_table(tmp_path):
    cfg = _cfg(size=1000, check="compile", out_dir=str(tmp_path))
    summary = make_dataset(cfg)
    table = summary_table(summary)
    for split in ("train", "val", "test_seen", "test_unseen"):
        rows = load_split(tmp_path, split)
        assert rows and all(t.split == split for t in rows)
        assert summary.split_total(split) == len(rows)
        assert split in table
    assert len(load_split(tmp_path, "test")) == summary.split_total("test_seen") + summary.split_total("test_unseen")
    assert summary.references_failed == 0 and summary.references_checked > 0
    assert not summary.families_in("train") & set(cfg.held_out_families)
    assert "level=normal" in table and (tmp_path / "summary.txt").read_text().strip() == table
