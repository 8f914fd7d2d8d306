"""The SFT benches (CPU speed-ups, held-out loss, idle LM, AdamW vs Muon) run end to end on tiny inputs and report
what they promise."""
from __future__ import annotations

from crux_program.data.triplet import Triplet, write_jsonl
from tests.optimizers.standins import GATES, gate_examples, tiny_model


def _data(tmp_path):
    """A data folder whose train split holds the six gate tasks (with their CRUX), and a tiny model for them."""
    examples = gate_examples(len(GATES))
    write_jsonl(tmp_path / "data" / "train.jsonl",
                [Triplet(task_id=e.task_id, spec=e.spec, crux=e.crux, verilog=e.verilog) for e in examples])
    return tmp_path / "data", tiny_model(tmp_path / "tiny", examples)


def test_micro_bench_measures_every_speedup_with_equal_losses(tmp_path):
    from benches.sft_speedups_micro import main

    data, model = _data(tmp_path)
    figures = main(["--model", str(model), "--data", str(data), "--batch", "2", "--batches", "2", "--reps", "2"])
    assert figures["causal_speedup"] > 0 and figures["ns_stack_speedup"] > 0
    assert figures["loss_gap"] < 1e-5  # dropping a right-padding mask changes no loss
    assert figures["prefix_speedup"] > 0 and figures["prefix_loss_gap"] < 1e-5  # nor sharing the system prompt
    assert figures["group_speedup"] > 0 and figures["padding_grouped"] <= figures["padding_random"]


def test_step_bench_runs_every_configuration(tmp_path, capsys):
    from benches.sft_speedups_step import CONFIGS, main

    data, _ = _data(tmp_path)
    figures = main(["--data", str(data), "--out", str(tmp_path / "out"), "--steps", "4", "--rounds", "1",
                    "--hidden", "64", "--batch", "2"])
    assert set(figures) == set(CONFIGS) and figures["all off"] == 1.0
    table = capsys.readouterr().out
    assert "| all on |" in table and "| malloc |" in table


def test_heldout_loss_is_the_models_own_answer_loss(tmp_path, capsys):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from crux_program.modules import DirectVerilog
    from benches._sft_common import collate_rows, encode_rows
    from benches.heldout_loss import main
    from optimizers.render import render_examples

    data, model_dir = _data(tmp_path)
    (data / "test_seen.jsonl").write_text((data / "train.jsonl").read_text())
    figures = main(["--data", str(data), "--limit", "3", "--errors", str(model_dir)])
    held = figures[str(model_dir)]
    # the same rows, one batch, scored by transformers' own causal-LM loss over the answer tokens
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    rows = render_examples(DirectVerilog(), gate_examples(len(GATES))[:3])
    ids, attention, labels = collate_rows(encode_rows(tokenizer, rows), tokenizer.pad_token_id)
    with torch.no_grad():
        want = AutoModelForCausalLM.from_pretrained(model_dir)(input_ids=ids, attention_mask=attention, labels=labels).loss
    assert abs(held.loss - want.item()) < 1e-4 and 0 <= held.token_accuracy <= 1 and 0 <= held.exact_answers <= 1
    out = capsys.readouterr().out
    assert "| answer loss |" in out and "| task | wrong tokens |" in out
    # every problem not answered exactly has one first-error row, and only those
    from benches.heldout_loss import first_errors

    errors = first_errors(model_dir, rows, ["a", "b", "c"])
    assert len(errors) == round(3 * (1 - held.exact_answers))
    assert all(e.wrong_tokens >= 1 and e.want != e.got for e in errors)
    table = out.split("| task | wrong tokens |")[1].splitlines()[2:]
    assert len([line for line in table if line.startswith("| ")]) == len(errors)


def test_answer_mask_needs_no_generation_markers(tmp_path):
    """Held-out scoring works on any chat template (a real model's has no `{% generation %}` markers): the
    answer is what follows the prompt rendered with its generation prompt, as TRL masks prompt-completion rows."""
    from transformers import AutoTokenizer

    from crux_program.modules import DirectVerilog
    from optimizers.render import render_examples
    from benches._sft_common import encode_rows

    _, model_dir = _data(tmp_path)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    rows = render_examples(DirectVerilog(), gate_examples(2))
    plain = AutoTokenizer.from_pretrained(model_dir)
    plain.chat_template = plain.chat_template.replace("{% generation %}", "").replace("{% endgeneration %}", "")
    assert plain.chat_template != tokenizer.chat_template, "the tiny template has markers to strip"
    for marked, unmarked, row in zip(encode_rows(tokenizer, rows), encode_rows(plain, rows), rows):
        assert marked == unmarked
        answer = [t for t, m in zip(unmarked["input_ids"], unmarked["assistant_masks"]) if m]
        assert row.completion[0]["content"] in tokenizer.decode(answer)
        assert unmarked["assistant_masks"][0] == 0 and unmarked["assistant_masks"][-1] == 1


def test_idle_lm_bench_times_every_case(tmp_path, capsys):
    from benches.idle_lm_step_time import CASES, main

    data, model = _data(tmp_path)
    medians = main(["--data", str(data), "--model", str(model), "--steps", "2", "--rounds", "1",
                    "--out", str(tmp_path / "out")])
    assert set(medians) == set(CASES) and all(m > 0 for m in medians.values())
    assert "| idle LM, worker kept |" in capsys.readouterr().out


def test_adamw_vs_muon_reads_a_train_log(tmp_path):
    import json

    from benches.adamw_vs_muon import Curve

    log = tmp_path / "train_log.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in [
        {"step": 10, "loss": 4.0, "mean_token_accuracy": 0.2}, {"step": 20, "loss": 2.0, "mean_token_accuracy": 0.5},
        {"step": 30, "loss": 1.0, "mean_token_accuracy": 0.7}, {"train_runtime": 9.0}]))
    curve = Curve.read("muon", 2e-2, 33, 9.0, log)
    assert curve.steps == [10, 20, 30] and curve.final(curve.losses) == (4.0 + 2.0 + 1.0) / 3
    assert curve.first_step_at(2.5) == 20 and curve.first_step_at(0.5) is None
