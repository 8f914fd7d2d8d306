"""Spec -> CRUX -> Verilog as typed DSPy modules (QiMeng-CRUX, arXiv 2511.20099).

Import the parts you need: `crux_program.crux` (the CRUX value), `crux_program.signatures`,
`crux_program.modules` (CruxPipeline, DirectVerilog), `crux_program.repair` (RepairLoop).
Nothing heavy is imported here so that `import crux_program.crux` stays cheap.
"""
