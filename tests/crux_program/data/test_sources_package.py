"""Every `data=` config builds a source that lives in crux_program.data.sources and is exported there."""
from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

import crux_program.data.sources as sources
from crux_program.data.sources import DataSplits

CONF_DATA = Path(__file__).resolve().parents[3] / "conf" / "data"


@pytest.mark.parametrize("config", sorted(p.name for p in CONF_DATA.glob("*.yaml")))
def test_each_data_config_targets_an_exported_source(config):
    target = OmegaConf.load(CONF_DATA / config)["_target_"]
    module, _, name = target.rpartition(".")
    assert module == "crux_program.data.sources" and name in sources.__all__, f"{config}: {target}"
    source = getattr(sources, name)
    assert callable(getattr(source, "load", None)), f"{name} has no load()"
    assert config in (sources.__doc__ or ""), f"the package docstring names {config} as what builds {name}"


def test_the_splits_type_is_one_class_wherever_it_is_imported_from():
    from crux_program.evaluation import DataSplits as from_evaluation

    assert from_evaluation is DataSplits
