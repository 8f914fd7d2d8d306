#!/usr/bin/env bash
# Set up this repository on a fresh Debian/Ubuntu machine; safe to run again (it only does what is missing).
#   - Icarus Verilog, bubblewrap, Python 3.11 (and util-linux where missing) from apt (with sudo unless already root),
#   - a virtual environment in .venv,
#   - torch 2.13.0 FIRST (pinned: an unpinned torch can pull a multi-GB CUDA build), then the project
#     with its dev extras (pytest): pip install -e '.[dev]'.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive PIP_NO_INPUT=1

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
command -v iverilog >/dev/null 2>&1 || missing+=(iverilog)
command -v python3.11 >/dev/null 2>&1 || missing+=(python3.11)
# bubblewrap jails every simulation of model-written Verilog (sim/isolation.py; docs/SIM.md, threat model)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
# prlimit and setpriv contain every simulation (rlimits, parent-death signal); util-linux is in every
# Debian/Ubuntu base image, but not in every minimal container.
{ command -v prlimit && command -v setpriv; } >/dev/null 2>&1 || missing+=(util-linux)
if [ ! -x .venv/bin/python ] && ! python3.11 -c "import ensurepip, venv" >/dev/null 2>&1; then
    missing+=(python3.11-venv)
fi
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]} with apt-get"
    $SUDO apt-get update
    $SUDO apt-get install -y "${missing[@]}"
fi

# VerilogEval v2 names Icarus 12, and some references fail on 11 (docs/SIM.md, "Icarus 11 vs 12"): take 12 where
# the distribution's package lists offer it, else keep what is there and say so.
icarus_version=$(iverilog -V 2>/dev/null | sed -n '1s/^Icarus Verilog version \([0-9][0-9.]*\).*/\1/p')
if ! dpkg --compare-versions "${icarus_version:-0}" ge 12 2>/dev/null; then
    candidate=$(apt-cache policy iverilog 2>/dev/null | sed -n 's/^ *Candidate: *//p')
    if [ -n "$candidate" ] && dpkg --compare-versions "$candidate" ge 12 2>/dev/null; then
        echo "setup: installing Icarus Verilog $candidate (VerilogEval v2 names 12; found ${icarus_version:-none})"
        $SUDO apt-get install -y iverilog
    else
        echo "setup: keeping Icarus Verilog ${icarus_version:-?}: the distribution offers ${candidate:-no other} (VerilogEval v2 names 12; docs/SIM.md, \"Icarus 11 vs 12\", and sim.iverilog=PATH for a build of your own)"
    fi
fi

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with python3.11"
    python3.11 -m venv .venv
fi

if ! .venv/bin/python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')" >/dev/null 2>&1; then
    .venv/bin/python -m pip install torch==2.13.0
fi
.venv/bin/python -m pip install -e '.[dev]'
echo "setup: done ($(.venv/bin/python --version), $(iverilog -V 2>&1 | sed -n 1p))"  # sed reads to the end: head would SIGPIPE iverilog, which then leaves ivrl* files in /tmp
