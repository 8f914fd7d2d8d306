"""Measure what `compiler=sft` buys on the synthetic curriculum: pass@1 before and after, and the wall time.

    python -m benches.sft_lift --data outputs/data/synthetic_seed0 --out outputs/benches/sft_lift

Builds the tiny model with its tokenizer trained on the curriculum's rendered training rows, evaluates the
untrained program greedily (pass@1, n=1, temperature 0) on test_seen (seen families, unseen parameters) and
test_unseen (unseen families), runs the SFT compiler with the settings given, evaluates again, and writes
`bench.json`. The compiler, rendering and simulator are the ones run.py uses; only the orchestration is here.
Prints (and writes to OUT/bench.json) pass@1 per split before and after SFT: the lift is `after - before` on
each split; test_seen says what the model learnt of the families it trained on, test_unseen whether it carries
over. Also the SFT report (steps, losses) and the wall time of training and of each evaluation.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


def pass_at_1(program, examples, verifier, threads: int) -> float:
    """Greedy pass@1 of program on examples through the simulator."""
    preds = program.batch([ex for ex in examples], num_threads=threads, disable_progress_bar=True,
                          max_errors=len(examples) + 1)
    items = [(ex.problem, getattr(p, "verilog", "") or "") for ex, p in zip(examples, preds)]
    results = verifier.check_many(items)
    return 100.0 * sum(r.passed for r in results) / max(len(results), 1)


def main(argv: list[str] | None = None) -> dict:
    from crux_program.data.triplet import read_jsonl
    from crux_program.lm.local import LocalLM
    from crux_program.lm.tiny import build_tiny_model
    from crux_program.modules import CruxPipeline, DirectVerilog
    from optimizers.config import SFTSettings
    from optimizers.render import render_examples
    from optimizers.sft import SFTCompiler
    from sim.config import SimConfig
    from sim.core import Verifier

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="folder written by python -m crux_program.data")
    p.add_argument("--out", default="outputs/benches/sft_lift")
    p.add_argument("--program", choices=["crux", "direct"], default="crux")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--vocab", type=int, default=4096)
    p.add_argument("--pretokenizer", choices=["qwen2", "identifier"], default="qwen2")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--optimizer", choices=["adamw", "muon"], default="adamw")
    p.add_argument("--schedule", default="cosine", choices=["cosine", "linear", "constant", "warmup_stable_decay"],
                   help="learning-rate shape after warmup (over the clock with --max-time-s)")
    p.add_argument("--decay-fraction", type=float, default=0.2, help="warmup_stable_decay: share spent decaying")
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--max-steps", type=int, default=-1)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--max-length", type=int, default=1024)
    p.add_argument("--train-limit", type=int, default=None)
    p.add_argument("--test-limit", type=int, default=100)
    p.add_argument("--max-tokens", type=int, default=400)
    p.add_argument("--threads", type=int, default=32)
    p.add_argument("--precision", choices=["auto", "fp32", "bf16"], default="auto")
    p.add_argument("--max-time-s", type=float, default=None, help="wall-clock cap on SFT")
    p.add_argument("--skip-before", action="store_true", help="do not evaluate the untrained model")
    p.add_argument("--seed", type=int, default=0, help="order of the training rows (the model's init is fixed)")
    p.add_argument("--no-group-by-length", dest="group_by_length", action="store_false",
                   help="uniformly random batches instead of length-grouped ones")
    a = p.parse_args(argv)

    start = time.perf_counter()
    out = Path(a.out)
    data = Path(a.data)
    train = [t.to_example() for t in read_jsonl(data / "train.jsonl")][: a.train_limit]
    tests = {s: [t.to_example() for t in read_jsonl(data / f"{s}.jsonl")][: a.test_limit]
             for s in ("test_seen", "test_unseen")}
    program_cls = CruxPipeline if a.program == "crux" else DirectVerilog
    rows = render_examples(program_cls(), train)
    texts = [m["content"] for r in rows for m in r.prompt + r.completion]
    model = build_tiny_model(out / "tiny", texts=texts, vocab_size=a.vocab, hidden_size=a.hidden,
                             num_layers=a.layers, num_heads=a.heads, pretokenizer=a.pretokenizer)
    lm = LocalLM(model, device="cpu", max_tokens=a.max_tokens, batch_size=32, batch_window_ms=50)
    program = program_cls()
    program.set_lm(lm)
    figures: dict = {"args": vars(a)}
    with Verifier(SimConfig(jobs=0, diff_cycles=200, timeout_s=60)) as verifier:
        if not a.skip_before:
            figures["before"] = {s: pass_at_1(program, ex, verifier, a.threads) for s, ex in tests.items()}
            print("untrained:", figures["before"], flush=True)
        settings = SFTSettings(lora=False, learning_rate=a.lr, optimizer=a.optimizer, num_train_epochs=a.epochs,
                               max_steps=a.max_steps, per_device_train_batch_size=a.batch, max_length=a.max_length,
                               device="cpu", precision=a.precision, max_time_s=a.max_time_s, logging_steps=20,
                               seed=a.seed, group_by_length=a.group_by_length, lr_scheduler_type=a.schedule,
                               decay_fraction=a.decay_fraction)
        compiler = SFTCompiler(settings, out / "sft")
        t0 = time.perf_counter()
        tuned = compiler.compile(program, train)
        figures["sft_seconds"] = round(time.perf_counter() - t0, 1)
        figures["sft_report"] = asdict(compiler.report)
        print("sft:", figures["sft_report"], flush=True)
        t0 = time.perf_counter()
        figures["after"] = {s: pass_at_1(tuned, ex, verifier, a.threads) for s, ex in tests.items()}
        figures["eval_seconds_after"] = round(time.perf_counter() - t0, 1)
    figures["total_seconds"] = round(time.perf_counter() - start, 1)
    print("after SFT:", figures["after"], f"total {figures['total_seconds']} s", flush=True)
    (out / "bench.json").write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
