"""The thin adapters over `sim.core.Verifier`: what turns its `SimResult` into what a consumer takes.

- `sim.adapters.metric`: `SimMetric`, the DSPy metric (a score for Evaluate and MIPROv2, the simulator's words
  for GEPA, a pass for bootstrapping), and `feedback_text`, those words.
- `sim.adapters.trl`: `sim_rewards`, plain TRL reward functions, one per `RewardParts` component, for users of
  TRL without this project's compilers.
- `sim.adapters.completions`: what the reward adapters share: a TRL completion's text, and judging completions
  grouped by task (one `check_group` per task). The dual-space GRPO scorer (optimizers/grpo/rewards.py) uses it
  too.

Each adapter holds no verdict logic of its own: the verdict, its reward parts and its feedback come from the core.
"""
