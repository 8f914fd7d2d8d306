"""The copy-from-the-spec augmentation: consistent, bijective renaming that keeps behaviour."""
from __future__ import annotations

import random
import re

import pytest

from crux_program.data.curriculum import SyntheticConfig, generate
from crux_program.data.families import FAMILIES
from crux_program.data.rename import rename_design
from crux_program.data.verify import canonical_form


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_renaming_is_consistent_and_keeps_the_design(family):
    design = FAMILIES[family].build(random.Random(f"r/{family}"))
    renamed = rename_design(design, random.Random(7))
    assert renamed.module != design.module and renamed.params == design.params
    old = {p.name for p in design.ports if p.kind == "data"} | {design.module}
    assert all(p.name not in old for p in renamed.ports if p.kind == "data")
    assert [p.name for p in renamed.ports if p.kind != "data"] == [p.name for p in design.ports if p.kind != "data"]
    # Same reference up to a renaming of identifiers, and no old name left in any identifier position.
    assert canonical_form(renamed.verilog) == canonical_form(design.verilog)
    code_idents = set(re.findall(r"[A-Za-z_]\w*", re.sub(r"//[^\n]*", "", renamed.verilog)))
    assert not code_idents & old
    prose = " ".join((renamed.summary, *renamed.behaviour, *renamed.considerations))
    assert not set(re.findall(r"`(\w+)`", prose)) & old
    assert f"module {renamed.module} (" in renamed.verilog


def test_only_a_share_of_training_designs_is_renamed():
    plain = {t.task_id: t for t in generate(SyntheticConfig(size=600, check="none", rename_fraction=0.0,
                                                             out_dir="unused"))}
    mixed = generate(SyntheticConfig(size=600, check="none", rename_fraction=0.5, out_dir="unused"))
    renamed: dict[str, list[bool]] = {}
    for t in mixed:
        if t.task_id not in plain:  # a renamed variant is no longer a duplicate spec that plain dropped
            assert t.split == "train"
            continue
        same = t.crux.interface.module_name == plain[t.task_id].crux.interface.module_name
        renamed.setdefault(t.split, []).append(not same)
        assert t.split == plain[t.task_id].split and t.level == plain[t.task_id].level
    assert not any(flag for split, flags in renamed.items() if split != "train" for flag in flags)
    assert {"train", "test_seen", "test_unseen"} <= set(renamed)
    share = sum(renamed["train"]) / len(renamed["train"])
    assert 0.3 < share < 0.7
    with pytest.raises(ValueError, match="rename_fraction"):
        SyntheticConfig(rename_fraction=1.5)


def test_fresh_names_are_never_systemverilog_keywords():
    from crux_program.data.rename import is_free_identifier

    assert is_free_identifier("data_in") and is_free_identifier("blk48")
    assert not any(is_free_identifier(k) for k in ("cell", "var", "ref", "wire", "logic", "edge", "table"))


def test_based_literals_are_not_identifiers():
    from crux_program.data.rename import _rewrite_code

    assert _rewrite_code("y = (s == 2'd0) ? d0 : d1; z = 4'hd0;", {"d0": "p", "d1": "q"}) == \
        "y = (s == 2'd0) ? p : q; z = 4'hd0;"


def test_rename_per_design_gives_all_variants_of_a_design_one_name():
    def names_by_design(per: str) -> dict[str, set[str]]:
        cfg = SyntheticConfig(size=600, check="none", rename_fraction=0.5, rename_per=per, out_dir="unused")
        by_design: dict[str, set[str]] = {}
        for t in generate(cfg):
            if t.split == "train":
                by_design.setdefault(t.task_id.rsplit("/", 1)[0], set()).add(t.crux.interface.module_name)
        return by_design

    assert all(len(names) == 1 for names in names_by_design("design").values())
    assert any(len(names) > 1 for names in names_by_design("example").values())
    with pytest.raises(ValueError, match="rename_per"):
        SyntheticConfig(rename_per="variant")


def test_rename_copies_give_each_training_spec_fresh_names_and_leave_val_and_test_byte_identical(tmp_path):
    from crux_program.data.make_dataset import make_dataset

    base = dict(size=600, check="none", rename_fraction=1.0, rename_per="example")
    make_dataset(SyntheticConfig(**base, out_dir=str(tmp_path / "one")))
    make_dataset(SyntheticConfig(**base, rename_copies=3, out_dir=str(tmp_path / "three")))
    for split in ("val", "test_seen", "test_unseen", "test"):  # a model is compared on the same test files
        assert (tmp_path / "one" / f"{split}.jsonl").read_bytes() == (tmp_path / "three" / f"{split}.jsonl").read_bytes()
    from crux_program.data.triplet import read_jsonl

    originals = read_jsonl(tmp_path / "one" / "train.jsonl")
    rows = read_jsonl(tmp_path / "three" / "train.jsonl")
    assert len(rows) == 3 * len(originals)
    by_variant: dict[str, list] = {}
    for t in rows:  # task ids: syn/<family>/<index>/<variant> and, for copies, .../<variant>c<copy>
        head, variant = t.task_id.rsplit("/", 1)
        by_variant.setdefault(f"{head}/{variant.split('c')[0]}", []).append(t)
    assert {t.task_id for t in originals} == set(by_variant)  # the originals are the copies=1 rows
    original = {t.task_id: t for t in originals}
    for task_id, group in by_variant.items():
        assert len(group) == 3 and len({t.spec for t in group}) == 3  # fresh names in every copy
        assert {t.level for t in group} == {original[task_id].level}  # same phrasing and level
        assert len({canonical_form(t.verilog) for t in group}) == 1  # and the same design


def test_rename_copies_need_per_example_renaming():
    with pytest.raises(ValueError, match="rename_copies"):
        SyntheticConfig(rename_fraction=0.5, rename_per="design", rename_copies=2)
    with pytest.raises(ValueError, match="rename_copies"):
        SyntheticConfig(rename_fraction=0.0, rename_copies=2)
    with pytest.raises(ValueError, match="rename_copies"):
        SyntheticConfig(rename_copies=0)
