"""How many tokens a program's rows cost, per adapter: system prompt, user turn and answer.

    python -m benches.prompt_tokens [--model crux_program/lm/base_model] [--data outputs/data/synthetic_seed0]
                                    [--split test_seen] [--limit 40] [--program crux_one_pass]

Every SFT and GRPO row, and every inference call, carries the adapter's system message, so its length is paid on
every step. This renders the gold examples of one split exactly as SFT does (`optimizers.render.render_examples`)
under DSPy's ChatAdapter and under the program's own adapter (`crux_program.adapter.CruxChatAdapter`), and prints
one table row per adapter: system-prompt tokens, median and largest user-turn and answer tokens, and the median
whole row, counted with `--model`'s tokenizer. The answers are the same under both adapters; only the system
message differs.
"""
from __future__ import annotations

import argparse
import os
import statistics

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

PROGRAMS = ("crux_one_pass", "crux", "direct")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="crux_program/lm/base_model", help="folder whose tokenizer counts")
    parser.add_argument("--data", default="outputs/data/synthetic_seed0", help="a built curriculum folder")
    parser.add_argument("--split", default="test_seen")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--program", choices=PROGRAMS, default="crux_one_pass")
    args = parser.parse_args(argv)

    import dspy
    from transformers import AutoTokenizer

    from crux_program.adapter import CruxChatAdapter
    from crux_program.data.triplet import load_split
    from crux_program.modules import CruxOnePass, CruxPipeline, DirectVerilog
    from optimizers.render import render_examples

    program = {"crux_one_pass": CruxOnePass, "crux": CruxPipeline, "direct": DirectVerilog}[args.program]()
    examples = [t.to_example() for t in load_split(args.data, args.split)][: args.limit]
    tokenizer = AutoTokenizer.from_pretrained(args.model)

    def count(text: str) -> int:
        return len(tokenizer(text)["input_ids"])

    print(f"{args.program}, {len(examples)} {args.split} examples, tokens by {args.model}'s tokenizer")
    print("| adapter | system | user median | user max | answer median | answer max | row median |")
    print("|---|---|---|---|---|---|---|")
    for name, adapter in (("ChatAdapter", dspy.ChatAdapter()), ("CruxChatAdapter", CruxChatAdapter())):
        rows = render_examples(program, examples, adapter=adapter)
        system = [count(r.prompt[0]["content"]) for r in rows]
        user = [count(r.prompt[-1]["content"]) for r in rows]
        answer = [count(r.completion[0]["content"]) for r in rows]
        whole = [s + u + a for s, u, a in zip(system, user, answer)]
        print(f"| {name} | {statistics.median(system):.0f} | {statistics.median(user):.0f} | {max(user)} | "
              f"{statistics.median(answer):.0f} | {max(answer)} | {statistics.median(whole):.0f} |")


if __name__ == "__main__":
    main()
