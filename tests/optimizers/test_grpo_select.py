"""Prompt selection (DAPO's dynamic sampling done up front): which probed groups are kept, the probe log
that a rerun resumes from, the probe budget and the fall-back when nothing disagrees."""
from __future__ import annotations

import json

import pytest

from optimizers.grpo.dataset import GRPOPrompt
from optimizers.grpo.select import ProbedGroup, ProbeLog, SelectionSettings, select_prompts
from sim.result import RewardParts


def rows(n: int) -> list[GRPOPrompt]:
    return [GRPOPrompt("code" if i % 2 else "crux", f"t{i}", f"spec {i}", [{"role": "user", "content": f"p{i}"}])
            for i in range(n)]


class CountingSampler:
    """Returns k fixed completions per row and remembers which rows it was asked for."""

    def __init__(self, k: int = 3) -> None:
        self.k, self.asked = k, []

    def sample(self, batch):
        self.asked += [r.task_id for r in batch]
        return [[f"{r.task_id}-{j}" for j in range(self.k)] for r in batch]


def scripted(kind: dict[str, str]):
    """score_group whose groups are 'same' (all equal), 'partial' (format varies, functional 0) or 'mixed'
    (functional varies) per task id."""

    def score(space, task_id, texts):
        how = kind.get(task_id, "same")
        return [RewardParts(format=1.0 if (how != "same" and j == 0) else 0.5, compile=0.0,
                            functional=float(how == "mixed" and j == 0)) for j in range(len(texts))]
    return score


KIND = {"t1": "mixed", "t2": "partial", "t3": "mixed", "t4": "same", "t5": "partial"}


def test_varies_reads_all_components_or_only_functional():
    same = ProbedGroup("code", "a", [(1.0, 1.0, 0.0), (1.0, 1.0, 0.0)])
    partial = ProbedGroup("code", "a", [(1.0, 1.0, 0.0), (0.0, 1.0, 0.0)])
    mixed = ProbedGroup("code", "a", [(1.0, 1.0, 1.0), (1.0, 1.0, 0.0)])
    unscored = ProbedGroup("crux", "a", [(1.0, 0.5, None), (1.0, 0.5, None)])
    assert [g.varies("signal") for g in (same, partial, mixed, unscored)] == [False, True, True, False]
    assert [g.varies("functional") for g in (same, partial, mixed, unscored)] == [False, False, True, False]


@pytest.mark.parametrize("keep,expected", [("signal", ["t1", "t2", "t3", "t5"]), ("functional", ["t1", "t3"])])
def test_keeps_the_prompts_whose_rollouts_disagree_in_order(tmp_path, keep, expected):
    sampler = CountingSampler()
    kept, report = select_prompts(rows(6), sampler, scripted(KIND), SelectionSettings(keep=keep, batch_prompts=4),
                                  ProbeLog(tmp_path / "probe.jsonl", {"model": "m"}))
    assert [r.task_id for r in kept] == expected
    assert (report.candidates, report.probed, report.kept, report.fell_back) == (6, 6, len(expected), False)
    assert sum(report.kept_by_space.values()) == len(expected)
    lines = (tmp_path / "probe.jsonl").read_text().splitlines()
    assert json.loads(lines[0]) == {"model": "m"} and len(lines) == 7, "a header and one line per probed group"


def test_all_keeps_everything_without_probing(tmp_path):
    sampler = CountingSampler()
    kept, report = select_prompts(rows(4), sampler, scripted(KIND), SelectionSettings(keep="all"),
                                  ProbeLog(tmp_path / "probe.jsonl", {}))
    assert len(kept) == 4 and sampler.asked == [] and report.probed == 0
    assert not (tmp_path / "probe.jsonl").exists()


def test_a_rerun_resumes_from_the_log_and_a_new_model_starts_over(tmp_path):
    path = tmp_path / "probe.jsonl"
    first = CountingSampler()
    select_prompts(rows(4), first, scripted(KIND), SelectionSettings(keep="signal"), ProbeLog(path, {"model": "m"}))
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:3]) + "\n")  # interrupted after two groups
    again = CountingSampler()
    kept, report = select_prompts(rows(4), again, scripted(KIND), SelectionSettings(keep="signal"),
                                  ProbeLog(path, {"model": "m"}))
    assert again.asked == ["t2", "t3"] and report.resumed == 2 and [r.task_id for r in kept] == ["t1", "t2", "t3"]
    other = CountingSampler()
    select_prompts(rows(4), other, scripted(KIND), SelectionSettings(keep="signal"), ProbeLog(path, {"model": "n"}))
    assert other.asked == ["t0", "t1", "t2", "t3"], "another model's probes are not reused"


def test_spent_budget_or_no_disagreement_falls_back_to_every_prompt(tmp_path):
    sampler = CountingSampler()
    kept, report = select_prompts(rows(4), sampler, scripted(KIND), SelectionSettings(keep="signal", max_probe_s=0),
                                  ProbeLog(tmp_path / "a.jsonl", {}))
    assert sampler.asked == [] and report.fell_back and len(kept) == 4
    kept, report = select_prompts(rows(4), CountingSampler(), scripted({}), SelectionSettings(keep="functional"),
                                  ProbeLog(tmp_path / "b.jsonl", {}))
    assert report.probed == 4 and report.fell_back and len(kept) == 4


def test_settings_reject_unknown_rules():
    with pytest.raises(ValueError, match="keep"):
        SelectionSettings(keep="best")


def test_fill_batch_repeats_a_small_selection_to_one_full_batch():
    from optimizers.grpo.dataset import fill_batch

    three = rows(3)
    assert [r.task_id for r in fill_batch(three, 8)] == ["t0", "t1", "t2"] * 2 + ["t0", "t1"]
    assert fill_batch(three, 2) == three and fill_batch([], 4) == []


def test_the_probe_header_changes_when_the_weights_are_rewritten(tmp_path):
    """sft_grpo rerun into the same folder rewrites the SFT checkpoint at the same path: old probes must go."""
    import os

    from crux_program.evaluation.fingerprint import weights_stamp as _weights_stamp

    (tmp_path / "model.safetensors").write_bytes(b"old weights")
    (tmp_path / "config.json").write_text("{}")
    before = _weights_stamp(tmp_path)
    assert [name for name, *_ in before] == ["model.safetensors"]
    (tmp_path / "model.safetensors").write_bytes(b"new weights")
    os.utime(tmp_path / "model.safetensors", ns=(1, 1))  # even a file of the same size gets a new stamp
    assert _weights_stamp(tmp_path) != before


def test_a_probe_log_whose_header_holds_tuples_and_paths_reads_its_own_groups_back(tmp_path):
    header = {"model": tmp_path / "model", "spaces": ("crux", "code"), "weights": [["a.safetensors", 1, 2]]}
    group = ProbedGroup("code", "t0", [(1.0, 1.0, 0.5)])
    log = ProbeLog(tmp_path / "probe.jsonl", header)
    log.start({})
    log.append(group)
    loaded = ProbeLog(tmp_path / "probe.jsonl", dict(header)).load()  # a rerun with the same settings
    assert list(loaded) == [("code", "t0")] and loaded[("code", "t0")].rewards == [[1.0, 1.0, 0.5]]
    assert ProbeLog(tmp_path / "probe.jsonl", {**header, "spaces": ("code",)}).load() == {}  # other settings
