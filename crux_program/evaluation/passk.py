"""The unbiased pass@k estimator (Chen et al. 2021, "Evaluating Large Language Models Trained on Code").

With n samples of which c pass, pass@k = 1 - C(n-c, k) / C(n, k): the chance that at least one of k samples
drawn without replacement passes. It is computed as a running product, which stays exact for large n.

>>> pass_at_k(n=20, c=0, k=1)
0.0
>>> round(pass_at_k(n=20, c=5, k=1), 4)
0.25
>>> pass_at_k(n=5, c=1, k=5)
1.0
"""
from __future__ import annotations

from typing import Iterable


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one problem with `n` samples, `c` of them passing."""
    if not 0 <= c <= n:
        raise ValueError(f"pass_at_k: need 0 <= c <= n, got n={n}, c={c}")
    if not 1 <= k <= n:
        raise ValueError(f"pass_at_k: k={k} needs 1 <= k <= n={n}; draw more samples per problem or lower k")
    if n - c < k:
        return 1.0
    prob_all_fail = 1.0
    for i in range(n - c + 1, n + 1):
        prob_all_fail *= 1.0 - k / i
    return 1.0 - prob_all_fail


def mean_pass_at_k(counts: Iterable[tuple[int, int]], k: int) -> float:
    """Mean pass@k over problems, given one (n, c) pair per problem (the benchmark's reported figure)."""
    values = [pass_at_k(n, c, k) for n, c in counts]
    if not values:
        raise ValueError("mean_pass_at_k: no problems were scored")
    return sum(values) / len(values)


def reportable_ks(n: int, ks: Iterable[int]) -> list[int]:
    """The ks that `n` samples per problem can support (k <= n), sorted, duplicates removed."""
    return sorted({k for k in ks if 1 <= k <= n})
