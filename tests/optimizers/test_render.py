"""SFT prompts must be byte-identical to what the DSPy adapter sends the LM at inference."""
from __future__ import annotations

import dspy
import pytest

from optimizers.render import field_value, render_examples, selected_predictors
from tests.optimizers.standins import gate_examples, pipeline_classes, scripted_lm

CruxPipeline, DirectVerilog = pipeline_classes()


def _captured_calls(program: dspy.Module, example: dspy.Example, adapter: dspy.Adapter) -> list[list[dict]]:
    """Run the program once and return the message lists the LM actually received, in call order."""
    lm = scripted_lm(gate_examples(), adapter=adapter)
    with dspy.context(lm=lm, adapter=adapter):
        program(spec=example.spec)
    return [entry["messages"] for entry in lm.history]


@pytest.mark.parametrize("adapter_cls", [dspy.ChatAdapter, dspy.JSONAdapter])
@pytest.mark.parametrize("program_cls", [CruxPipeline, DirectVerilog])
def test_rendered_prompts_equal_inference_messages(program_cls, adapter_cls):
    program, adapter = program_cls(), adapter_cls()
    example = gate_examples()[1]
    sent = _captured_calls(program, example, adapter)
    with dspy.context(adapter=adapter):
        rows = render_examples(program, [example])
    names = [name for name, _ in program.named_predictors()]
    assert [r.predictor for r in rows] == names
    assert len(sent) == len(rows), "one LM call per predictor"
    for row, messages in zip(rows, sent):
        assert row.prompt == messages  # dict/str equality: every byte of every message


@pytest.mark.parametrize("program_cls", [CruxPipeline, DirectVerilog])
def test_rendered_answers_parse_back_to_gold(program_cls):
    program, adapter = program_cls(), dspy.ChatAdapter()
    example = gate_examples()[0]
    for row, (_, predictor) in zip(render_examples(program, [example], adapter=adapter),
                                   selected_predictors(program)):
        assert row.completion[0]["role"] == "assistant"
        assert row.completion[0]["content"].endswith("[[ ## completed ## ]]\n")
        parsed = adapter.parse(predictor.signature, row.completion[0]["content"])
        for name, value in parsed.items():
            assert value == field_value(example, name, predictor.signature.output_fields[name].annotation)


def test_demos_are_rendered_like_inference():
    """After a prompt compiler added demos, SFT data must carry them exactly as inference does."""
    program, adapter = CruxPipeline(), dspy.ChatAdapter()
    examples = gate_examples()
    for _, predictor in program.named_predictors():  # demos as bootstrapping stores them: the call's fields
        fields = predictor.signature.fields
        predictor.demos = [dspy.Example(**{k: field_value(examples[3], k, f.annotation) for k, f in fields.items()})]
    sent = _captured_calls(program, examples[0], adapter)
    rows = render_examples(program, [examples[0]], adapter=adapter)
    assert [r.prompt for r in rows] == sent
    assert any(examples[3].spec in m["content"] for m in rows[0].prompt if m["role"] == "user")


def test_missing_field_names_the_example_and_field():
    example = dspy.Example(task_id="t1", spec="x").with_inputs("spec")
    with pytest.raises(KeyError, match="t1.*crux"):
        render_examples(CruxPipeline(), [example])


def test_local_model_receives_the_rendered_prompt_token_for_token(tmp_path, monkeypatch):
    """Through the real LocalLM: the text its engine tokenizes equals the chat-templated SFT prompt, and the
    SFT sequence (prompt + answer) starts with exactly those tokens, so training sees the inference context."""
    from crux_program.lm.local_engine import LocalEngine
    from tests.optimizers.standins import local_lm_class, tiny_model

    examples = gate_examples()
    path = tiny_model(tmp_path / "tiny", examples)
    seen: list[str] = []
    original = LocalEngine.render_prompt
    monkeypatch.setattr(LocalEngine, "render_prompt", lambda self, req: seen.append(original(self, req)) or seen[-1])
    program = CruxPipeline()
    lm = local_lm_class(max_tokens=4)(path)
    program.set_lm(lm)
    program(spec=examples[2].spec)  # the untrained model answers garbage; CRUX falls back, code stage still runs
    tokenizer = lm.local_engine.tokenizer
    rows = render_examples(program, [examples[2]])
    expected = tokenizer.apply_chat_template(rows[0].prompt, add_generation_prompt=True, tokenize=False)
    assert seen[0] == expected
    full = tokenizer.apply_chat_template(rows[0].prompt + rows[0].completion, tokenize=False)
    prompt_ids = tokenizer.encode(expected, add_special_tokens=False)
    assert tokenizer.encode(full, add_special_tokens=False)[: len(prompt_ids)] == prompt_ids
