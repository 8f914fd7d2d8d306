"""vLLM's offline engine as a DSPy 3.4 engine (optional extra, CUDA machines only).

Imported only when `lm.kind=vllm` is chosen; without vLLM it fails with what to install. Concurrent requests
from DSPy's threads are merged by the same `RequestBatcher` as the transformers backend and handed to ONE
`LLM.generate` call with one `SamplingParams` per request (vLLM batches them continuously inside).
Seeds follow the same rule as `LocalEngine` (crux_program.lm.sampling.DrawSeeds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from crux_program.lm.batching import BatchStats, RequestBatcher
from crux_program.lm.local_engine import apply_stop, chat_messages, request_settings
from crux_program.lm.sampling import DrawSeeds, SampleSettings

VLLM_MISSING = ("vLLM is not installed, and lm.kind=vllm needs it: pip install 'crux-compiler[vllm]' on a CUDA "
                "machine (it brings its own CUDA torch). Or serve the model with `vllm serve` and use lm=openai "
                "with lm.api_base=http://HOST:PORT/v1.")


def import_vllm():
    """The `vllm` module, or an ImportError saying how to get it."""
    try:
        import vllm
    except ImportError as exc:
        raise ImportError(VLLM_MISSING) from exc
    return vllm


@dataclass(frozen=True)
class _VLLMJob:
    prompt: str
    settings: SampleSettings
    stop: tuple[str, ...]


class VLLMEngine:
    """`complete(request) -> dspy.lm15.Response` over `vllm.LLM(model_path)`, batching concurrent requests."""

    def __init__(self, model_path: str | Path, dtype: str = "auto", seed: int = 0, max_batch_size: int = 256,
                 window_s: float = 0.02, **llm_kwargs) -> None:
        vllm = import_vllm()
        self.model_path = Path(model_path)
        self.seed = seed
        self._dtype = dtype
        self._llm_kwargs = llm_kwargs
        self.llm = vllm.LLM(model=str(self.model_path), dtype=dtype, seed=seed, **llm_kwargs)
        self.tokenizer = self.llm.get_tokenizer()
        self._sampling_params = vllm.SamplingParams
        self.draw_seeds = DrawSeeds()
        self.batcher: RequestBatcher[_VLLMJob, tuple[str, int, int, str]] = RequestBatcher(
            self._generate_batch, max_batch_size=max_batch_size, window_s=window_s, name="vllm-batcher")

    @property
    def stats(self) -> BatchStats:
        """`LLM.generate` calls so far and how many requests each one held."""
        return self.batcher.stats

    def complete(self, request):
        """One completion for a `dspy.lm15.Request`."""
        from dspy.clients.engines.base import validate_request
        from dspy.lm15 import Message, Response, Usage

        validate_request(request)
        prompt = self.tokenizer.apply_chat_template(chat_messages(request), add_generation_prompt=True,
                                                    tokenize=False)
        settings = self.draw_seeds.assign(prompt, request_settings(request, self.seed))
        text, prompt_tokens, completion_tokens, finish = self.batcher.run(
            _VLLMJob(prompt, settings, tuple(request.config.stop or ())))
        text, finish = apply_stop(text, request.config.stop, finish)
        return Response(id=None, model=request.model, message=Message.assistant(text), finish_reason=finish,
                        usage=Usage(input_tokens=prompt_tokens, output_tokens=completion_tokens))

    def _generate_batch(self, jobs: Sequence[_VLLMJob]) -> list[tuple[str, int, int, str]]:
        params = [self._sampling_params(temperature=j.settings.temperature, top_p=j.settings.top_p,
                                        max_tokens=j.settings.max_tokens, seed=j.settings.seed,
                                        stop=list(j.stop) or None) for j in jobs]
        outputs = self.llm.generate([j.prompt for j in jobs], params, use_tqdm=False)
        results = []
        for out in outputs:
            best = out.outputs[0]
            finish = "length" if best.finish_reason == "length" else "stop"
            results.append((best.text, len(out.prompt_token_ids or ()), len(best.token_ids), finish))
        return results

    def stream(self, request):
        """One-shot stream of the whole completion."""
        from dspy.lm15 import response_to_events

        return response_to_events(self.complete(request))

    def close(self) -> None:
        """Stop the batcher thread."""
        self.batcher.close()

    def __deepcopy__(self, memo):
        return self  # shared by every copy of the LM; never copy the engine and its GPU memory

    def dump_state(self) -> dict:
        """JSON state for DSPy's program save; `load_state` starts the engine again on the same folder."""
        return {"model_path": str(self.model_path), "dtype": self._dtype, "seed": self.seed,
                "max_batch_size": self.batcher.max_batch_size, "window_s": self.batcher.window_s,
                **self._llm_kwargs}

    @classmethod
    def load_state(cls, state: dict) -> VLLMEngine:
        """Rebuild from `dump_state()`."""
        return cls(**state)
