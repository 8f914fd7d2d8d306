"""MuonAdamW: the Newton-Schulz step orthogonalises, parameters are split by role, schedules drive both halves."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from optimizers.muon import MuonAdamW, is_muon_param, orthogonalise


@pytest.mark.parametrize("shape", [(16, 16), (8, 32), (48, 12)])
def test_orthogonalise_flattens_singular_values(shape):
    torch.manual_seed(0)
    k = min(shape)
    u, _ = torch.linalg.qr(torch.randn(shape[0], k))
    v, _ = torch.linalg.qr(torch.randn(shape[1], k))
    g = 5.0 * u @ torch.diag(torch.linspace(0.05, 1.0, k)) @ v.T  # condition number 20, any scale
    s = torch.linalg.svdvals(orthogonalise(g))
    # The quintic iteration trades exactness for speed: singular values land in roughly [0.7, 1.2].
    assert s.min() > 0.6 and s.max() < 1.25, s


def test_a_stack_is_orthogonalised_matrix_by_matrix():
    torch.manual_seed(0)
    stack = torch.randn(3, 48, 12) * torch.tensor([0.1, 1.0, 30.0]).view(3, 1, 1)  # tall, different scales
    batched = orthogonalise(stack)
    for g, o in zip(stack, batched):
        torch.testing.assert_close(o, orthogonalise(g), rtol=1e-4, atol=1e-5)


def test_batched_step_matches_one_matrix_at_a_time(monkeypatch):
    """The optimizer stacks equally shaped matrices (tall ones transposed, chunked by size); the step must be the
    per-matrix Muon update it replaces."""
    torch.manual_seed(0)
    shapes = [(16, 16), (16, 16), (32, 16), (16, 32), (8, 24)]
    params = [nn.Parameter(torch.randn(*s)) for s in shapes]
    grads = [torch.randn(*s) for s in shapes]
    expected = []
    for p, g in zip(params, grads):
        update = g.add(g, alpha=0.95)  # first step: the momentum buffer is the gradient
        expected.append(p.detach() - 0.02 * 0.2 * max(p.shape) ** 0.5 * orthogonalise(update))
    for max_elements in (10**9, 300):  # one stack per shape, and one matrix per stack
        copies = [nn.Parameter(p.detach().clone()) for p in params]
        for c, g in zip(copies, grads):
            c.grad = g.clone()
        monkeypatch.setattr("optimizers.muon.NS_MAX_ELEMENTS", max_elements)
        opt = MuonAdamW([(f"layer{i}.weight", c) for i, c in enumerate(copies)], lr=0.02)
        opt.step()
        for c, e in zip(copies, expected):
            torch.testing.assert_close(c.detach(), e, rtol=1e-4, atol=1e-5)


class _Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed_tokens = nn.Embedding(10, 8)
        self.proj = nn.Linear(8, 8)
        self.norm = nn.LayerNorm(8)
        self.lm_head = nn.Linear(8, 10, bias=False)

    def forward(self, x):
        return self.lm_head(self.norm(self.proj(self.embed_tokens(x))))


def test_only_hidden_matrices_go_to_muon():
    model = _Tiny()
    opt = MuonAdamW(model.named_parameters(), lr=1e-2)
    muon = {id(p) for g in opt.param_groups if g["muon"] for p in g["params"]}
    assert muon == {id(model.proj.weight)}
    assert is_muon_param("model.layers.0.mlp.up_proj.weight", torch.zeros(4, 4))
    assert not is_muon_param("model.embed_tokens.weight", torch.zeros(4, 4))
    assert not is_muon_param("lm_head.weight", torch.zeros(4, 4))
    assert not is_muon_param("model.norm.weight", torch.zeros(4))


def test_trains_a_toy_problem_and_follows_a_scheduler():
    torch.manual_seed(0)
    model = _Tiny()
    opt = MuonAdamW(model.named_parameters(), lr=2e-2)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0 - step / 200)
    x = torch.randint(0, 10, (64,))
    y = (x * 3 + 1) % 10  # a fixed mapping the model can learn
    first = None
    for _ in range(150):
        loss = nn.functional.cross_entropy(model(x), y)
        first = first if first is not None else loss.item()
        loss.backward()
        opt.step()
        opt.zero_grad()
        sched.step()
    assert loss.item() < 0.2 * first
    assert all(abs(g["lr"] - 2e-2 * 0.25) < 1e-9 for g in opt.param_groups), "the schedule scales every group"
    state = opt.state_dict()
    again = MuonAdamW(model.named_parameters(), lr=2e-2)
    again.load_state_dict(state)  # resumable like any torch optimizer
    assert again.state[model.proj.weight]["momentum_buffer"].shape == (8, 8)


def test_refuses_a_model_without_hidden_matrices():
    with pytest.raises(ValueError, match="AdamW"):
        MuonAdamW([("norm.weight", nn.Parameter(torch.ones(4)))])
