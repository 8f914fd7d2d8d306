"""Any OpenAI-compatible endpoint (what `vllm serve`, SGLang, llama.cpp's server expose) through `dspy.LM`.

    lm = openai_lm(LMConfig(kind="openai", model="Qwen2.5-Coder-7B", api_base="http://localhost:8000/v1"))

The call goes through DSPy's LiteLLM engine, which sends `n` natively: one request asks for n choices, so the
server prefills the prompt once and draws n distinct samples under one seed. (DSPy's lm15 route would send n
identical requests instead, and with a fixed seed a server such as vLLM answers all n identically.) Pass
`extra={"engine": "auto"}` to use lm15 anyway. Other providers DSPy supports work by writing their model
string in `model` ("anthropic/...", "gemini/...") with no api_base; their keys come from `api_key_env`.
"""

from __future__ import annotations

import os

import dspy

from crux_program.lm.config import LMConfig

# No cost-map download on machines without internet: LiteLLM otherwise retries for seconds before falling back.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def api_key_for(cfg: LMConfig) -> str:
    """The key from `cfg.api_key_env`; a local server (api_base set) that needs none gets a placeholder."""
    key = os.environ.get(cfg.api_key_env)
    if key:
        return key
    if cfg.api_base:
        return "EMPTY"  # vllm serve without --api-key accepts any bearer token
    raise RuntimeError(f"No API key: set the environment variable {cfg.api_key_env} (or lm.api_key_env to the "
                       "variable that holds it), or point lm.api_base at a local server.")


def openai_lm(cfg: LMConfig) -> dspy.LM:
    """`dspy.LM` for `cfg.model` at `cfg.api_base` with the config's sampling defaults."""
    # A served model's name may itself contain "/" (Qwen/Qwen2.5-Coder-7B): with an api_base it is always
    # reached through LiteLLM's generic OpenAI door; without one, `model` is a provider string as DSPy takes it.
    model = f"openai/{cfg.model}" if cfg.api_base else cfg.model
    kwargs = {"engine": "litellm", **cfg.sampling_kwargs(), **cfg.extra}
    if cfg.api_base:
        kwargs["api_base"] = cfg.api_base
    return dspy.LM(model, api_key=api_key_for(cfg), cache=cfg.cache, num_retries=cfg.num_retries, **kwargs)
