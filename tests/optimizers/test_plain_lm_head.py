"""The plain LM head gives TRL's fused head's numbers (values and gradients) and leaves generation alone."""
from __future__ import annotations

import copy

import pytest
import torch
from transformers import Qwen2Config, Qwen2ForCausalLM
from trl.trainer.utils import add_fused_lm_head

from optimizers.plain_lm_head import supports_plain_lm_head, use_plain_lm_head, wants_plain_lm_head

FIELDS = ("log_probs", "entropy", "is_top1", "log_sum_sq_probs", "mean_logits")


def _model() -> Qwen2ForCausalLM:
    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=96, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=4, tie_word_embeddings=True)
    return Qwen2ForCausalLM(config).eval()


def _batch(padding: str = "left"):
    torch.manual_seed(1)
    ids = torch.randint(3, 96, (3, 12))
    attention = torch.ones_like(ids)
    if padding == "left":
        attention[2, :4] = 0  # a left-padded row: the mask must stay
    else:
        attention[2, -4:] = 0  # right padding, as SFT batches come: the plain head drops the mask
        attention[0, -1:] = 0
    labels = ids.masked_fill(attention == 0, -100)
    labels[:, :5] = -100  # loss on the "answer" only, as SFT's completion mask does
    labels[1] = -100  # one row with nothing to score
    return ids, attention, labels


@pytest.mark.parametrize("temperature,padding", [(1.0, "left"), (0.7, "left"), (1.0, "right")])
def test_plain_head_matches_trl_fused_head(temperature, padding):
    trl_model, plain_model = _model(), _model()
    add_fused_lm_head(trl_model, temperature=temperature, outputs=FIELDS)
    add_fused_lm_head(plain_model, temperature=temperature, outputs=FIELDS)
    use_plain_lm_head(plain_model, temperature=temperature, outputs=FIELDS)
    ids, attention, labels = _batch(padding)
    ref = trl_model(input_ids=ids, attention_mask=attention, labels=labels, fused_lm_head=True)
    got = plain_model(input_ids=ids, attention_mask=attention, labels=labels, fused_lm_head=True)
    assert torch.equal(got.label_mask, ref.label_mask)
    for name in FIELDS:
        want, have = getattr(ref, name), getattr(got, name)
        assert have.shape == want.shape, name
        if name == "is_top1":
            assert torch.equal(have, want)
        else:
            torch.testing.assert_close(have, want, rtol=1e-4, atol=1e-5, msg=name)
    assert got.log_probs[1].abs().sum() == 0  # the unscored row is zero, as in TRL
    torch.testing.assert_close(got.loss, ref.loss, rtol=1e-5, atol=1e-6)
    (ref.loss + ref.entropy.sum()).backward()
    (got.loss + got.entropy.sum()).backward()  # GRPO's entropy bonus differentiates the entropy too
    for (name, p_ref), (_, p_got) in zip(trl_model.named_parameters(), plain_model.named_parameters()):
        torch.testing.assert_close(p_got.grad, p_ref.grad, rtol=1e-4, atol=1e-6, msg=name)


def test_only_a_right_padding_mask_is_dropped():
    from optimizers.plain_lm_head import _drop_right_padding_mask

    right = {"attention_mask": torch.tensor([[1, 1, 1], [1, 1, 0]])}
    _drop_right_padding_mask(right)
    assert right["attention_mask"] is None
    for mask in ([[1, 1, 1], [0, 1, 1]], [[1, 0, 1], [1, 1, 1]]):  # left padding, a hole
        kept = {"attention_mask": torch.tensor(mask)}
        _drop_right_padding_mask(kept)
        assert kept["attention_mask"] is not None
    packed = {"attention_mask": torch.ones(1, 3), "position_ids": torch.tensor([[0, 1, 0]])}
    _drop_right_padding_mask(packed)
    assert packed["attention_mask"] is not None


def test_num_items_in_batch_divides_the_loss():
    model = _model()
    add_fused_lm_head(model)
    use_plain_lm_head(model)
    ids, attention, labels = _batch()
    out = model(input_ids=ids, attention_mask=attention, labels=labels, fused_lm_head=True, num_items_in_batch=100)
    torch.testing.assert_close(out.loss, -out.log_probs.sum() / 100)
    assert out.entropy is None and out.is_top1 is None  # only what was asked for, as in TRL


def test_plain_calls_and_generation_are_untouched():
    reference, model = _model(), _model()
    add_fused_lm_head(model)
    use_plain_lm_head(model)
    ids, attention, _ = _batch()
    torch.testing.assert_close(model(input_ids=ids, attention_mask=attention).logits,
                               reference(input_ids=ids, attention_mask=attention).logits)
    prompt = ids[:1, :6]
    assert torch.equal(model.generate(prompt, max_new_tokens=5, do_sample=False),
                       reference.generate(prompt, max_new_tokens=5, do_sample=False))


def test_auto_policy_and_unsupported_models():
    assert wants_plain_lm_head("auto", "cpu", 4096)
    assert not wants_plain_lm_head("auto", "cuda", 4096)  # TRL's Triton kernel is the fast path there
    assert not wants_plain_lm_head("auto", "cpu", 151_936)  # Qwen's vocabulary: full logits would be large
    assert wants_plain_lm_head("plain", "cuda", 151_936) and not wants_plain_lm_head("trl", "cpu", 4096)
    with pytest.raises(ValueError, match="use one of auto, plain, trl"):
        wants_plain_lm_head("fast", "cpu", 4096)
    capped = copy.deepcopy(_model())
    capped.config.final_logit_softcapping = 30.0
    assert not supports_plain_lm_head(capped)
    with pytest.raises(ValueError, match="lm_head=trl"):
        use_plain_lm_head(capped)


def _prefixed_batch(rows: int = 3, prefix: int = 40, width: int = 56):
    """Rows that begin with the same `prefix` tokens (a rendered system message), then differ; right padded."""
    torch.manual_seed(2)
    ids = torch.randint(3, 96, (rows, width))
    ids[:, :prefix] = ids[0, :prefix].clone()
    attention = torch.ones_like(ids)
    attention[-1, -6:] = 0
    labels = ids.masked_fill(attention == 0, -100)
    labels[:, :prefix + 4] = -100
    return ids, attention, labels


@pytest.mark.parametrize("rows", [3, 1])
def test_shared_prefix_gives_the_same_loss_and_gradients(rows):
    from optimizers.plain_lm_head import shared_prefix_length

    ids, attention, labels = _prefixed_batch(rows)
    assert shared_prefix_length(ids) == (40 if rows > 1 else ids.shape[1])
    losses, grads = [], []
    for share in (False, True):
        model = _model()
        add_fused_lm_head(model)
        use_plain_lm_head(model, share_prefix=share)
        out = model(input_ids=ids, attention_mask=attention, labels=labels, fused_lm_head=True)
        out.loss.backward()
        losses.append(out.loss)
        grads.append({name: p.grad for name, p in model.named_parameters()})
    torch.testing.assert_close(losses[1], losses[0], rtol=1e-6, atol=1e-6)
    for name, grad in grads[0].items():
        torch.testing.assert_close(grads[1][name], grad, rtol=1e-4, atol=1e-6, msg=name)


def test_shared_prefix_runs_the_prefix_once_and_only_where_the_batch_allows(monkeypatch):
    from optimizers import plain_lm_head

    calls = []
    model = _model()
    add_fused_lm_head(model)
    use_plain_lm_head(model)
    inner = model.model.forward
    monkeypatch.setattr(model.model, "forward", lambda *a, **k: calls.append(k["input_ids"].shape) or inner(*a, **k))
    ids, attention, labels = _prefixed_batch()
    model(input_ids=ids, attention_mask=attention, labels=labels, fused_lm_head=True)
    assert calls == [torch.Size([1, 40]), torch.Size([3, 16])]  # the common tokens for one row, then the rest
    calls.clear()
    left = attention.flip(1)  # left padding keeps its mask: the rows' prefixes are not aligned, so no sharing
    model(input_ids=ids, attention_mask=left, labels=labels, fused_lm_head=True)
    assert calls == [torch.Size([3, 56])]
    calls.clear()
    monkeypatch.setattr(plain_lm_head, "MIN_SHARED_PREFIX", 41)  # too short a prefix to pay for a second call
    model(input_ids=ids, attention_mask=attention, labels=labels, fused_lm_head=True)
    assert calls == [torch.Size([3, 56])]


def test_shared_prefix_stays_off_under_activation_checkpointing(monkeypatch):
    # transformers drops the cache inside checkpointed layers: a suffix pass would silently lose its prefix
    calls = []
    model = _model().train()
    model.gradient_checkpointing_enable()
    add_fused_lm_head(model)
    use_plain_lm_head(model)
    inner = model.model.forward
    monkeypatch.setattr(model.model, "forward", lambda *a, **k: calls.append(k["input_ids"].shape) or inner(*a, **k))
    ids, attention, labels = _prefixed_batch()
    model(input_ids=ids, attention_mask=attention, labels=labels, fused_lm_head=True).loss.backward()
    assert calls == [torch.Size([3, 56])]
