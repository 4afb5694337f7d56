"""BenchmarkSpec: registration, attributes, source resolution and provenance."""

from __future__ import annotations

import pytest

from audiomcq_plugins import plugins
from audiomcq_plugins.benchmarks import ENV_VAR, DataNotFoundError, get_spec, load_benchmark
from audiomcq_plugins.benchmarks.fixtures import write_fixture
from audiomcq_plugins.benchmarks.spec import sha256_files

NAMES = {
    "mmau_test_mini",
    "mmau_test",
    "mmar",
    "mmsu",
    "audiomcq",
    "audiomcq_strongac_geminicot",
    "dcase2026_task5_dev",
    "audiomcq_synth",
    "air_bench_foundation",
    "mmau_pro",
}


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv(ENV_VAR, raising=False)


def test_every_builtin_benchmark_is_registered_by_the_hook():
    assert NAMES <= set(plugins.registry("benchmarks").names())
    assert plugins.describe()["audiomcq_plugins.benchmarks.builtin"]["benchmarks"] == sorted(NAMES)


@pytest.mark.parametrize(
    "name, family, prompt, scorer, breakdowns",
    [
        ("mmau_test_mini", "mmau", "mmau", "mmau-official", {"task", "difficulty", "sub-category"}),
        ("mmar", "mmar", "mmar", "mmau-official", {"modality", "category", "sub-category"}),
        ("mmsu", "mmsu", "mmsu", "mmsu-official", {"category", "sub-category"}),
        (
            "audiomcq",
            "audiomcq",
            "r1aqa",
            "r1aqa-official",
            {"question_type", "audio_contribution"},
        ),
        ("dcase2026_task5_dev", "dcase", "r1aqa", "r1aqa-official", set()),
        (
            "audiomcq_synth",
            "synth",
            "r1aqa",
            "r1aqa-official",
            {"question_type", "audio_contribution"},
        ),
    ],
)
def test_spec_attributes(name, family, prompt, scorer, breakdowns):
    spec = get_spec(name)
    assert (spec.family, spec.default_prompt, spec.official_scorer) == (family, prompt, scorer)
    assert breakdowns <= set(spec.breakdowns)


def test_only_mmau_test_withholds_answers_and_hub_ids_are_pinned_sources():
    assert [n for n in NAMES if get_spec(n).answers_withheld] == ["mmau_test"]
    assert get_spec("mmau_test_mini").hub_id == "gamma-lab-umd/MMAU-test-mini"
    assert get_spec("mmsu").hub_id == "ddwang2000/MMSU"
    assert "110127f5" in get_spec("mmau_test_mini").revision


def test_unknown_benchmark_lists_known_names():
    with pytest.raises(plugins.UnknownNameError, match="mmau_test_mini"):
        get_spec("mmau-test-mini")


def test_source_resolution_order(tmp_path, monkeypatch):
    explicit = write_fixture("mmar", tmp_path / "explicit", n=3, seed=1)
    data_dir = write_fixture("mmar", tmp_path / "data_dir" / "mmar", n=4, seed=2)
    env = write_fixture("mmar", tmp_path / "env" / "mmar", n=5, seed=3)
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert len(load_benchmark("mmar", explicit, data_dir=tmp_path / "data_dir").items) == 3
    assert len(load_benchmark("mmar", data_dir=tmp_path / "data_dir").items) == 4
    assert len(load_benchmark("mmar", data_dir=data_dir).items) == 4  # the layout itself
    assert len(load_benchmark("mmar").items) == 5
    assert load_benchmark("mmar").data_root == env.resolve()
    # the metadata file itself is a valid source too
    assert len(load_benchmark("mmar", explicit / "MMAR-meta.jsonl").items) == 3


def test_missing_data_says_what_to_download_and_where(tmp_path):
    with pytest.raises(DataNotFoundError) as info:
        load_benchmark("mmau_test_mini", data_dir=tmp_path, hub=False)
    msg = str(info.value)
    assert "gamma-lab-umd/MMAU-test-mini" in msg and ENV_VAR in msg
    assert "test-mini-audios" in msg and str(tmp_path) in msg
    with pytest.raises(DataNotFoundError, match="does not hold its metadata"):
        load_benchmark("mmar", tmp_path)


def test_offline_hub_attempt_is_reported_not_raised_raw(tmp_path, monkeypatch):
    spec = get_spec("mmsu")
    monkeypatch.setattr(
        type(spec), "_download", lambda self: (_ for _ in ()).throw(ConnectionError("no network"))
    )
    with pytest.raises(DataNotFoundError, match="ConnectionError: no network"):
        spec.load(hub=True)


def test_content_hash_is_the_metadata_sha256_and_provenance_records_it(tmp_path):
    root = write_fixture("mmau_test_mini", tmp_path, n=4)
    loaded = load_benchmark("mmau_test_mini", root)
    assert loaded.content_hash == sha256_files([root / "mmau-test-mini.json"])
    prov = loaded.provenance()
    assert prov["content_hash"] == loaded.content_hash and prov["n_items"] == 4
    assert prov["pinned_content"] is False  # a fixture is not the pinned file
    assert prov["revision"] == get_spec("mmau_test_mini").revision


def test_every_spec_names_registered_prompt_and_scorer():
    from audiomcq_plugins import plugins

    for name in plugins.registry("benchmarks").names():
        spec = plugins.get("benchmarks", name)
        plugins.get("prompt_formats", spec.default_prompt)
        plugins.get("scorers", spec.official_scorer)


def test_source_layout_is_typed_and_old_options_still_load_with_a_warning(tmp_path):
    """A plugin's layout given the old way (``options={"default_fields": ...}``) loads the same
    items as ``source_layout=SourceLayout(...)``, and says how to move it."""
    import json
    import warnings

    from audiomcq_plugins.benchmarks import BenchmarkSpec, SourceLayout
    from audiomcq_plugins.benchmarks.records import json_reader

    (tmp_path / "clips").mkdir()
    (tmp_path / "birds.jsonl").write_text(
        json.dumps({"key": "b1", "clip": "b1.wav", "q": "Which bird?", "opts": ["owl", "jay"],
                    "gold": "owl"}) + "\n"
    )  # fmt: skip
    fields = {"id": "key", "audio": "clip", "question": "q", "choices": "opts", "answer": "gold"}
    common = dict(
        name="birdsong",
        family="birds",
        split="test",
        description="d",
        reader=json_reader,
        metadata=("birds.jsonl",),
        layout="birds.jsonl + clips/",
    )
    new = BenchmarkSpec(**common, source_layout=SourceLayout(fields=fields, audio_dir="clips"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = BenchmarkSpec(**common, options={"default_fields": fields, "audio_dir": "clips"})
    (warning,) = [w for w in caught if issubclass(w.category, FutureWarning)]
    assert "['audio_dir', 'default_fields']" in str(warning.message)
    assert "source_layout=SourceLayout" in str(warning.message)
    assert old.source_layout == new.source_layout and old.options == {}
    a, b = new.load(tmp_path).items, old.load(tmp_path).items
    assert [i.to_dict() for i in a] == [i.to_dict() for i in b]
    assert a[0].answer == "owl" and str(a[0].audio).endswith("b1.wav")
    assert new.hub_files() == ["birds.jsonl", "clips/*"]


def test_a_full_release_that_is_not_the_pinned_one_is_warned_about(tmp_path):
    """A file with as many items as the pinned release but another hash is another release
    (MMAU's metadata changed several times in 2025); a smaller file (a subset, a fixture)
    is not warned about. Both record pinned_content: false."""
    import dataclasses
    import warnings

    src = write_fixture("mmau_test_mini", tmp_path / "mmau", n=6, max_seconds=0.5)
    pinned_size = dataclasses.replace(get_spec("mmau_test_mini"), expected_items=6)
    with pytest.warns(UserWarning, match="a full release but not the pinned one"):
        loaded = pinned_size.load(src)
    assert loaded.quirks["content_hash_matches_pin"] is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert get_spec("mmau_test_mini").load(src).quirks["content_hash_matches_pin"] is False
