"""AIR-Bench Foundation (OFA-Sys/AIR-Bench; data ``qyang1021/AIR-Bench-Dataset``):
``Foundation/Foundation_meta.json`` + one audio folder per sub-task,
``<task_name>_<dataset_name>/<path>``. Single-choice items with 2 to 4 options in the columns
``choice_a`` .. ``choice_d`` (``choice_c``/``choice_d`` absent or null when there are fewer),
the answer as option text (``answer_gt``), 19 tasks over 25 task/dataset folders.

Quirks kept from the official scripts (``Inference_Foundation.py``, ``score_foundation.py``):
the ``Audio_Grounding`` folder holds ``.flac`` files while the metadata names ``.wav`` (the
inference script swaps the last three characters); the prompt prints missing options as
``None``; the scorer reads a letter from the first or second-to-last character and leaves out
of its totals every answer it cannot read (docs/benchmarks.md). The Chat part (a GPT judge)
is not here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audiomcq_plugins.benchmarks.normalize import Quirks
from audiomcq_plugins.benchmarks.records import WRAPPERS, SourceLayout, mapped_reader
from audiomcq_plugins.benchmarks.spec import BenchmarkSpec
from audiomcq_plugins.recordfiles import read_records

CHOICE_COLUMNS = ("choice_a", "choice_b", "choice_c", "choice_d")
#: task_name -> the domain the AIR-Bench paper reports it under.
TASKS: dict[str, str] = {
    "Speaker_Age_Prediction": "speech",
    "Speaker_Emotion_Recontion": "speech",  # sic
    "Speaker_Gender_Recognition": "speech",
    "Speaker_Intent_Classification": "speech",
    "Speaker_Number_Verification": "speech",
    "Speech_Entity_Reconition": "speech",  # sic
    "Speech_Grounding": "speech",
    "Spoken_Language_Identification": "speech",
    "Synthesized_Voice_Detection": "speech",
    "Acoustic_Scene_Classification": "sound",
    "Audio_Grounding": "sound",
    "Sound_AQA": "sound",
    "vocal_sound_classification": "sound",
    "Music_AQA": "music",
    "Music_Genre_Recognition": "music",
    "Music_Instruments_Classfication": "music",  # sic
    "Music_Midi_Pitch_Analysis": "music",
    "Music_Midi_Velocity_Analysis": "music",
    "Music_Mood_Recognition": "music",
}
#: The 25 ``<task_name>_<dataset_name>`` folders, each scored on its own by the official script.
SUBSETS: tuple[str, ...] = (
    "Speaker_Age_Prediction_common_voice_13.0_en",
    "Speaker_Emotion_Recontion_iemocap",
    "Speaker_Emotion_Recontion_meld",
    "Speaker_Gender_Recognition_common_voice_13_en",
    "Speaker_Gender_Recognition_meld",
    "Speaker_Intent_Classification_slurp",
    "Speaker_Number_Verification_voxceleb1",
    "Speech_Entity_Reconition_slurp",
    "Speech_Grounding_librispeech",
    "Spoken_Language_Identification_covost2",
    "Synthesized_Voice_Detection_fake_or_real",
    "Acoustic_Scene_Classification_CochlScene",
    "Acoustic_Scene_Classification_TUT2017",
    "Audio_Grounding_AudioGrounding",
    "Sound_AQA_avqa",
    "Sound_AQA_clothoaqa",
    "vocal_sound_classification_VocalSound",
    "Music_AQA_music_avqa",
    "Music_Genre_Recognition_MTJ-Jamendo",
    "Music_Genre_Recognition_fma",
    "Music_Instruments_Classfication_MTJ-Jamendo",
    "Music_Instruments_Classfication_nsynth",
    "Music_Midi_Pitch_Analysis_nsynth",
    "Music_Midi_Velocity_Analysis_nsynth",
    "Music_Mood_Recognition_MTJ-Jamendo",
)


def normalise(rec: dict[str, Any], folder: str = "") -> dict[str, Any]:
    """One metadata record with its options as a list (missing ones dropped), its audio path
    as the inference script opens it (``audio_folder``: the sub-task folder beside the
    metadata file, ``folder`` relative to the data root), and the fields the breakdowns read
    (``subset``, ``domain``)."""
    rec = dict(rec)
    rec["choices"] = [rec[c] for c in CHOICE_COLUMNS if rec.get(c) is not None]
    task, dataset = str(rec.get("task_name")), str(rec.get("dataset_name"))
    path = rec.get("path")
    if task == "Audio_Grounding" and isinstance(path, str):
        rec["path"] = path[:-3] + "flac"  # the inference script's swap, .wav -> .flac
    rec["subset"] = f"{task}_{dataset}"
    rec["audio_folder"] = f"{folder}/{rec['subset']}" if folder else rec["subset"]
    rec["domain"] = TASKS.get(task, "unknown")
    return rec


def air_bench_rows(
    spec: BenchmarkSpec, root: Path, path: Path, quirks: Quirks
) -> list[dict[str, Any]]:
    r"""``Foundation_meta.json`` (a JSON list) -> its records, :func:`normalise`\ d."""
    folder = path.parent.resolve().relative_to(root.resolve()).as_posix()
    folder = "" if folder == "." else folder
    return [normalise(r, folder) for r in read_records(path, wrappers=WRAPPERS)]


AIR_BENCH_FOUNDATION = BenchmarkSpec(
    name="air_bench_foundation",
    family="air_bench",
    split="test",
    description="AIR-Bench Foundation: about 19k single-choice items over 19 tasks "
    "(speech, sound, music)",
    reader=mapped_reader(air_bench_rows),
    metadata=("Foundation_meta.json", "Foundation/Foundation_meta.json"),
    layout="Foundation_meta.json + <task_name>_<dataset_name>/<path>",
    hub_id="qyang1021/AIR-Bench-Dataset",
    hub_audio=("Foundation/*",),
    revision="github:OFA-Sys/AIR-Bench (scripts at d5c1bdf)",
    default_prompt="airbench",
    groups=("audio_mcq_suite",),
    official_scorer="airbench-official",
    breakdowns=("domain", "task_name", "subset"),
    breakdown_values={
        "domain": ("speech", "sound", "music"),
        "task_name": tuple(TASKS),
        "subset": SUBSETS,
    },
    source_layout=SourceLayout(
        fields={
            "id": "uniq_id",
            "audio": "path",
            "question": "question",
            "choices": "choices",
            "answer": "answer_gt",
        },
        audio_root_template="{audio_folder}",
    ),
)

SPECS = (AIR_BENCH_FOUNDATION,)
