"""Served models through `dspy.LM`: an OpenAI-compatible server (vLLM, SGLang, llama.cpp) or a hosted provider.

    lm = openai_lm(LMConfig(kind="openai", model="Qwen2.5-Coder-7B", api_base="http://localhost:8000/v1"))
    lm = openai_lm(LMConfig(kind="openai", model="openai/gpt-4o-mini"))        # hosted: key from OPENAI_API_KEY

With `api_base` the model name is sent as the server knows it (through LiteLLM's generic OpenAI door, so a name
holding "/" such as Qwen/Qwen2.5-Coder-7B works). Without it, `model` is a provider string DSPy routes itself
("openai/...", "anthropic/...", "gemini/..."), and the key comes from `LMConfig.key_variable()`.

The call goes through DSPy's LiteLLM engine, which sends `n` natively: one request asks for n choices, so the
server prefills the prompt once and draws n distinct samples under one seed. (DSPy's lm15 route would send n
identical requests instead, and with a fixed seed a server such as vLLM answers all n identically.) Pass
`extra={"engine": "auto"}` to use lm15 anyway.

`check_served(cfg)` is what run.py calls before a run: a server that does not answer, or a hosted provider
without its key, is reported at once with what to set, instead of as a connection error per call.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

import dspy

from crux_program.errors import UserError
from crux_program.lm.config import LMConfig

# No cost-map download on machines without internet: LiteLLM otherwise retries for seconds before falling back.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


class MissingKeyError(UserError, RuntimeError):
    """No API key for a hosted provider (a RuntimeError as well, as it was before it became a UserError)."""


def api_key_for(cfg: LMConfig) -> str:
    """The key from `cfg.key_variable()`; a server at api_base that needs none gets a placeholder."""
    variable = cfg.key_variable()
    key = os.environ.get(variable)
    if key:
        return key
    if cfg.api_base:
        return "EMPTY"  # vllm serve without --api-key accepts any bearer token
    raise MissingKeyError(f"No API key for lm.model={cfg.model}: set the environment variable {variable} (export "
                          f"{variable}=...), or name the variable that holds it with lm.api_key_env=NAME. A model on "
                          "your own server needs no key: add lm.api_base=http://HOST:PORT/v1.")


def served_models(api_base: str, timeout_s: float = 10.0) -> list[str]:
    """The model names a server lists at GET {api_base}/models; raises UserError when it cannot be reached."""
    url = api_base.rstrip("/") + "/models"
    request = urllib.request.Request(url, headers={"Authorization": "Bearer EMPTY"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            payload = json.load(response)
    except urllib.error.HTTPError:
        return []  # it answers, only not this route (some servers list no models): the calls will tell
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UserError(f"Cannot reach the server at lm.api_base={api_base} ({reason}). Start it (e.g. `vllm serve "
                        "MODEL --port 8000` serves http://localhost:8000/v1) or set lm.api_base to where it "
                        "listens; for a hosted provider drop lm.api_base and write lm.model=PROVIDER/MODEL.") from exc
    return [str(m.get("id")) for m in payload.get("data", []) if isinstance(m, dict)]


def check_served(cfg: LMConfig) -> None:
    """Before a run: the key of a hosted provider is set, or the server at api_base answers and serves the model."""
    if cfg.kind != "openai":
        return
    if not cfg.api_base:
        api_key_for(cfg)
        return
    names = served_models(cfg.api_base)
    if names and cfg.model not in names:
        raise UserError(f"The server at lm.api_base={cfg.api_base} does not serve lm.model={cfg.model}; it serves "
                        f"{names[:5]}: set lm.model={names[0]}")


def openai_lm(cfg: LMConfig) -> dspy.LM:
    """`dspy.LM` for `cfg.model` at `cfg.api_base` (or the provider `cfg.model` names) with the config's defaults."""
    model = f"openai/{cfg.model}" if cfg.api_base else cfg.model
    kwargs = {"engine": "litellm", **cfg.sampling_kwargs(), **cfg.extra}
    if cfg.api_base:
        kwargs["api_base"] = cfg.api_base
    if cfg.request_timeout_s is not None:  # a stuck request would otherwise wait the library's default
        kwargs.setdefault("timeout", cfg.request_timeout_s)
    return dspy.LM(model, api_key=api_key_for(cfg), cache=cfg.cache, num_retries=cfg.num_retries, **kwargs)
