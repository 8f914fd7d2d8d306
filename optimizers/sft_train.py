"""One supervised fine-tuning run with TRL's SFTTrainer on rendered chat rows: the engine of sft and rft.

`train_sft(model_path, rows, settings, out_dir)` loads the local HF model, trains it (LoRA through PEFT or
all weights) with the loss on the assistant answer only (TRL's conversational prompt-completion format, so
any chat template works, no `{% generation %}` markers needed), and saves a folder that loads with
`AutoModelForCausalLM.from_pretrained` (the merged model) or, with `merge=False`, a PEFT adapter folder.
Loading, weight dtypes and saving live in `optimizers.model_folder` (an adapter folder continues its adapter;
CUDA computes in bf16, with fp32 master weights for a full fine-tune); CPU trains in fp32 unless
`precision=bf16` asks for bf16 autocast (`optimizers.precision`). TRL and PEFT are imported here only, so code that
does not train never pays for them.
"""
from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

from optimizers.config import SFTSettings
from optimizers.model_folder import continues_adapter, load_for_training, save_trained, weights_dtype
from optimizers.precision import use_bf16
from optimizers.resume import inputs_digest, resume_point, save_kwargs
from optimizers.render import RenderedExample
from optimizers.time_budget import Budget
from optimizers.training_clock import TrainingClock

log = logging.getLogger(__name__)


@dataclass
class SFTReport:
    """What one SFT run did: sizes, time, throughput and where the checkpoint is."""

    checkpoint: str
    rows: int
    steps: int
    train_loss: float
    first_loss: float | None
    seconds: float
    tokens: int  # total tokens seen (rows x epochs, after truncation)
    tokens_per_s: float
    truncated: int  # rows longer than max_length
    device: str
    lora: bool
    trainable_params: int
    optimizer: str = ""  # the class that did the updates (AdamW, MuonAdamW)
    lm_head: str = ""  # "plain" (optimizers.plain_lm_head) or "trl" (TRL's fused head)
    weights: str = ""  # the dtype the model's weights were loaded in (optimizers.model_folder.weights_dtype)


def resolve_device(device: str) -> str:
    """"auto" -> "cuda" when a GPU is visible, else "cpu"; an explicit "cuda" without a GPU is an error."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("SFT device=cuda but no CUDA GPU is visible; use device=auto or device=cpu.")
    return device


def _token_lengths(tokenizer, rows: Sequence[RenderedExample], prompt_only: bool = False) -> list[int]:
    texts = tokenizer.apply_chat_template([r.prompt if prompt_only else r.prompt + r.completion for r in rows],
                                          tokenize=False)
    return [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]


def _scheduler_kwargs(settings: SFTSettings, rows: int) -> dict:
    """transformers' warmup_stable_decay needs its decay length in steps: the last `decay_fraction` of the run."""
    if settings.lr_scheduler_type != "warmup_stable_decay":
        return {}
    steps = settings.max_steps if settings.max_steps > 0 else math.ceil(
        math.ceil(rows / settings.per_device_train_batch_size) / settings.gradient_accumulation_steps
        * settings.num_train_epochs)
    return {"num_decay_steps": max(1, round(settings.decay_fraction * steps)), "decay_type": "linear"}


def _trl_config(settings: SFTSettings, device: str, out_dir: Path, rows: int = 1):
    from trl import SFTConfig

    return SFTConfig(
        output_dir=str(out_dir / "trainer"),
        use_cpu=device == "cpu",
        bf16=use_bf16(device, settings.precision),  # CPU: fp32 unless precision=bf16 (autocast)
        gradient_checkpointing=False,  # tiny models: recomputation costs more than the memory it saves
        completion_only_loss=True,  # loss on the predictor's answer, never on the prompt
        max_length=settings.max_length,
        packing=settings.packing,
        # ~20% of a random batch of curriculum rows is padding (docs/TRAINING_ON_CPU.md)
        train_sampling_strategy="group_by_length" if settings.group_by_length else "random",
        learning_rate=settings.learning_rate,
        num_train_epochs=settings.num_train_epochs,
        max_steps=settings.max_steps,
        per_device_train_batch_size=settings.per_device_train_batch_size,
        gradient_accumulation_steps=settings.gradient_accumulation_steps,
        warmup_steps=settings.warmup_ratio,  # transformers 5: a float in [0, 1) is a ratio of all steps
        weight_decay=settings.weight_decay,
        lr_scheduler_type=settings.lr_scheduler_type,
        lr_scheduler_kwargs=_scheduler_kwargs(settings, rows),
        logging_steps=settings.logging_steps,
        **save_kwargs(settings.save_steps, settings.save_total_limit),
        report_to="none",
        seed=settings.seed,
        dataloader_num_workers=0,
        disable_tqdm=True,
    )


def _lora_config(settings: SFTSettings):
    from peft import LoraConfig

    return LoraConfig(r=settings.lora_r, lora_alpha=settings.lora_alpha, lora_dropout=settings.lora_dropout,
                      target_modules=settings.lora_target_modules, task_type="CAUSAL_LM")


def train_sft(model_path: Path, rows: Sequence[RenderedExample], settings: SFTSettings,
              out_dir: Path, device: str | None = None, budget: Budget | None = None,
              callbacks: Sequence = ()) -> SFTReport:
    """Fine-tune the model at model_path on rows; save it to out_dir/checkpoint; return the report.

    budget: the overall budget within which a time-capped run (`settings.max_time_s`) must have trained and
        saved its checkpoint; a run bounded by steps or epochs ignores it.
    callbacks: extra `transformers.TrainerCallback`s (a benchmark's step clock, say).
    """
    from datasets import Dataset
    from trl import SFTTrainer

    from optimizers.plain_lm_head import apply_lm_head_choice

    if not rows:
        raise ValueError("No training rows: the trainset is empty (or rejection sampling kept nothing). "
                         "Check the data split, or lower rft.min_score / raise samples_per_example.")
    out_dir = Path(out_dir)
    device = resolve_device(device or settings.device)
    model, tokenizer = load_for_training(Path(model_path), device, settings.precision, settings.lora)
    # an adapter folder with lora: train that adapter further, not a second one stacked on it
    peft_config = _lora_config(settings) if settings.lora and not continues_adapter(model) else None
    lengths = _token_lengths(tokenizer, rows)
    truncated = sum(n > settings.max_length for n in lengths)
    if truncated == len(rows) and _token_lengths(tokenizer, rows[:1], prompt_only=True)[0] >= settings.max_length:
        from crux_program.errors import UserError

        raise UserError(f"SFT: the prompts alone are longer than max_length={settings.max_length} tokens, so no "
                        "answer token is left to learn from; raise compiler.settings.max_length (the model takes "
                        "up to its max_position_embeddings) or use a tokenizer with more merges")
    if truncated:
        log.warning("%d of %d SFT rows exceed max_length=%d tokens and are cut at the end; raise "
                    "max_length or the answers lose their tails.", truncated, len(rows), settings.max_length)
    dataset = Dataset.from_list([r.to_row() for r in rows]).shuffle(seed=settings.seed)
    callbacks = list(callbacks)
    if settings.max_time_s:
        callbacks.append(TrainingClock(settings.max_time_s, anneal=settings.anneal_by_time,
                                       warmup_fraction=settings.warmup_ratio, budget=budget,
                                       shape=settings.lr_scheduler_type, decay_fraction=settings.decay_fraction))
    trainer = SFTTrainer(model=model, args=_trl_config(settings, device, out_dir, len(rows)), train_dataset=dataset,
                         processing_class=tokenizer, peft_config=peft_config,
                         callbacks=callbacks or None)
    # the fields SFTTrainer.compute_loss reads: the loss, the entropy and token-accuracy metrics
    lm_head = apply_lm_head_choice(trainer, settings.lm_head, device, outputs=("log_probs", "entropy", "is_top1"))
    if settings.optimizer == "muon":
        from optimizers.muon import MuonAdamW

        # Built on the wrapped model (PEFT wraps it inside SFTTrainer), before train() would build AdamW;
        # the Trainer then makes its (warmup + cosine) scheduler on this optimizer as usual.
        trainer.optimizer = MuonAdamW(trainer.model.named_parameters(), lr=settings.learning_rate,
                                      weight_decay=settings.weight_decay)
    trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
    resume = None
    if settings.save_steps:  # what the checkpoints in out_dir/trainer must have been written for
        resume = resume_point(out_dir / "trainer",
                              inputs_digest(Path(model_path), asdict(settings), [r.to_row() for r in rows]))
    start = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=resume)
    seconds = time.perf_counter() - start
    checkpoint = out_dir / "checkpoint"
    save_trained(trainer.model, tokenizer, checkpoint, merge=settings.merge)
    history = trainer.state.log_history
    (out_dir / "train_log.jsonl").write_text("".join(json.dumps(h) + "\n" for h in history))
    losses = [h["loss"] for h in history if "loss" in h]
    epochs = trainer.state.epoch or 0.0
    tokens = int(sum(min(n, settings.max_length) for n in lengths) * epochs)
    report = SFTReport(checkpoint=str(checkpoint), rows=len(rows), steps=trainer.state.global_step,
                       train_loss=float(result.training_loss), first_loss=losses[0] if losses else None,
                       seconds=round(seconds, 2), tokens=tokens, tokens_per_s=round(tokens / max(seconds, 1e-9), 1),
                       truncated=truncated, device=device, lora=settings.lora, trainable_params=trainable,
                       optimizer=type(getattr(trainer.optimizer, "optimizer", trainer.optimizer)).__name__,
                       lm_head=lm_head,
                       weights=str(weights_dtype(device, settings.precision, settings.lora)).removeprefix("torch."))
    (out_dir / "sft_report.json").write_text(json.dumps(asdict(report), indent=2))
    return report
