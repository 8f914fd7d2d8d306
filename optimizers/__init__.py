"""Compilers of the CRUX program: `compile(program, trainset, valset, budget=None) -> program`, chosen with
`compiler=`.

- `optimizers.none.NoCompiler`: the program as written;
- `optimizers.bootstrap.BootstrapCompiler`, `optimizers.mipro.MiproCompiler`, `optimizers.gepa.GepaCompiler`:
  DSPy's prompt optimisers against the simulator metric;
- `optimizers.sft.SFTCompiler`, `optimizers.rft.RFTCompiler`: fine-tuning of the program's own local model
  (TRL), on gold triplets or on its own samples that pass the simulator;
- `optimizers.grpo`, `optimizers.sft_grpo`: dual-space GRPO (docs/GRPO.md).

Shared pieces: `optimizers.base.Compiler`, typed settings in `optimizers.config`, run-folder artifacts in
`optimizers.artifacts`, adapter-exact rendering of training rows in `optimizers.render`. Submodules are not
imported here, so `import optimizers` never pays for TRL or PEFT.
"""
