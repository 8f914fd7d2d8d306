"""LMConfig: typed settings with loud validation, and the sampling defaults it hands to dspy.LM."""

from __future__ import annotations

import pytest

from crux_program.lm.config import LMConfig, TinySpec


def test_hydra_style_mapping_for_tiny_becomes_a_spec():
    cfg = LMConfig(kind="tiny", tiny={"hidden_size": 64, "num_layers": 2})
    assert cfg.tiny == TinySpec(hidden_size=64, num_layers=2)


@pytest.mark.parametrize("bad, message", [
    ({"kind": "gguf"}, "kind"),
    ({"kind": "hf"}, "needs `model`"),
    ({"kind": "openai", "model": "served-name"}, "api_base"),
    ({"temperature": 3.0}, "temperature"),
    ({"top_p": 0.0}, "top_p"),
    ({"device": "tpu"}, "device"),
    ({"n": 0}, "at least 1"),
])
def test_bad_settings_fail_with_the_field_named(bad, message):
    with pytest.raises(ValueError, match=message):
        LMConfig(**bad)


def test_unknown_keys_are_refused_by_name():
    with pytest.raises(ValueError, match="temprature"):
        LMConfig.from_mapping({"kind": "tiny", "temprature": 0.5})


def test_sampling_kwargs_carry_the_call_defaults():
    assert LMConfig(temperature=0.85, top_p=0.95, n=20, max_tokens=99, seed=4).sampling_kwargs() == {
        "temperature": 0.85, "top_p": 0.95, "max_tokens": 99, "seed": 4, "n": 20}
    assert "n" not in LMConfig().sampling_kwargs()
