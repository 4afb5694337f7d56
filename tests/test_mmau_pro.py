"""MMAU-Pro: the loader on its published layout (closed-form items only, multi-audio items with
every clip in order), multi-clip items through documents, prepare, validation and the model
backend, the prompt, and the official nearest-choice rule on crafted outputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from audiomcq_plugins import hookimpl, plugins, task_docs
from audiomcq_plugins.benchmarks import get_spec
from audiomcq_plugins.benchmarks.fixtures import write_fixture
from audiomcq_plugins.items import Item, load_items, validate_items, write_items
from audiomcq_plugins.prompts import render
from audiomcq_plugins.scoring.embedding import EmbeddingMatch, char_ngram


@pytest.fixture
def root(tmp_path):
    return write_fixture("mmau_pro", tmp_path / "mmau_pro", n=6, max_seconds=0.5)


def _rewrite(root, change):
    """Rewrite test.parquet with ``change(rows)`` applied (another copy's layout)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = pq.read_table(root / "test.parquet").to_pylist()
    pq.write_table(pa.Table.from_pylist(change(rows)), root / "test.parquet")


# -- loading ---------------------------------------------------------------------------------


def test_closed_form_items_load_with_every_clip_in_order(root):
    loaded = get_spec("mmau_pro").load(root)
    assert len(loaded.items) == 6  # the open and instruction-following rows are left out
    assert loaded.quirks["not_closed_form"]["count"] == 2
    multi = [it for it in loaded.items if it.breakdown["clips"] == "multi"]
    assert [len(it.clips) for it in multi] == [3, 3]
    for it in multi:
        assert [c.path for c in it.clips] == [f"{it.clips[0].path[:-6]}-{k}.wav" for k in range(3)]
    single = [it for it in loaded.items if it.breakdown["clips"] == "single"]
    assert single and all(len(it.clips) == 1 and not it.extra_audio for it in single)
    for it in loaded.items:
        assert all((loaded.data_root / c.path).is_file() for c in it.clips)
        assert it.answer in it.choices and it.breakdown["category"]


def test_a_copy_with_string_audio_paths_loads_too(root):
    def as_strings(rows):
        for row in rows:
            row["audio_path"] = row["audio_path"][0]
        return rows

    _rewrite(root, as_strings)
    items = get_spec("mmau_pro").load(root).items
    assert all(len(it.clips) == 1 and it.breakdown["clips"] == "single" for it in items)


def test_an_unextracted_data_zip_is_named_with_the_command_to_run(root):
    import shutil

    shutil.make_archive(str(root / "data"), "zip", root, "data")
    shutil.rmtree(root / "data")
    with pytest.raises(FileNotFoundError, match=r"data.zip is not extracted: run `unzip"):
        get_spec("mmau_pro").load(root)


# -- multi-clip items ------------------------------------------------------------------------


def test_a_multi_clip_item_round_trips_through_jsonl(tmp_path):
    item = Item("x", "b", "test", ["a.wav", "b.wav", "c.wav"], "Q?", ["yes", "no"], "no")
    assert item.audio.path == "a.wav" and [c.path for c in item.extra_audio] == ["b.wav", "c.wav"]
    write_items([item], tmp_path / "i.jsonl")
    record = json.loads((tmp_path / "i.jsonl").read_text())
    assert record["audio"] == ["a.wav", "b.wav", "c.wav"] and "extra_audio" not in record
    assert load_items(tmp_path / "i.jsonl")[0].clips == item.clips
    single = Item("y", "b", "test", "a.wav", "Q?", ["yes", "no"], "no")
    assert single.to_dict()["audio"] == "a.wav" and single.clips == (single.audio,)


def test_validation_names_the_missing_clip_of_a_multi_clip_item(root):
    loaded = get_spec("mmau_pro").load(root)
    multi = next(it for it in loaded.items if len(it.clips) == 3)
    (loaded.data_root / multi.clips[2].path).unlink()
    problems = validate_items(loaded.items, data_root=loaded.data_root)
    assert [(p.item_id, p.field, p.value) for p in problems] == [
        (multi.id, "audio", multi.clips[2].path)
    ]


def test_prepare_checks_every_clip_and_writes_the_list(root, tmp_path):
    import soundfile

    from audiomcq_plugins.benchmarks.prepare import prepare

    result = prepare("mmau_pro", root, tmp_path / "out", progress=False)
    items = {it.id: it for it in load_items(result.path)}
    loaded = {it.id: it for it in get_spec("mmau_pro").load(root).items}
    for iid, item in items.items():
        assert item.clips == loaded[iid].clips
        seconds = sum(soundfile.info(str(root / c.path)).duration for c in item.clips)
        assert item.breakdown["duration"] == pytest.approx(seconds, abs=2e-3)


def test_documents_carry_every_clip_and_ablate_each(root):
    rows, provenance = task_docs.load_rows(benchmark="mmau_pro", sources={"mmau_pro": root})
    row = next(r for r in rows if len(r["audio_paths"]) == 3)
    refs = task_docs.audio_references(row)
    assert [r["path"] for r in refs] == row["audio_paths"]
    assert [r["id"] for r in refs] == [row["id"], f"{row['id']}#2", f"{row['id']}#3"]
    settings = json.loads(row["settings"])
    noisy = task_docs.audio_references(
        {**row, "settings": json.dumps({**settings, "audio": "noise"})}
    )
    assert len({r["seed"] for r in noisy}) == 3 and all(r["noise_seconds"] == 30 for r in noisy)
    assert (
        task_docs.audio_references({**row, "settings": json.dumps({**settings, "audio": "none"})})
        == []
    )
    assert provenance["scorer_modes"]["acc_official"] == ("mmau-pro-official (embedder char-ngram)")


def test_training_data_refuses_multi_clip_items_by_name(root, tmp_path):
    pytest.importorskip("trl")
    from audiomcq_plugins.benchmarks.prepare import prepare
    from audiomcq_plugins.integrations.trl.data import prepare as trl_prepare
    from audiomcq_plugins.items import ValidationError

    result = prepare("mmau_pro", root, tmp_path / "out", progress=False)
    with pytest.raises(ValidationError, match=r"has 3 clips; the training layout takes one"):
        trl_prepare(result.path, root, tmp_path / "trl")


# -- prompt and official scorer --------------------------------------------------------------


def test_the_prompt_is_the_question_then_lettered_options():
    assert render("mmau_pro", "Which is louder?", ["first", "second"]) == (
        "Which is louder?\n\nA. first\nB. second"
    )


CHOICES = ["a dog barking", "a cat meowing", "rain on a roof", "a car engine"]


@pytest.mark.parametrize(
    ("output", "choice"),
    [
        ("The sound is a dog barking in the distance.", 0),
        ("  rain on a roof  ", 2),  # stripped first
        ("A CAT MEOWING", 1),  # the lexical embedder lower-cases; NV-Embed is its own judge
        ("car engine", 3),
        ("B", None),  # a bare letter is embedded like any text: some choice, never unparsed
        ("", None),  # so is an empty output
    ],
)
def test_the_nearest_choice_is_taken(output, choice):
    verdict = EmbeddingMatch("char-ngram")(output, CHOICES, CHOICES[choice or 0])
    assert verdict.parsed and verdict.counted and verdict.choice is not None
    if choice is not None:
        assert verdict.choice == choice and verdict.correct


def test_correct_compares_the_chosen_text_stripped_and_lower_cased():
    matcher = EmbeddingMatch("char-ngram")
    assert matcher("a dog barking", CHOICES, "  A Dog Barking ").correct
    assert not matcher("a dog barking", CHOICES, "a cat meowing").correct
    # duplicate options: the first is taken, and either one is the answer by its text
    twins = matcher("same", ["same", "same", "other"], "same")
    assert twins.choice == 0 and twins.correct


def test_ties_take_the_first_choice_and_norms_do_not_matter(monkeypatch):
    class Plugin:
        @hookimpl
        def register_embedders(self, register):
            table = {"p": [1.0, 0.0], "x": [0.0, 10.0], "y": [0.0, 0.5], "z": [3.0, 0.0]}
            register("table", lambda texts: np.array([table[t] for t in texts]))

    plugins.register_plugin(Plugin(), "embedding-table")
    try:
        matcher = EmbeddingMatch("table")
        assert matcher("p", ["x", "y"], "y").choice == 0  # equal cosines: the first
        assert matcher("p", ["x", "z"], "z").choice == 1  # cosine, not dot product size
    finally:
        plugins.unregister_plugin("embedding-table")


def test_an_unknown_embedder_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("AUDIOMCQ_EMBEDDER", "char-ngrams")
    with pytest.raises(plugins.UnknownNameError, match="char-ngram"):
        plugins.get("scorers", "mmau-pro-official")("x", CHOICES, CHOICES[0])


def test_an_unloadable_embedder_stops_the_task_before_anything_runs(root, monkeypatch):
    monkeypatch.delenv("AUDIOMCQ_EMBEDDER")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(
        RuntimeError, match=r"(?s)cannot load its embedder 'nv-embed-v2'.*char-ngram"
    ):
        task_docs.load_rows(benchmark="mmau_pro", sources={"mmau_pro": root})


def test_the_lexical_embedder_is_deterministic():
    a, b = char_ngram(["a dog barking"]), char_ngram(["a dog barking"])
    assert np.array_equal(a, b) and a.shape == (1, 4096) and a.sum() == len(" a dog barking ") - 2


# -- the model hears every clip --------------------------------------------------------------


@pytest.mark.parametrize("arch", ["qwen2-audio", "qwen2.5-omni"])
def test_the_backend_passes_every_clip_in_order(arch, tmp_path):
    """A 3-clip request batched with a 1-clip one: the processor gets 4 clips and the 3-clip
    row holds 3 audio spans; each row's greedy answer equals running it alone; the clips'
    order matters to the model (reversed, the 3-clip row's answer changes)."""
    pytest.importorskip("transformers")
    from audiomcq_plugins import audio
    from audiomcq_plugins.models.hf import HFAudioLM
    from audiomcq_plugins.models.requests import AudioRequest
    from audiomcq_plugins.models.tiny import build_tiny_model

    rng = np.random.default_rng(0)
    clips = [audio.to_target(rng.standard_normal(8000 * (k + 1)).astype(np.float32) * 0.3, 16000)
             for k in range(3)]  # fmt: skip
    multi = AudioRequest("Which clip is the longest? A. first B. second C. third", tuple(clips))
    single = AudioRequest("Is there a dog? A. yes B. no", (clips[1],))
    lm = HFAudioLM(build_tiny_model(arch, tmp_path / "m"), device="cpu", batch_size=2)
    batch = lm.encode([multi, single])
    bos = lm.tokenizer.convert_tokens_to_ids("<|audio_bos|>")
    assert (batch["input_ids"] == bos).sum(dim=1).tolist() == [3, 1]
    together = lm.generate([multi, single], max_new_tokens=6)
    assert together == lm.generate([multi], max_new_tokens=6) + lm.generate(
        [single], max_new_tokens=6
    )
    reversed_ = AudioRequest(multi.text, tuple(clips[::-1]))
    assert lm.generate([reversed_], max_new_tokens=6) != together[:1]
