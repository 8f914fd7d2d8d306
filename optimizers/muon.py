"""Muon for the transformer blocks' weight matrices, AdamW for everything else, as one torch optimizer.

Muon (Jordan et al. 2024; "Muon is Scalable", Liu et al. 2025) replaces each 2-D weight's update with the
orthogonalised Nesterov momentum (five Newton-Schulz iterations), which trains small transformers from scratch
in fewer steps than AdamW. Embeddings (tied to the LM head here), norms and biases are not matrices of a linear
map in that sense and stay on AdamW. The update is scaled to AdamW's RMS (0.2 * sqrt(max(rows, cols)), the
"match_rms_adamw" rule of Liu et al.), so one learning rate and one schedule drive both halves: HF's Trainer and
the wall-clock annealing in `optimizers.training_clock` see a single optimizer whose groups they scale as usual.

    opt = MuonAdamW(model.named_parameters(), lr=3e-3)
"""
from __future__ import annotations

import math
from collections.abc import Iterable

import torch

# Quintic Newton-Schulz coefficients tuned to push singular values towards 1 in five steps (Jordan et al.).
_NS_COEFFS = (3.4445, -4.7750, 2.0315)
# Numbers per stack of matrices orthogonalised together (64M fp32 = 256 MB, plus about as much again for the
# Newton-Schulz products): a tiny model's matrices all fit in one stack per shape, a large model's are chunked.
# Read at every step; 1 gives one matrix per stack (the benchmarks' "before").
NS_MAX_ELEMENTS = 64 * 1024 * 1024


def orthogonalise(g: torch.Tensor, steps: int = 5, eps: float = 1e-7) -> torch.Tensor:
    """An approximation of U V^T for g = U S V^T (the nearest semi-orthogonal matrix), by Newton-Schulz.

    `g` is one matrix or a stack of equally shaped ones (..., rows, cols), each orthogonalised on its own."""
    a, b, c = _NS_COEFFS
    x = g.float()
    tall = x.size(-2) > x.size(-1)
    if tall:
        x = x.mT
    x = x / (torch.linalg.matrix_norm(x, keepdim=True) + eps)
    for _ in range(steps):
        s = x @ x.mT
        x = a * x + (b * s + c * s @ s) @ x
    return (x.mT if tall else x).to(g.dtype)


def _stacks(updates: list[torch.Tensor], max_elements: int) -> Iterable[list[int]]:
    """Indices of `updates` in groups that can be orthogonalised as one stack: the same shape once tall matrices
    are transposed, the same dtype and device, at most `max_elements` numbers per stack (bounds the memory the
    stack and its Newton-Schulz products take on a large model)."""
    groups: dict[tuple, list[int]] = {}
    for i, u in enumerate(updates):
        rows, cols = u.shape
        groups.setdefault((min(rows, cols), max(rows, cols), u.dtype, u.device), []).append(i)
    for (rows, cols, _, _), idx in groups.items():
        per_stack = max(1, max_elements // (rows * cols))
        for start in range(0, len(idx), per_stack):
            yield idx[start:start + per_stack]


def is_muon_param(name: str, p: torch.Tensor) -> bool:
    """A 2-D hidden weight: attention and MLP projections, never the embedding/LM head."""
    return p.ndim == 2 and "embed" not in name and "lm_head" not in name


class MuonAdamW(torch.optim.Optimizer):
    """Muon on hidden 2-D weights, AdamW on the rest; `lr` and `weight_decay` are shared (AdamW-matched RMS)."""

    def __init__(self, named_params: Iterable[tuple[str, torch.Tensor]], lr: float = 3e-3,
                 weight_decay: float = 0.0, momentum: float = 0.95, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, ns_steps: int = 5) -> None:
        muon, adam = [], []
        for name, p in named_params:
            if p.requires_grad:
                (muon if is_muon_param(name, p) else adam).append(p)
        if not muon:
            raise ValueError("MuonAdamW found no 2-D hidden weights to orthogonalise; use AdamW for this model.")
        groups = [{"params": muon, "muon": True}, {"params": adam, "muon": False}]
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, betas=betas, eps=eps,
                        ns_steps=ns_steps)
        super().__init__([g for g in groups if g["params"]], defaults)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, wd = group["lr"], group["weight_decay"]
            params = [p for p in group["params"] if p.grad is not None]
            if wd:
                for p in params:
                    p.mul_(1.0 - lr * wd)
            if group["muon"]:
                self._muon_updates(params, group, lr)
            else:
                for p in params:
                    self._adamw_update(p, group, lr)
        return loss

    def _muon_updates(self, params: list[torch.Tensor], group: dict, lr: float) -> None:
        """Nesterov momentum, then one batched Newton-Schulz per stack of equally shaped matrices: on a small
        model the per-matrix calls' overhead, not their arithmetic, was most of the optimizer's time."""
        updates = []
        for p in params:
            state = self.state[p]
            if "momentum_buffer" not in state:  # not setdefault: its default would allocate on every step
                state["momentum_buffer"] = torch.zeros_like(p)
            buf = state["momentum_buffer"]
            buf.mul_(group["momentum"]).add_(p.grad)
            update = p.grad.add(buf, alpha=group["momentum"])  # Nesterov
            updates.append(update.mT if update.size(0) > update.size(1) else update)  # all wide
        for idx in _stacks(updates, NS_MAX_ELEMENTS):
            ortho = orthogonalise(torch.stack([updates[i] for i in idx]), group["ns_steps"])
            for i, o in zip(idx, ortho):
                p = params[i]
                scale = 0.2 * math.sqrt(max(p.size(0), p.size(1)))
                p.add_(o.mT if p.size(0) > p.size(1) else o, alpha=-lr * scale)

    def _adamw_update(self, p: torch.Tensor, group: dict, lr: float) -> None:
        state = self.state[p]
        if not state:
            state["step"] = 0
            state["exp_avg"] = torch.zeros_like(p)
            state["exp_avg_sq"] = torch.zeros_like(p)
        beta1, beta2 = group["betas"]
        state["step"] += 1
        state["exp_avg"].lerp_(p.grad, 1 - beta1)
        state["exp_avg_sq"].mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
        bias1 = 1 - beta1 ** state["step"]
        bias2 = 1 - beta2 ** state["step"]
        denom = (state["exp_avg_sq"] / bias2).sqrt_().add_(group["eps"])
        p.addcdiv_(state["exp_avg"], denom, value=-lr / bias1)
