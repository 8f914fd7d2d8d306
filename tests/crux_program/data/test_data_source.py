"""`data=synthetic` and `task=make_data` compose and build; the plain command writes the same bytes twice."""
from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from crux_program.data.__main__ import main
from crux_program.data.sources import SyntheticData

CONF = Path(__file__).resolve().parents[3] / "conf"


def test_hydra_config_builds_and_loads(tmp_path):
    overrides = ["data=synthetic", "task=make_data", "data.synthetic.size=1000", "data.synthetic.check=compile",
                 f"data.synthetic.out_dir={tmp_path}", "data.test_split=test", "data.limit=null", "data.synthetic.seed=5"]
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    assert cfg.task.name == "make_data"
    source = instantiate(cfg.data)
    assert isinstance(source, SyntheticData) and source.synthetic.seed == 5
    splits = source.load()
    assert splits.train and splits.val and splits.test
    assert {p.source for p in splits.test} == {"synthetic/test_seen", "synthetic/test_unseen"}
    assert all(ex.split == "train" and ex.problem.reference == ex.verilog for ex in splits.train)
    stamp = (tmp_path / "config.json").stat().st_mtime_ns
    source.load()  # same config: reused, not rebuilt
    assert (tmp_path / "config.json").stat().st_mtime_ns == stamp


def test_a_folder_built_with_other_settings_is_rebuilt_with_a_warning_naming_them(tmp_path, caplog):
    from crux_program.data.curriculum import SyntheticConfig

    source = SyntheticData(synthetic=SyntheticConfig(size=400, check="none", out_dir=str(tmp_path)))
    source.load()
    recorded = (tmp_path / "config.json").read_text()
    other = SyntheticData(synthetic=SyntheticConfig(size=400, check="none", out_dir=str(tmp_path),
                                                    rename_fraction=0.5))
    assert other.changed_settings(recorded) == ["rename_fraction: 0.0 -> 0.5"]
    older = recorded.replace('"rename_per": "example", ', "")  # a config.json from before rename_per existed
    assert "rename_per: '(not recorded)' -> 'example'" in source.changed_settings(older)
    with caplog.at_level("WARNING", logger="crux_program.data.sources.synthetic"):
        other.load()
    assert "rename_fraction: 0.0 -> 0.5" in caplog.text and "rebuilding" in caplog.text
    assert (tmp_path / "config.json").read_text() != recorded


def test_command_is_deterministic(tmp_path, capsys):
    for name in ("a", "b"):
        assert main(["--size", "400", "--check", "none", "--out", str(tmp_path / name)]) == 0
    out = capsys.readouterr().out
    assert "test_unseen" in out and "level=special" in out
    for split in ("train", "val", "test_seen", "test_unseen", "test"):
        assert (tmp_path / "a" / f"{split}.jsonl").read_bytes() == (tmp_path / "b" / f"{split}.jsonl").read_bytes()


def test_corpus_command(tmp_path, capsys):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"instruction": "Invert a.", "output": "module inv(input a, output y); assign y = ~a; endmodule"}\n'
                      '{"instruction": "Broken.", "output": "module b(input a, output y); assign y = ; endmodule"}\n')
    assert main(["corpus", "--input", str(corpus), "--out", str(tmp_path / "out.jsonl")]) == 0
    assert "kept 1" in capsys.readouterr().out and (tmp_path / "out.jsonl").read_text().count("\n") == 1


def test_folders_built_before_rename_copies_existed_are_still_reused(tmp_path):
    from crux_program.data.curriculum import SyntheticConfig

    source = SyntheticData(synthetic=SyntheticConfig(size=400, check="none", out_dir=str(tmp_path)))
    source.load()
    assert "rename_copies" not in (tmp_path / "config.json").read_text()  # default 1: the old stamp
    copies = SyntheticData(synthetic=SyntheticConfig(size=400, check="none", out_dir=str(tmp_path),
                                                     rename_fraction=0.5, rename_copies=2))
    assert "rename_copies: '(not recorded)' -> 2" in copies.changed_settings((tmp_path / "config.json").read_text())


def test_another_worker_count_reuses_the_folder(tmp_path):
    """`jobs` changes how fast the curriculum is built, not what it holds: no rebuild for it."""
    from crux_program.data.curriculum import SyntheticConfig

    SyntheticData(synthetic=SyntheticConfig(size=400, check="none", out_dir=str(tmp_path), jobs=1)).load()
    stamp = (tmp_path / "config.json").stat().st_mtime_ns
    SyntheticData(synthetic=SyntheticConfig(size=400, check="none", out_dir=str(tmp_path), jobs=2)).load()
    assert (tmp_path / "config.json").stat().st_mtime_ns == stamp


def test_a_copied_curriculum_folder_is_reused_where_it_now_lives(tmp_path):
    """`out_dir` says where a curriculum lives, not what it holds: a copied folder is not rebuilt."""
    import shutil

    from crux_program.data.curriculum import SyntheticConfig

    SyntheticData(synthetic=SyntheticConfig(size=400, check="none", out_dir=str(tmp_path / "a"))).load()
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    stamp = (tmp_path / "b" / "config.json").stat().st_mtime_ns
    copied = SyntheticData(synthetic=SyntheticConfig(size=400, check="none", out_dir=str(tmp_path / "b"))).load()
    assert (tmp_path / "b" / "config.json").stat().st_mtime_ns == stamp and copied.test
