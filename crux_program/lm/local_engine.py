"""A DSPy 3.4 engine that runs a local Hugging Face model folder and batches concurrent requests.

DSPy 3.4's supported way to plug a model in is an engine object, `dspy.LM("local/NAME", engine=...)`, whose
`complete(request: dspy.lm15.Request) -> dspy.lm15.Response` produces one candidate (DSPy itself asks n times
for n candidates). `LocalEngine.complete` renders the request with the tokenizer's chat template and hands it
to a `RequestBatcher`: requests from DSPy's threads that arrive within a short window are left-padded and run
in ONE `generate` call, each row sampling with its own settings (crux_program.lm.sampling).

Seeds: a request at temperature > 0 is identified by its prompt and settings; its k-th draw in this engine
uses `derive_seed(seed, key, k)` (crux_program.lm.sampling.DrawSeeds). So n identical requests (DSPy's n
candidates, or n separate calls with the cache off) give n different samples, and the same sequence of calls
gives the same samples in every run.

A model folder is a full model (config.json) or a PEFT adapter (adapter_config.json; transformers loads its
base and applies it), as the SFT compiler saves with or without merging.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from crux_program.lm.batching import BatchStats, RequestBatcher
from crux_program.lm.folders import tokenizer_folder
from crux_program.lm.sampling import DrawSeeds, RowBudget, RowSampler, SampleSettings


@dataclass(frozen=True)
class GenerationJob:
    """One prompt (token ids) and how to sample it."""

    prompt_ids: tuple[int, ...]
    settings: SampleSettings


@dataclass(frozen=True)
class Generation:
    """One completion: its text, token counts and why it stopped ("stop" at EOS, "length" at the budget)."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str


def resolve_device(device: str) -> str:
    """"auto" -> "cuda" when a GPU is visible, else "cpu"; "cuda" without a GPU fails with what to do."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device='cuda' was asked for but torch sees no GPU; use device='cpu' or 'auto'")
    return device


def resolve_dtype(dtype: str, device: str):
    """"auto" -> bfloat16 on a GPU that supports it, float32 otherwise (CPU bf16 matmuls are slow)."""
    import torch

    if dtype == "auto":
        if device == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]


class LocalEngine:
    """Loads `model_path` (tokenizer + causal LM) once and serves `complete(request)` from any thread.

    max_batch_size: most requests in one `generate`; window_s: how long to wait for more after the first.
    seed: base of every derived sampling seed (a request's own `seed` setting replaces it).
    lazy: load the weights at the first generation instead of now (`model`).
    `stats` counts the `generate` calls and their batch sizes.
    """

    def __init__(self, model_path: str | Path, device: str = "auto", dtype: str = "auto",
                 max_batch_size: int = 16, window_s: float = 0.02, seed: int = 0, cpu_threads: int = 0,
                 lazy: bool = False) -> None:
        import torch
        from transformers import AutoTokenizer

        self.model_path = Path(model_path)
        tokenizer_path = tokenizer_folder(self.model_path)
        self.device_name, self.dtype_name = device, dtype
        self.device = resolve_device(device)
        self.seed = seed
        self.cpu_threads = cpu_threads
        if cpu_threads > 0 and self.device == "cpu":
            torch.set_num_threads(cpu_threads)  # process-wide: torch has no per-model thread pool
        self.tokenizer = AutoTokenizer.from_pretrained(tokenizer_path)
        if self.tokenizer.chat_template is None:
            raise ValueError(f"The tokenizer in {self.model_path} has no chat template; DSPy sends chat messages. "
                             "Use an instruct model folder or build one with build_tiny_model (ChatML).")
        self._model = None
        self._model_lock = threading.Lock()
        self.eos_ids: list[int] = []
        self.pad_id: int | None = None
        if not lazy:  # a broken folder fails here, where the user named it, not at the first sample
            self._model = self._load_model()
        self.draw_seeds = DrawSeeds()
        # Rust tokenizers can raise "Already borrowed" when one is used from several threads at once.
        self._tokenizer_lock = threading.Lock()
        self.batcher: RequestBatcher[GenerationJob, Generation] = RequestBatcher(
            self.generate_batch, max_batch_size=max_batch_size, window_s=window_s,
            name=f"lm-batcher-{self.model_path.name}")

    @property
    def model(self):
        """The causal LM; a lazy engine loads it on first use, so a program bound to a checkpoint it never
        runs (a stage's output that the next stage trains from) holds no weights. `close` drops them."""
        with self._model_lock:
            if self._model is None:
                self._model = self._load_model()
            return self._model

    def _load_model(self):
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained(
            self.model_path, dtype=resolve_dtype(self.dtype_name, self.device)).to(self.device)
        model.eval()
        eos = model.generation_config.eos_token_id or self.tokenizer.eos_token_id
        self.eos_ids = [eos] if isinstance(eos, int) else list(eos)
        self.pad_id = self.tokenizer.pad_token_id
        if self.pad_id is None:  # many instruct models ship without a pad token; EOS pads just as well
            self.pad_id = self.eos_ids[0]
        return model

    @property
    def loaded(self) -> bool:
        """Whether the weights are in memory now."""
        return self._model is not None

    @property
    def stats(self) -> BatchStats:
        """`generate` calls so far and how many requests each one held."""
        return self.batcher.stats

    # ---- DSPy engine protocol -------------------------------------------------------------------------
    def complete(self, request):
        """Generate one completion for a `dspy.lm15.Request` (blocks until its batch has run)."""
        from dspy.clients.engines.base import validate_request
        from dspy.lm15 import Message, Response, Usage

        validate_request(request)
        with self._tokenizer_lock:
            prompt = self.render_prompt(request)
            ids = tuple(self.tokenizer.encode(prompt, add_special_tokens=False))
        settings = self.draw_seeds.assign(prompt, request_settings(request, self.seed))
        result = self.batcher.run(GenerationJob(ids, settings))
        text, finish = apply_stop(result.text, request.config.stop, result.finish_reason)
        return Response(id=None, model=request.model, message=Message.assistant(text), finish_reason=finish,
                        usage=Usage(input_tokens=result.prompt_tokens, output_tokens=result.completion_tokens))

    def stream(self, request):
        """One-shot stream (start, whole text, end): local generation is not streamed token by token."""
        from dspy.lm15 import response_to_events

        return response_to_events(self.complete(request))

    def close(self) -> None:
        """Stop the batcher thread and drop the weights (the engine cannot generate after this)."""
        self.batcher.close()
        with self._model_lock:
            self._model = None

    def __deepcopy__(self, memo):
        # Engines are borrowed by every copy of an LM: deep-copying a program must not copy the weights.
        return self

    def dump_state(self) -> dict:
        """JSON state DSPy saves with a program; `load_state` reloads the same folder."""
        return {"model_path": str(self.model_path), "device": self.device_name, "dtype": self.dtype_name,
                "max_batch_size": self.batcher.max_batch_size, "window_s": self.batcher.window_s, "seed": self.seed,
                "cpu_threads": self.cpu_threads}

    @classmethod
    def load_state(cls, state: dict) -> LocalEngine:
        """Rebuild from `dump_state()`."""
        return cls(**state)

    # ---- prompts and generation -----------------------------------------------------------------------
    def render_prompt(self, request) -> str:
        """The request's system text and messages through the tokenizer's chat template, ready to answer."""
        return self.tokenizer.apply_chat_template(chat_messages(request), add_generation_prompt=True,
                                                  tokenize=False)

    def generate_batch(self, jobs: Sequence[GenerationJob]) -> list[Generation]:
        """Run `jobs` as one left-padded `generate`; each row samples and stops by its own settings."""
        import torch
        from transformers import GenerationConfig, LogitsProcessorList, StoppingCriteriaList

        model = self.model  # loads on the first batch and sets eos_ids / pad_id
        width = max(len(job.prompt_ids) for job in jobs)
        input_ids = torch.full((len(jobs), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((len(jobs), width), dtype=torch.long)
        for row, job in enumerate(jobs):
            if job.prompt_ids:
                input_ids[row, width - len(job.prompt_ids):] = torch.tensor(job.prompt_ids)
                attention[row, width - len(job.prompt_ids):] = 1
        settings = [job.settings for job in jobs]
        budgets = [s.max_tokens for s in settings]
        config = GenerationConfig(do_sample=False, num_beams=1, max_new_tokens=max(budgets),
                                  eos_token_id=self.eos_ids, pad_token_id=self.pad_id)
        with torch.inference_mode():
            output = model.generate(
                input_ids=input_ids.to(self.device), attention_mask=attention.to(self.device),
                generation_config=config,
                logits_processor=LogitsProcessorList([RowSampler(settings, self.device)]),
                stopping_criteria=StoppingCriteriaList([RowBudget(width, budgets, self.device)]),
            )
        new_tokens = output[:, width:].tolist()
        return [self._decode(job, row_tokens) for job, row_tokens in zip(jobs, new_tokens)]

    def _decode(self, job: GenerationJob, tokens: list[int]) -> Generation:
        kept: list[int] = []
        finish = "length"
        for token in tokens[: job.settings.max_tokens]:
            if token in self.eos_ids:
                finish = "stop"
                break
            kept.append(token)
        with self._tokenizer_lock:
            text = self.tokenizer.decode(kept, skip_special_tokens=True)
        return Generation(text, len(job.prompt_ids), len(kept) + (finish == "stop"), finish)


def chat_messages(request) -> list[dict[str, str]]:
    """A `dspy.lm15.Request`'s system text and messages as the role/content dicts chat templates take."""
    messages = []
    if request.system is not None:
        system = request.system if isinstance(request.system, str) else "".join(
            getattr(part, "text", "") for part in request.system)
        messages.append({"role": "system", "content": system})
    for message in request.messages:
        messages.append({"role": message.role, "content": message.text or ""})
    return messages


def request_settings(request, default_seed: int, default_max_tokens: int = 512) -> SampleSettings:
    """Sampling settings of a `dspy.lm15.Request` (unset fields: greedy, top_p 1, the engine's seed)."""
    config = request.config
    return SampleSettings(
        temperature=0.0 if config.temperature is None else float(config.temperature),
        top_p=1.0 if config.top_p is None else float(config.top_p),
        max_tokens=config.max_tokens or default_max_tokens,
        seed=default_seed if config.seed is None else int(config.seed),
    )


def apply_stop(text: str, stop: Sequence[str], finish: str) -> tuple[str, str]:
    """Cut `text` at the first stop string (stop strings are applied after generation, as servers do)."""
    cuts = [text.find(s) for s in stop or () if s and s in text]
    if not cuts:
        return text, finish
    return text[: min(cuts)], "stop"
