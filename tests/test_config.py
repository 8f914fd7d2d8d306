"""Every config group option and every experiment preset composes and instantiates into typed objects
(lightning-hydra-template style: compose the real config, shrink it, point outputs at tmp_path)."""
from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import OmegaConf

import run
from crux_program.data.sources import DataSplits
from crux_program.evaluation.config import EvalConfig
from crux_program.lm.config import LMConfig
from optimizers.base import Compiler
from sim.config import SimConfig

CONF = Path(run.__file__).resolve().parent / "conf"
# Values a user must give (marked ??? in the yaml); dummy ones are enough to build the typed objects.
REQUIRED = {"lm": ["lm.model=some/model"], "data": []}


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def compose_config(overrides: list[str], tmp_path: Path):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose("config", overrides=[f"paths.outputs={tmp_path}", *overrides], return_hydra_config=True)


def build_all(cfg, tmp_path: Path) -> None:
    """Instantiate every typed object run.py builds (without loading a model or simulating)."""
    assert isinstance(instantiate(cfg.lm), LMConfig)
    assert isinstance(instantiate(cfg.sim), SimConfig)
    if "eval" in cfg.task:  # evaluating tasks; others (make_data) have their own settings
        assert isinstance(instantiate(cfg.task.eval), EvalConfig)
    assert isinstance(instantiate(cfg.compiler, run_dir=tmp_path / "compiler"), Compiler)
    program = instantiate(cfg.program.module)
    fixed_prompt = type(program).__module__.startswith("crux_program.fixed_prompts")  # sends its own text
    assert list(program.named_predictors()) or fixed_prompt, "the program has no predictors"
    source = instantiate(cfg.data)
    assert source.name == cfg.data.name
    job_cfg = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"])  # what run.py's task receives
    OmegaConf.to_yaml(job_cfg, resolve=True)  # every interpolation resolves (run.py writes this as config.yaml)
    assert Path(cfg.hydra.run.dir).is_relative_to(tmp_path)


def test_default_config_is_the_main_job_and_loads_problems(tmp_path):
    # The main job: the curriculum (a small one here, compile-checked only, to keep the test fast),
    # the two-stage compiler, and a per-stage comparison table.
    cfg = compose_config(["data.limit=3", "data.synthetic.size=600", "data.synthetic.check=compile"], tmp_path)
    build_all(cfg, tmp_path)
    splits = instantiate(cfg.data).load()
    assert isinstance(splits, DataSplits) and len(splits.test) == 3 and splits.train
    assert {ex.split for ex in splits.train} == {"train"}
    assert cfg.compiler._target_ == "optimizers.sft_grpo.SFTGRPOCompiler" and cfg.task.compare_stages
    assert cfg.task.optimized_metric == "pass@1"


@pytest.mark.parametrize("group", ["lm", "program", "data", "compiler", "sim", "task"])
def test_every_option_of_every_group_builds(tmp_path, group):
    assert options(group), f"conf/{group}/ is empty"
    for option in options(group):
        extra = REQUIRED.get(group, [])
        if group == "data" and option == "jsonl":
            extra = [f"data.path={tmp_path / 'problems.jsonl'}"]
        cfg = compose_config([f"{group}={option}", *extra], tmp_path)
        build_all(cfg, tmp_path)


@pytest.mark.parametrize("preset", options("experiment"))
def test_every_experiment_preset_only_overrides_and_builds(tmp_path, preset):
    text = (CONF / "experiment" / f"{preset}.yaml").read_text()
    assert text.startswith("# @package _global_"), f"{preset}.yaml must start with '# @package _global_'"
    cfg = compose_config([f"experiment={preset}"], tmp_path)
    build_all(cfg, tmp_path)


def test_verilog_eval_sampled_protocol_preset(tmp_path):
    cfg = compose_config(["experiment=verilog_eval_n20"], tmp_path)
    ev = instantiate(cfg.task.eval)
    assert (ev.n_samples, ev.temperature, ev.top_p) == (20, 0.85, 0.95)


def test_paths_are_anchored_at_the_repository_not_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CRUX_BENCHMARKS", raising=False)
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose("config", overrides=["data=verilog_eval"], return_hydra_config=True)
    repo = CONF.parent
    assert Path(cfg.data.path) == (repo.parent / "shared/benchmarks/verilog-eval-v2/dataset_spec-to-rtl").resolve()
    run_dir = Path(cfg.hydra.run.dir)
    assert run_dir.parent == repo / "outputs" / "eval"
    token = OmegaConf.create({"t": "${run_token:}"}).t  # pid + random, the same all through this process
    assert run_dir.name.endswith(token), "the default run folder needs the unique token"


def test_benchmarks_root_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CRUX_BENCHMARKS", str(tmp_path))
    cfg = compose_config(["data=rtllm"], tmp_path)
    assert cfg.data.path == f"{tmp_path}/rtllm-v2-sample"


def test_a_predictor_can_run_on_its_own_lm(tmp_path):
    """The transfer setup: CRUX from model A, code from the run's LM (a config choice, no code)."""
    lm_a = "{kind: openai, model: model-a, api_base: 'http://127.0.0.1:9/v1'}"
    cfg = compose_config(["program=crux", f"+program.predictor_lms.spec_to_crux={lm_a}"], tmp_path)
    program = run.build_program(cfg.program)
    assert "model-a" in program.spec_to_crux.lm.model and program.crux_to_verilog.lm is None
    bad = compose_config(["program=crux", f"+program.predictor_lms.spec_to_code={lm_a}"], tmp_path)
    with pytest.raises(ValueError, match="no predictor 'spec_to_code'.*crux_to_verilog"):
        run.build_program(bad.program)
