"""EvalConfig: how an evaluation samples and scores (one typed value, validated on construction)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EvalConfig:
    """Settings of one evaluation run.

    n_samples: samples per problem. VerilogEval's two protocols are n=1 at temperature 0 and
        n=20 at temperature 0.85 / top_p 0.95 (see conf/experiment/verilog_eval_n20.yaml).
    temperature, top_p: sampling settings applied to every LM of the program for this run;
        None keeps the LM's own setting (from its `lm=` config).
    num_threads: programs run concurrently; a batching local LM serves them in one `generate`.
    ks: pass@k values to report; those above n_samples are left out (pass@k needs k <= n).
    resume: reuse samples.jsonl / verdicts.jsonl already in the run folder (an interrupted run goes on
        where it stopped); False starts the files afresh.
    progress: show a tqdm progress bar.
    """

    n_samples: int = 1
    temperature: float | None = None
    top_p: float | None = None
    num_threads: int = 4
    ks: list[int] = field(default_factory=lambda: [1, 5, 10])
    resume: bool = True
    progress: bool = True

    def __post_init__(self) -> None:
        if self.n_samples < 1:
            raise ValueError(f"EvalConfig.n_samples={self.n_samples}: draw at least one sample per problem")
        if self.num_threads < 1:
            raise ValueError(f"EvalConfig.num_threads={self.num_threads}: use 1 or more threads")
        if self.temperature is not None and self.temperature < 0:
            raise ValueError(f"EvalConfig.temperature={self.temperature}: must be >= 0 (or null for the LM's own)")
        if self.top_p is not None and not 0 < self.top_p <= 1:
            raise ValueError(f"EvalConfig.top_p={self.top_p}: must be in (0, 1] (or null for the LM's own)")
        self.ks = [int(k) for k in self.ks]

    def sampling_kwargs(self) -> dict:
        """The request parameters this run sets on every LM (only those not left to the LM)."""
        kwargs = {}
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        if self.top_p is not None:
            kwargs["top_p"] = self.top_p
        return kwargs
