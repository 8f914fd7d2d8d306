"""Batched local generation vs one request at a time, side by side in one run: requests per second.

    python -m benches.generation_batching                      # 16 concurrent requests, CPU, tiny model
    python -m benches.generation_batching --threads 1             # on a busy shared machine
    python -m benches.generation_batching --requests 32 --max-tokens 128 --device cuda --model PATH

Both modes use the same LocalLM code, model and prompts, and the same 16 caller threads; the only difference
is the batch size of the engine (1 = one `generate` per request). Decoding is greedy, so both modes produce the
same texts (checked) and the same number of tokens, and the ratio measures batching alone. Each mode runs once
to warm up, then `--repeats` times; the median is reported: a table of requests per second and tokens per
second per mode, and the speed-up (batched over one at a time; the target is at least 4x on 16 requests).
DSPy's warnings about truncated answers are expected (random weights rarely emit EOS) and silenced.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

_TASKS = ["a 4-bit counter", "a 2-to-1 multiplexer", "an 8-bit adder", "a shift register", "a sequence detector",
          "a priority encoder", "a 3-to-8 decoder", "a D flip-flop with enable", "a parity generator",
          "a traffic light FSM", "a clock divider", "an edge detector", "a 16-bit ALU", "a debouncer",
          "a gray-code counter", "a FIFO status flag unit"]


@dataclass(frozen=True)
class ModeResult:
    """One mode's figures: median wall seconds, requests/s, generated tokens/s, and the texts produced."""

    name: str
    seconds: float
    requests_per_s: float
    tokens_per_s: float
    generate_calls: int
    texts: tuple[str, ...]


def _prompts(count: int) -> list[str]:
    return [f"Write Verilog for {_TASKS[i % len(_TASKS)]} (variant {i})." for i in range(count)]


def run_mode(name: str, model_path: Path, prompts: list[str], batch_size: int, max_tokens: int, device: str,
             repeats: int) -> ModeResult:
    """Send all prompts from one thread each, `repeats` times after a warm-up; median timing."""
    import logging

    from crux_program.lm.local import LocalLM

    logging.getLogger("dspy.clients.lm").setLevel(logging.ERROR)  # "truncated" warnings: expected here
    lm = LocalLM(model_path, device=device, batch_size=batch_size, batch_window_ms=20.0, max_tokens=max_tokens)
    try:
        def send_all() -> tuple[float, list[str], int]:
            before = lm.stats.calls
            start = time.perf_counter()
            with ThreadPoolExecutor(len(prompts)) as pool:
                texts = [out[0] for out in pool.map(lm, prompts)]
            return time.perf_counter() - start, texts, lm.stats.calls - before

        send_all()  # warm-up: first-call allocations and kernel selection are not what we measure
        runs = [send_all() for _ in range(repeats)]
        seconds = statistics.median(r[0] for r in runs)
        texts = runs[0][1]
        tokens = sum(len(lm.local_engine.tokenizer.encode(t, add_special_tokens=False)) for t in texts)
        return ModeResult(name, seconds, len(prompts) / seconds, tokens / seconds, runs[0][2], tuple(texts))
    finally:
        lm.close()


def main(argv: list[str] | None = None) -> float:
    """Run the benchmark, print the table, return the speed-up (batched req/s over sequential req/s)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="model folder (default: build the lm=tiny model)")
    parser.add_argument("--requests", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch CPU threads (0 = torch's default; 1 is far faster on an oversubscribed machine)")
    args = parser.parse_args(argv)

    import torch

    if args.threads > 0:
        torch.set_num_threads(args.threads)

    from crux_program.lm.config import TinySpec
    from crux_program.lm.tiny import build_tiny_model

    with tempfile.TemporaryDirectory() as tmp:
        model_path = args.model or build_tiny_model(Path(tmp) / "tiny", **TinySpec().to_dict())
        prompts = _prompts(args.requests)
        sequential = run_mode("one at a time", model_path, prompts, 1, args.max_tokens, args.device, args.repeats)
        batched = run_mode("batched", model_path, prompts, args.requests, args.max_tokens, args.device,
                           args.repeats)
    if sequential.texts != batched.texts:
        raise SystemExit("Batched and sequential greedy outputs differ: batching changed the results")
    ratio = batched.requests_per_s / sequential.requests_per_s
    print(f"model: {model_path if args.model else 'lm=tiny default (built in a temp dir)'}; device {args.device}; "
          f"torch threads {torch.get_num_threads()}; {args.requests} concurrent requests, greedy, "
          f"max_tokens {args.max_tokens}, median of {args.repeats}")
    print(f"{'mode':<15} {'seconds':>8} {'req/s':>8} {'tok/s':>8} {'generate calls':>15}")
    for r in (sequential, batched):
        print(f"{r.name:<15} {r.seconds:>8.3f} {r.requests_per_s:>8.2f} {r.tokens_per_s:>8.1f} "
              f"{r.generate_calls:>15}")
    print(f"speed-up (batched / one at a time): {ratio:.1f}x")
    return ratio


if __name__ == "__main__":
    main()
