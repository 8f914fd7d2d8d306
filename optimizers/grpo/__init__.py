"""Dual-space GRPO (QiMeng-CRUX): TRL's GRPOTrainer wrapped as a compiler, with simulator rewards in both the
CRUX space and the code space and a progressive reward-weight schedule. Entry point: `GRPOCompiler`
(`optimizers.grpo.compiler`); see docs/GRPO.md."""
