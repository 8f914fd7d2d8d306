"""conf/compiler/{grpo,sft_grpo}.yaml and the ablation presets compose and instantiate into typed compilers."""
from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from optimizers.grpo.compiler import GRPOCompiler
from optimizers.sft_grpo import SFTGRPOCompiler
from sim.config import SimConfig

CONF = Path(__file__).resolve().parents[2] / "conf"


def composed(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=True)


def test_grpo_config_gives_the_paper_defaults(tmp_path):
    compiler = instantiate(composed("compiler=grpo").compiler, run_dir=tmp_path)
    assert isinstance(compiler, GRPOCompiler) and isinstance(compiler.sim, SimConfig)
    s = compiler.settings
    assert (s.num_generations, s.beta, s.spaces, s.schedule.kind) == (5, 0.0, ["crux", "code"], "linear")
    assert s.per_device_train_batch_size == 10


def test_sft_grpo_builds_each_stage_in_its_own_folder(tmp_path):
    compiler = instantiate(composed("compiler=sft_grpo", "compiler.grpo.settings.spaces=[code]").compiler,
                           run_dir=tmp_path)
    assert isinstance(compiler, SFTGRPOCompiler)
    grpo = compiler.grpo_factory(run_dir=tmp_path / "grpo")
    assert grpo.settings.spaces == ["code"] and grpo.run_dir == tmp_path / "grpo"
    assert compiler.sft_factory(run_dir=tmp_path / "sft").run_dir == tmp_path / "sft"


@pytest.mark.parametrize("preset, key, values", [
    ("ablation_compilers", "compiler", "none,sft,grpo,sft_grpo"),
    ("ablation_spaces", "compiler.grpo.settings.spaces", "[code],[crux,code]"),
    ("ablation_schedule", "compiler.grpo.settings.schedule.kind", "fixed,linear,cosine,step"),
    ("ablation_rollouts", "compiler.grpo.settings.num_generations", "2,5,8"),
])
def test_ablation_presets_compose_and_sweep(preset, key, values, tmp_path):
    cfg = composed(f"experiment={preset}")
    assert cfg.hydra.sweeper.params[key] == values
    first = values.split(",")[0] if not values.startswith("[") else "[code]"
    one = composed(f"experiment={preset}", f"{key}={first}")  # what one job of the sweep composes
    instantiate(one.compiler, run_dir=tmp_path)


def test_grpo_prompts_come_from_the_chosen_split(tmp_path):
    import dspy

    from optimizers.grpo.compiler import prompt_examples
    from optimizers.grpo.settings import GRPOSettings

    train = [dspy.Example(task_id=f"t{i}") for i in range(3)]
    val = [dspy.Example(task_id="v0")]
    assert [e.task_id for e in prompt_examples(train, val, "train")] == ["t0", "t1", "t2"]
    assert [e.task_id for e in prompt_examples(train, val, "val")] == ["v0"]
    assert len(prompt_examples(train, val, "both")) == 4
    with pytest.raises(ValueError, match="prompts='val' but that split is empty"):
        prompt_examples(train, None, "val")
    with pytest.raises(ValueError, match="use train, val, both or auto"):
        GRPOSettings(prompts="test")
    assert instantiate(composed("compiler=grpo").compiler, run_dir=tmp_path).settings.prompts == "train"
    compiler = instantiate(composed("compiler=sft_grpo", "compiler.grpo.settings.prompts=val").compiler,
                           run_dir=tmp_path)
    assert compiler.grpo_factory(run_dir=tmp_path).settings.prompts == "val"


def test_reward_simulations_leave_room_for_a_hung_rollout(tmp_path):
    """A hung rollout costs its group a group run and a run alone; the group deadline must hold both, so the
    reward verifier caps each simulation below the evaluation's official 30 s."""
    from optimizers.grpo.settings import GRPOSettings

    compiler = instantiate(composed("compiler=grpo").compiler, run_dir=tmp_path)
    assert compiler.sim.timeout_s == 30.0  # evaluation keeps the official limit
    verifier = compiler._new_verifier()
    try:
        assert verifier.config.timeout_s == compiler.settings.sim_timeout_s == 10.0
        assert compiler.settings.group_timeout_s >= 2 * verifier.config.timeout_s + 10
    finally:
        verifier.close()
    with pytest.raises(ValueError, match="Raise group_timeout_s to at least 70"):
        GRPOSettings(group_timeout_s=60, sim_timeout_s=30)
