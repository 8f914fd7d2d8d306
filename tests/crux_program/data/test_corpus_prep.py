"""`data=corpus` preparation: planted defects, near duplicates, the val cut by design, the cache, bad input."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from crux_program.data.corpus_prep import PrepConfig, prepare
from crux_program.data.dedup import design_key
from crux_program.data.sources import CorpusData
from tests.crux_program.data.test_data_corpus import _corpus

FIELDS = {"task_id": "id", "spec": "instruction", "reference": "output"}
ADDER = ("module add{w}(input [{m}:0] a, input [{m}:0] b, output [{w}:0] s);\n"
         "  assign s = a + b;\nendmodule\n")


def _problems_file(tmp_path: Path) -> Path:
    path = tmp_path / "problems.jsonl"
    rows = [{"task_id": "t1", "spec": "A 3-input majority gate `maj`.", "reference":
             "module maj(input a, input b, input c, output y);\n  assign y = (a & b) | (a & c) | (b & c);\n"
             "endmodule\n"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _source(tmp_path: Path, corpus: Path, **kw) -> CorpusData:
    source = CorpusData(path=str(corpus), fields=FIELDS, test="jsonl", progress=False,
                        tests={"jsonl": {"path": str(_problems_file(tmp_path))}}, **kw)
    source.attach_run_dir(tmp_path / "run")
    return source


def test_planted_defect_corpus_through_data_corpus(tmp_path):
    splits = _source(tmp_path, _corpus(tmp_path), val_fraction=0.0).load()
    report = json.loads((tmp_path / "run" / "corpus_report.json").read_text())
    assert [ex.task_id for ex in splits.train] == ["ok1", "ok2"] and splits.val == []
    assert [p.task_id for p in splits.test] == ["t1"]
    # the reused id "ok1" is GOOD2 again under another spec (a near duplicate of ok2); "copy" repeats ok1
    assert report["dropped"] == {"bad_json": 1, "missing_spec": 1, "missing_reference": 1, "no_module": 1,
                                 "duplicate": 2, "compile_error": 1}
    assert report["rows_read"] == 9 and report["kept"] == 2
    assert report["crux"] == {"field": 1, "extracted": 1} and report["levels"] == {"easy": 1, "normal": 1}
    assert report["bad_lines"][0].endswith(":9: not JSON (Expecting property name enclosed in double quotes "
                                           "at column 2)")
    assert set(report["seconds"]) >= {"read", "extract", "dedup", "decontaminate", "compile", "self_check", "crux"}
    ok1 = splits.train[0]
    assert ok1.rewardable is True and ok1.problem.top == "inv" and "```" not in ok1.verilog


def _renamed_copies(tmp_path: Path) -> Path:
    """Ten adder designs (widths 1..10), each also written under other names and spacing."""
    rows = []
    for w in range(1, 11):
        code = ADDER.format(w=w, m=w - 1)
        copy = code.replace(f"add{w}", f"sum_{w}x").replace("a,", "lhs,").replace("a +", "lhs  +")
        copy = copy.replace("b,", "rhs,").replace("+ b", "+   rhs").replace(" s)", " total)").replace("s =", "total =")
        rows.append({"id": f"d{w}", "instruction": f"Add two {w}-bit numbers.", "output": code})
        rows.append({"id": f"d{w}copy", "instruction": f"Sum of two {w}-bit values.", "output": copy})
    path = tmp_path / "adders.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_near_duplicates_are_removed_and_kept_ones_never_cross_the_val_cut(tmp_path):
    corpus = _renamed_copies(tmp_path)
    near = prepare(PrepConfig(path=str(corpus), fields=FIELDS, check="none", decontaminate=False,
                              val_fraction=0.5), "", [], tmp_path / "cache")
    assert near.report.dropped == {"duplicate": 10} and near.report.kept == 10
    assert all(not t.task_id.endswith("copy") for t in near.train + near.val)
    exact = prepare(PrepConfig(path=str(corpus), fields=FIELDS, check="none", decontaminate=False,
                               val_fraction=0.5, dedup="exact"), "", [], tmp_path / "cache")
    assert exact.report.kept == 20 and exact.train and exact.val
    side: dict[str, set[str]] = {}
    for t in exact.train + exact.val:
        side.setdefault(design_key(t.verilog), set()).add(t.split)
    assert len(side) == 10 and all(len(s) == 1 for s in side.values())  # a design and its copy: one side


def test_the_cache_is_reused_while_file_and_settings_match_and_never_served_stale(tmp_path):
    corpus = _renamed_copies(tmp_path)
    cfg = PrepConfig(path=str(corpus), fields=FIELDS, check="none", decontaminate=False)
    first = prepare(cfg, "", [], tmp_path / "cache")
    again = prepare(cfg, "", [], tmp_path / "cache")
    assert not first.report.reused and again.report.reused and again.folder == first.folder
    assert [t.task_id for t in again.train] == [t.task_id for t in first.train]
    other = prepare(PrepConfig(path=str(corpus), fields=FIELDS, check="none", decontaminate=False,
                               val_fraction=0.5), "", [], tmp_path / "cache")
    assert not other.report.reused and other.folder != first.folder
    with corpus.open("a") as f:  # same path, new content
        f.write(json.dumps({"id": "new", "instruction": "An inverter.", "output": "module inv(input a, "
                            "output y); assign y = ~a; endmodule"}) + "\n")
    grown = prepare(cfg, "", [], tmp_path / "cache")
    assert not grown.report.reused and "new" in [t.task_id for t in grown.train + grown.val]


def test_bad_input_names_file_line_field_key_and_reasons(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"instruction": "x", "output": "module m(input a, output y); assign y = a; endmodule"}\n'
                    '{"instruction": "broken\n'
                    '[1, 2]\n')
    result = prepare(PrepConfig(path=str(path), fields=FIELDS, check="none", decontaminate=False), "", [],
                     tmp_path / "cache")
    assert result.report.kept == 1 and result.report.dropped == {"bad_json": 2}
    assert [b.split(": ")[0] for b in result.report.bad_lines] == [f"{path}:2", f"{path}:3"]
    with pytest.raises(ValueError, match=r"no row has the field 'prompt' for the spec.*data\.fields\.spec=NAME"):
        prepare(PrepConfig(path=str(path), fields={"spec": "prompt", "reference": "output"}, check="none"), "",
                [], tmp_path / "cache")
    dead = tmp_path / "dead.jsonl"
    dead.write_text('{"instruction": "x", "output": "no code here"}\n{"instruction": "y", "output": ""}\n')
    with pytest.raises(ValueError, match=r"no row of 2 survived preparation \((missing_reference: 1, no_module: 1"
                                         r"|no_module: 1, missing_reference: 1)\)"):
        _source(tmp_path, dead, check="none").load()


def test_grpo_leaves_out_prompts_whose_reference_failed_its_self_check():
    from crux_program.data.triplet import Triplet
    from optimizers.grpo.compiler import prompt_examples

    code = "module inv(input a, output y); assign y = ~a; endmodule\n"
    ok, bad, unknown = (Triplet(task_id=i, spec="An inverter.", verilog=code, self_check=c).to_example()
                        for i, c in (("ok", "pass"), ("bad", "timeout"), ("unknown", None)))
    assert [ex.task_id for ex in prompt_examples([ok, bad, unknown], [], "train")] == ["ok", "unknown"]
    with pytest.raises(ValueError, match="no reference in the split passed"):
        prompt_examples([bad], [], "train")
