"""Per-row sampling: each request's draw depends on its own seed and settings, not on its batch mates."""

from __future__ import annotations

import torch

from crux_program.lm.sampling import DrawSeeds, RowSampler, SampleSettings, top_p_filter


def test_top_p_keeps_the_smallest_set_reaching_p():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    kept = torch.isfinite(top_p_filter(logits, torch.tensor([0.7])))
    assert kept.tolist() == [[True, True, False, False]]
    kept = torch.isfinite(top_p_filter(logits, torch.tensor([0.1])))
    assert kept.tolist() == [[True, False, False, False]]  # the top token always stays


def _draws(sampler: RowSampler, scores: torch.Tensor, steps: int) -> list[list[int]]:
    rows = []
    for _ in range(steps):
        rows.append(sampler(torch.zeros(scores.shape[0], 1, dtype=torch.long), scores).argmax(-1).tolist())
    return [list(col) for col in zip(*rows)]


def test_a_rows_draws_do_not_depend_on_its_batch_mates():
    torch.manual_seed(0)
    vocab = torch.randn(1, 50)
    mine = SampleSettings(temperature=1.0, top_p=0.9, seed=123)
    alone = _draws(RowSampler([mine], "cpu"), vocab, 20)[0]
    mates = [SampleSettings(temperature=0.7, seed=9), mine, SampleSettings(temperature=0.0)]
    batched = _draws(RowSampler(mates, "cpu"), vocab.repeat(3, 1), 20)
    assert batched[1] == alone
    assert batched[2] == [int(vocab.argmax())] * 20  # greedy row untouched
    assert len(set(alone)) > 1  # it really samples


def test_repeated_identical_requests_get_new_but_reproducible_seeds():
    settings = SampleSettings(temperature=0.8, seed=7)
    first, second = DrawSeeds(), DrawSeeds()
    run1 = [first.assign("prompt", settings).seed for _ in range(4)]
    run2 = [second.assign("prompt", settings).seed for _ in range(4)]
    assert len(set(run1)) == 4 and run1 == run2
    assert first.assign("other prompt", settings).seed not in run1
    greedy = SampleSettings(temperature=0.0, seed=7)
    assert first.assign("prompt", greedy) == greedy
