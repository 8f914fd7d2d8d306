"""The one Hydra entry point: compose the config, build typed objects, call plain Python.

    python run.py                                          # the default job (see conf/config.yaml)
    python run.py data=verilog_eval data.limit=5 lm=tiny   # a quick offline evaluation
    python run.py lm=openai lm.model=NAME lm.api_base=http://localhost:8000/v1
    python run.py -m program=crux,direct data.limit=2 compiler=none   # a sweep, ending with one summary table

Hydra stops here: packages receive dataclasses (LMConfig, SimConfig, EvalConfig, data sources, compilers),
never a DictConfig. A task is a plain function `(cfg, run_dir) -> float | None` in TASKS; later tasks
(make_data, the two-stage main job) register themselves there. `main` returns the task's optimized metric
so that sweepers can use it. A user's mistake (`crux_program.errors.UserError`) ends the run with its message
and exit status 2, without a traceback (HYDRA_FULL_ERROR=1 shows it).
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Callable

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from crux_program.errors import UserError
from optimizers.time_budget import Budget

REPO_ROOT = Path(__file__).resolve().parent
log = logging.getLogger("run")


def _register_resolvers() -> None:
    """${repo_root:} anchors paths at this repository; ${run_token:} is unique per process (pid + random), so
    two runs started in the same second get different folders. Registered once per process: run.py may be
    imported a second time (as `run`, for the sweep callback) and must not change the token mid-run."""
    if not OmegaConf.has_resolver("repo_root"):
        OmegaConf.register_new_resolver("repo_root", lambda rel="": str((REPO_ROOT / rel).resolve()))
    if not OmegaConf.has_resolver("run_token"):
        token = f"{os.getpid()}-{secrets.token_hex(2)}"
        OmegaConf.register_new_resolver("run_token", lambda: token)


_register_resolvers()


# ---------------------------------------------------------------- building typed objects from the config
def lm_config(lm_cfg: DictConfig | dict):
    """The LMConfig dataclass of `lm` (or of a bare mapping such as program.predictor_lms.X={kind: openai, ...})."""
    from crux_program.lm.config import LMConfig

    if isinstance(lm_cfg, DictConfig) and "_target_" in lm_cfg:
        return instantiate(lm_cfg)
    values = OmegaConf.to_container(lm_cfg, resolve=True) if isinstance(lm_cfg, DictConfig) else dict(lm_cfg)
    values.pop("_target_", None)
    values.pop("_convert_", None)
    return LMConfig.from_mapping(values)


def build_lm(lm_cfg: DictConfig | dict, texts=None):
    """LMConfig (dataclass) -> dspy.LM, through crux_program.lm (`texts`: the tiny model's tokenizer corpus)."""
    from crux_program.lm import build_lm as make

    return make(lm_config(lm_cfg), texts=texts)


def build_program(program_cfg: DictConfig, lm=None, with_state: bool = True):
    """The DSPy program, with per-predictor LMs bound and a saved state (`program.state`) loaded when configured.

    lm: the run's LM, which a compiled checkpoint in program.state is rebound through (lm.with_model).
    """
    program = instantiate(program_cfg.module)
    predictors = dict(program.named_predictors())
    for name, lm_cfg in (program_cfg.get("predictor_lms") or {}).items():
        if name not in predictors:
            raise UserError(f"program.predictor_lms.{name}: {type(program).__name__} has no predictor {name!r}; "
                            f"its predictors are {sorted(predictors)}")
        predictors[name].lm = build_lm(lm_cfg)
    if with_state and program_cfg.get("state"):
        from crux_program.evaluation.program_state import load_program_state

        program = load_program_state(program, str(program_cfg.state), lm)
    return program


def labels_of(cfg: DictConfig, compiler: str | None = None) -> dict[str, str]:
    """Short names of what ran, for metrics.json, reports and sweep tables (`compiler`: the one that ran)."""
    lm = cfg.lm.get("model") or cfg.lm.get("kind", "?")
    return {"program": str(cfg.program.name), "lm": f"{cfg.lm.get('kind', '?')}:{lm}" if cfg.lm.get("model")
            else str(lm), "data": str(cfg.data.name), "compiler": compiler or _compiler_name(cfg)}


def _compiler_name(cfg: DictConfig) -> str:
    choice = HydraConfig.get().runtime.choices.get("compiler") if HydraConfig.initialized() else None
    return str(choice or cfg.compiler.get("name") or cfg.compiler["_target_"].rsplit(".", 1)[-1])


def _compiler_chosen(cfg: DictConfig) -> bool:
    """Whether the command line (or an experiment preset) picked the compiler, rather than config.yaml's default."""
    if not HydraConfig.initialized():
        return True
    keys = {o.split("=", 1)[0].lstrip("+~") for o in HydraConfig.get().overrides.task}
    return bool(keys & {"compiler", "experiment"})


# ---------------------------------------------------------------- tasks: plain functions of (cfg, run_dir)
def eval_task(cfg: DictConfig, run_dir: Path) -> float:
    """Compile the program on the data's train split, then evaluate it on the test problems.

    With `task.compare_stages=true` (the main job) the program is also evaluated before compiling and after
    each intermediate stage of a multi-stage compiler (sft_grpo), on the same problems with the same settings,
    and one table compares them (stages.md). The final program's report is the run folder's own.
    """
    import copy

    import dspy

    from crux_program.evaluation.stages import StageRow, write_stage_table
    from optimizers.artifacts import load_compiled
    from optimizers.none import NoCompiler
    from optimizers.reuse import compile_or_reuse

    from crux_program.evaluation.compile_plan import plan_compile
    from crux_program.lm.openai_compat import check_served

    task_start = time.perf_counter()
    check_served(lm_config(cfg.lm))  # an unreachable server or a missing key stops the run now, not per call
    splits = instantiate(cfg.data).load()
    plan = plan_compile(_compiler_name(cfg), str(cfg.lm.kind), str(cfg.data.name), bool(splits.train))
    if plan.reason:
        log.warning(plan.reason)
    elif plan.trains and not _compiler_chosen(cfg):
        budget_s = cfg.task.get("time_budget_s")
        log.warning("compiler=%s (the default) trains before evaluating%s; add compiler=none to evaluate only.",
                    plan.compiler, f", within task.time_budget_s={budget_s:.0f} s" if budget_s else "")
    if cfg.lm.kind == "hf":  # a model shipped with the manifest of its training data must not see its tests
        from crux_program.lm.base_model import check_disjoint

        check_disjoint(cfg.lm.model, splits.test)
    program = build_program(cfg.program, with_state=False)
    lm = build_lm(cfg.lm, texts=tokenizer_corpus(program, splits.train) if cfg.lm.kind == "tiny" else None)
    dspy.configure(lm=lm)
    if cfg.program.get("state"):  # after the LM: a compiled checkpoint is bound through it (lm.with_model)
        from crux_program.evaluation.program_state import load_program_state

        program = load_program_state(program, str(cfg.program.state), lm)
    compiler = instantiate(cfg.compiler if plan.trains else {"_target_": "optimizers.none.NoCompiler"},
                           run_dir=run_dir / "compiler")
    trains = plan.trains and not isinstance(compiler, NoCompiler)
    compare = bool(cfg.task.get("compare_stages", False)) and trains
    rows: list[StageRow] = []
    compile_seconds: float | None = None

    def evaluate(prog, folder: Path, stage: str, train_seconds: float | None = None) -> StageRow:
        metrics = _evaluate(cfg, prog, splits.test, folder, lm, stage, plan.compiler)
        rows.append(StageRow.from_metrics(stage, folder, metrics, train_seconds))
        return rows[-1]

    eval_seconds = None
    if compare:
        started = time.perf_counter()
        first = "untrained" if cfg.lm.kind == "tiny" else "base"  # a random-initialised model, or a trained one
        evaluate(program, run_dir / "stages" / first, first)
        eval_seconds = time.perf_counter() - started
    budget: Budget | None = None  # None: the compiler's own caps
    if trains and cfg.task.get("time_budget_s"):
        unseen_share = min(int(cfg.task.get("unseen_limit") or 0), len(splits.test)) / max(len(splits.test), 1)
        floor = float(cfg.task.get("eval_reserve_s") or 0.0)  # a first stage that stops early times too short
        budget = compile_budget(compiler, float(cfg.task.time_budget_s), time.perf_counter() - task_start,
                                max(eval_seconds, floor) if eval_seconds is not None else None,
                                extra_evals=unseen_share)
    untrained = copy.deepcopy(program)
    # a finished rerun trains nothing
    outcome = compile_or_reuse(compiler, program, splits.train, splits.val, budget=budget)
    program, compile_seconds = outcome.program, outcome.seconds
    stages = list(getattr(compiler, "stages", []) or [])
    if compare:
        for stage in stages[:-1]:  # the last stage is the returned program, evaluated below
            staged = load_compiled(copy.deepcopy(untrained), Path(stage.run_dir), lm=lm)
            evaluate(staged, run_dir / "stages" / stage.name, stage.name, stage.seconds)
            release_lms(staged, keep=lm)  # a GPU holds one stage's weights at a time, not every stage's
    # single-stage compilers report no stages: their train time is the whole compile() call
    evaluate(program, run_dir, stages[-1].name if stages else plan.compiler,
             stages[-1].seconds if stages and trains else compile_seconds if trains else None)
    if cfg.task.get("unseen_limit") and trains:  # the final program on designs of families it never saw
        unseen = _unseen_problems(cfg)
        if unseen:
            metrics = _evaluate(cfg, program, unseen, run_dir / "test_unseen", lm, f"{rows[-1].stage} test_unseen",
                                plan.compiler)
            rows.append(StageRow.from_metrics(f"{rows[-1].stage} (test_unseen)", run_dir / "test_unseen", metrics))
    if compare:
        print("\n" + write_stage_table(run_dir, rows), flush=True)
    if cfg.task.get("export_model"):
        _export_model(cfg, run_dir, splits.train)
    return float(json.loads((run_dir / "metrics.json").read_text())[cfg.task.optimized_metric])


def _unseen_problems(cfg: DictConfig) -> list:
    """`task.unseen_limit` problems of the data's test_unseen split (families never trained on); none when the
    data has no such split or the run already tests on it."""
    if "test_split" not in cfg.data or cfg.data.test_split != "test_seen":
        return []
    try:
        return list(instantiate(cfg.data, test_split="test_unseen", limit=int(cfg.task.unseen_limit)).load().test)
    except UserError as err:  # e.g. no held-out families: there is no test_unseen split to report
        log.info("No test_unseen row: %s", err)
        return []


def _export_model(cfg: DictConfig, run_dir: Path, train) -> None:
    """`task.export_model=PATH`: copy the compiled checkpoint there with the manifest of its training data."""
    from optimizers.artifacts import read_manifest
    from crux_program.lm.base_model import export_base_model, training_data_of

    manifest = read_manifest(run_dir / "compiler")
    if not manifest.model_path:
        raise UserError("task.export_model: the compiler trained no model weights to export (use compiler=sft)")
    data = OmegaConf.to_container(cfg.data, resolve=True)
    data.pop("_target_", None)
    training = training_data_of(train, f"compiler={_compiler_name(cfg)} on the {cfg.program.name} program over "
                                       f"data={cfg.data.name}'s train split ({len(train)} examples)", data)
    target = export_base_model(Path(manifest.model_path), Path(str(cfg.task.export_model)), training)
    print(f"exported the trained model to {target}", flush=True)


def release_lms(program, keep) -> None:
    """Close the LMs a stage's program was bound to (not `keep`, the run's own), so their weights can go."""
    for pred in program.predictors():
        if pred.lm is not None and pred.lm is not keep and hasattr(pred.lm, "close"):
            pred.lm.close()
        pred.lm = None
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:
        pass


def compile_budget(compiler, budget_s: float, spent_s: float, eval_s: float | None,
                   extra_evals: float = 0.0) -> Budget | None:
    """`task.time_budget_s`: the `Budget` compile() gets so that the whole task fits, or None when the
    compiler's own time caps already fit (or it has none). None rather than a roomy budget, so that caps that fit
    stay exactly as configured: a first stage that overran its cap (loading, saving) does not shorten the next.

    What is left after `spent_s` (data, model, the untrained evaluation) goes to compiling, less one more
    evaluation per stage, each reserved at the untrained evaluation's measured time (an upper bound: an
    untrained model writes `max_tokens` of noise in every call, a trained one stops). Caps are only ever
    lowered, so a fast machine keeps the configured stage times; training bounded by steps is never cut.
    extra_evals: further evaluations after the last stage, in units of the untrained one (test_unseen's share).
    """
    cap = compiler.time_cap()
    if cap is None:
        log.info("task.time_budget_s=%.0f: the compiler is not bounded by time, so the budget cannot be kept.",
                 budget_s)
        return None
    evals_after = (len(getattr(compiler, "stage_names", ())) or 1) + extra_evals
    if eval_s is None:
        log.warning("task.time_budget_s=%.0f: no evaluation was timed (task.compare_stages=false), so none is "
                    "reserved and the final evaluation runs past the budget. Set task.compare_stages=true to "
                    "have it measured and kept inside.", budget_s)
    reserve = evals_after * (eval_s or 0.0) * 1.1
    left = budget_s - spent_s - reserve
    if left >= cap:
        log.info("Time budget %.0f s: %.0f s spent, %.0f s reserved for %.1f evaluation(s); the compiler's own %.0f s "
                 "fit.", budget_s, spent_s, reserve, evals_after, cap)
        return None
    log.warning("Time budget %.0f s (task.time_budget_s; null lifts it): %.0f s spent, %.0f s reserved for %.1f "
                "evaluation(s), so compiling gets %.0f s instead of its configured %.0f s. A faster machine "
                "trains longer.", budget_s, spent_s, reserve, evals_after, max(left, 0.0), cap)
    return Budget.starting_now(max(left, 0.0))


def tokenizer_corpus(program, train) -> list[str] | None:
    """The training split as the program's adapter renders it (prompts and answers), for a tiny model's
    tokenizer; None (the built-in corpus) when there is no training split."""
    if not train:
        return None
    from optimizers.render import render_examples

    return [m["content"] for row in render_examples(program, train) for m in row.prompt + row.completion]


def _evaluate(cfg: DictConfig, program, problems, folder: Path, lm, stage: str, compiler: str):
    from crux_program.evaluation import evaluate_program

    labels = {**labels_of(cfg, compiler), "stage": stage}
    metrics = evaluate_program(program, problems, folder, config=instantiate(cfg.task.eval),
                               sim_config=instantiate(cfg.sim), lm=lm, labels=labels)
    print(f"{folder} [{stage}]: " + ", ".join(f"{k} = {v:.4f}" for k, v in metrics.pass_at_k.items())
          + f" over {metrics.n_problems} problems ({metrics.n_samples} samples)", flush=True)
    return metrics


def make_data_task(cfg: DictConfig, run_dir: Path) -> float:
    """Build the `data=` dataset (e.g. data=synthetic), print and save its summary table; returns its size."""
    from crux_program.data.make_dataset import summary_table

    source = instantiate(cfg.data)
    if not hasattr(source, "build"):
        raise UserError(f"task=make_data builds a dataset, but data={cfg.data.name} is read in place; "
                         "use data=synthetic (or another data source with a build step)")
    summary = source.build(progress=bool(cfg.task.get("progress", False)))
    table = summary_table(summary)
    (run_dir / "summary.txt").write_text(table + "\n", encoding="utf-8")
    print(table, flush=True)
    return float(summary.total)


TASKS: dict[str, Callable[[DictConfig, Path], float | None]] = {"eval": eval_task, "make_data": make_data_task}


def run(cfg: DictConfig, run_dir: Path) -> float | None:
    """Write the resolved config into run_dir and run the configured task (callable without Hydra's main)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True), encoding="utf-8")
    name = cfg.task.name
    if name not in TASKS:
        raise UserError(f"task={name} is not known to run.py; known tasks: {sorted(TASKS)}")
    return TASKS[name](cfg, run_dir)


class SweepSummaryCallback(Callback):
    """At the end of a -m sweep, print and write one table across the runs (see conf/hydra/default.yaml)."""

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        from crux_program.evaluation.multirun import summarize_sweep

        summarize_sweep(Path(config.hydra.sweep.dir))


@hydra.main(config_path="conf", config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> float | None:
    from crux_program.evaluation.incomplete import EXIT_INCOMPLETE, IncompleteEvaluation

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        return run(cfg, run_dir)
    except IncompleteEvaluation as exc:  # metrics.json and the report are written, marked incomplete
        print(f"\n{exc.describe(run_dir)}", file=sys.stderr)
        sys.exit(EXIT_INCOMPLETE)
    except KeyboardInterrupt:
        # Samples and verdicts are on disk as they were produced; say how to pick them up, not a traceback.
        print(f"\ninterrupted: what was produced is in {run_dir}; rerun with hydra.run.dir={run_dir} and the same "
              "overrides to resume (finished compiler stages and verdicts are reused)", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # a user's mistake ends with its message alone; anything else keeps its traceback
        message = user_message(exc)
        if message is None or os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        report_user_error(message)
        sys.exit(2)


def user_message(exc: BaseException) -> str | None:
    """The one-line message of a user's mistake behind `exc` (a UserError, or a config value left at ???)."""
    from omegaconf.errors import MissingMandatoryValue

    from crux_program.errors import user_error_in

    error = user_error_in(exc)
    if error is not None:
        return str(error)
    while exc is not None:
        if isinstance(exc, MissingMandatoryValue):
            key = getattr(exc, "full_key", None) or "a required value"
            return f"{key} has no value: add {key}=... to the command (conf/ marks it ???)"
        exc = exc.__cause__ or exc.__context__
    return None


def report_user_error(message: str) -> None:
    """Print `error: message` and the traceback hint on stderr, and keep the message in the run's log file."""
    print(f"error: {message}\n(HYDRA_FULL_ERROR=1 shows the traceback)", file=sys.stderr, flush=True)
    record = log.makeRecord(log.name, logging.ERROR, __file__, 0, message, None, None)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):  # run.log: the console already has it
            handler.handle(record)


if __name__ == "__main__":
    main()
