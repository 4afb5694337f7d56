"""The synthetic suite ``audiomcq_synth``: seeded audio + questions in the AudioMCQ schema.

Numpy only (soundfile writes the clips). Four question types as in AudioMCQ, each with
sub-tasks whose answer is known by construction:

- **strong** items can only be answered from the audio (which sound, how many events, pitch
  register, chord quality, tempo, pitch contour of a voiced buzz, order and onset of events);
- **weak** items are twins of the strong ones (same sub-task, question and options) that give
  the answer away in the wording, so a model can answer them with the audio replaced by
  silence.

Every item is a function of ``(seed, index)`` alone, so a suite of ``n`` items is a prefix of
any larger suite with the same seed and settings. Answer positions are balanced (each block of
four items uses every position once). ``EASY_SUBTASKS`` are the sub-tasks a very small audio
model learns from short clips (0.5-2 s); tempo and chord need longer clips or larger models.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from audiomcq_plugins import cache
from audiomcq_plugins.audio import SAMPLE_RATE, to_target, write_audio
from audiomcq_plugins.benchmarks.audiomcq import QUESTION_TYPES
from audiomcq_plugins.items import CONTRIBUTIONS

SR = SAMPLE_RATE
METADATA_FILE = "audiomcq_synth.json"
SOURCE = "synth"
AUDIO_DIR = f"audio/{SOURCE}"  # the AudioMCQ per-source audio root


# -- signal primitives ------------------------------------------------------------------------


def _t(seconds: float) -> np.ndarray:
    return np.arange(int(round(seconds * SR))) / SR


def _fade(x: np.ndarray, ms: float = 5.0) -> np.ndarray:
    n = min(len(x) // 2, int(SR * ms / 1000))
    if n:
        ramp = np.linspace(0.0, 1.0, n)
        x[:n] *= ramp
        x[-n:] *= ramp[::-1]
    return x


def _harmonic(f0: np.ndarray | float, seconds: float, n_harm: int = 4) -> np.ndarray:
    """A harmonic tone with 1/k partials below Nyquist; ``f0`` may be a per-sample contour."""
    n = int(round(seconds * SR))
    if np.ndim(f0) == 0:
        phase = (2 * np.pi * float(f0) / SR) * np.arange(n, dtype=np.float32)
        top = float(f0)
    else:
        phase = (2 * np.pi / SR) * np.cumsum(np.asarray(f0, dtype=np.float64)).astype(np.float32)
        top = float(np.max(f0))
    out = np.zeros(n, dtype=np.float32)
    for k in range(1, n_harm + 1):
        if k * top >= SR / 2:
            break
        out += np.sin(k * phase) / k
    return _fade(out / (np.max(np.abs(out)) + 1e-9))


def _noise(seconds: float, rng: np.random.Generator) -> np.ndarray:
    return _fade(rng.random(int(round(seconds * SR)), dtype=np.float32) * 2 - 1)


def _clicks(seconds: float, rate: float) -> np.ndarray:
    x = np.zeros(int(round(seconds * SR)), dtype=np.float32)
    click = np.exp(-np.arange(int(0.004 * SR)) / (0.0008 * SR))
    for start in np.arange(0.02, seconds - 0.01, 1.0 / rate):
        i = int(start * SR)
        x[i : i + len(click)] += click[: len(x) - i]
    return x


def _place(total: float, segments: Sequence[tuple[float, np.ndarray]]) -> np.ndarray:
    x = np.zeros(int(round(total * SR)), dtype=np.float32)
    for start, seg in segments:
        i = int(start * SR)
        seg = seg[: max(0, len(x) - i)]
        x[i : i + len(seg)] += seg
    return x


def _events(total: float, count: int, rng: np.random.Generator, make: Callable) -> np.ndarray:
    """``count`` equal events spread over the clip with clear gaps between them."""
    slot = total / count
    length = min(0.25, 0.5 * slot)
    return _place(
        total,
        [(k * slot + rng.uniform(0.1, 0.4) * (slot - length), make(length)) for k in range(count)],
    )


# -- the sub-tasks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Subtask:
    name: str
    question_type: str
    questions: tuple[str, ...]
    labels: tuple[str, ...]  # exactly four options; the answer is one of them
    render: Callable[[int, float, np.random.Generator], np.ndarray]  # (label index, s, rng)
    describe: str  # what the audio holds, for the chain of thought, with {label}


def _sound_event(k: int, s: float, rng: np.random.Generator) -> np.ndarray:
    f = rng.uniform(300, 900)
    if k == 0:
        return _harmonic(f, s, n_harm=1)
    if k == 1:
        return _noise(s, rng)
    if k == 2:
        return _clicks(s, rate=rng.uniform(6, 10))
    return _harmonic(f * (1 + 0.25 * np.sin(2 * np.pi * 4 * _t(s))), s, n_harm=1)  # siren


def _count(k: int, s: float, rng: np.random.Generator) -> np.ndarray:
    return _events(s, k + 1, rng, lambda length: _noise(length, rng))


PITCHES = (110.0, 262.0, 660.0, 1650.0)


def _pitch(k: int, s: float, rng: np.random.Generator) -> np.ndarray:
    return _harmonic(PITCHES[k] * rng.uniform(0.94, 1.06), s)


CHORDS = ((0, 4, 7), (0, 3, 7), (0, 3, 6), (0, 4, 8))  # semitones above the root


def _chord(k: int, s: float, rng: np.random.Generator) -> np.ndarray:
    root = rng.uniform(200, 400)
    return sum(_harmonic(root * 2 ** (st / 12), s, n_harm=3) for st in CHORDS[k]) / 3


TEMPI = (60, 120, 180, 240)  # beats per minute


def _tempo(k: int, s: float, rng: np.random.Generator) -> np.ndarray:
    f = rng.uniform(500, 1000)
    beat = 60.0 / TEMPI[k]
    return _place(s, [(t, _harmonic(f, 0.05, 2)) for t in np.arange(0.0, s - 0.05, beat)])


def _contour(k: int, s: float, rng: np.random.Generator) -> np.ndarray:
    lo, hi = rng.uniform(90, 130), rng.uniform(220, 300)
    u = _t(s) / s
    shape = (u, 1 - u, np.full_like(u, 0.5), 1 - np.abs(2 * u - 1))[k]
    return _harmonic(lo + (hi - lo) * shape, s, n_harm=8)


def _order(k: int, s: float, rng: np.random.Generator) -> np.ndarray:
    half = s / 2
    tone = _harmonic(rng.uniform(400, 800), half * 0.9, n_harm=1)
    noise = _noise(half * 0.9, rng)
    parts = ((tone, noise), (noise, tone), (tone, None), (noise, None))[k]
    return _place(s, [(i * half, p) for i, p in enumerate(parts) if p is not None])


def _onset(k: int, s: float, rng: np.random.Generator) -> np.ndarray:
    length = s / 8
    start = (k + rng.uniform(0.05, 0.45)) * s / 4
    return _place(s, [(start, _harmonic(rng.uniform(500, 900), length, n_harm=2))])


SUBTASKS: dict[str, Subtask] = {
    t.name: t
    for t in (
        Subtask(
            "sound_event",
            "sound",
            (
                "Which sound is heard in the clip?",
                "What kind of sound does the recording contain?",
                "Listen to the audio. Which sound is it?",
            ),
            ("a steady tone", "a burst of noise", "a series of clicks", "a warbling siren"),
            _sound_event,
            "the clip contains {label}",
        ),
        Subtask(
            "sound_count",
            "sound",
            (
                "How many bursts of noise are heard?",
                "Count the noise bursts in the recording. How many are there?",
            ),
            ("one", "two", "three", "four"),
            _count,
            "the number of noise bursts is {label}",
        ),
        Subtask(
            "music_pitch",
            "music",
            ("What is the register of the note?", "In which register is the note played?"),
            ("very low", "low", "high", "very high"),
            _pitch,
            "the note sounds {label}",
        ),
        Subtask(
            "music_chord",
            "music",
            ("What is the quality of the chord?", "Which kind of chord is played?"),
            ("major", "minor", "diminished", "augmented"),
            _chord,
            "the chord is {label}",
        ),
        Subtask(
            "music_tempo",
            "music",
            ("What is the tempo of the beat?", "How fast is the pulse in the clip?"),
            ("60 BPM", "120 BPM", "180 BPM", "240 BPM"),
            _tempo,
            "the beat is at {label}",
        ),
        Subtask(
            "speech_contour",
            "speech",
            (
                "How does the pitch of the voice change?",
                "What is the intonation of the voiced sound?",
            ),
            ("rising", "falling", "level", "rising then falling"),
            _contour,
            "the pitch of the voice is {label}",
        ),
        Subtask(
            "temporal_order",
            "temporal",
            ("In what order are the sounds heard?", "Which sequence of sounds is in the clip?"),
            ("tone, then noise", "noise, then tone", "only a tone", "only noise"),
            _order,
            "the sounds are {label}",
        ),
        Subtask(
            "temporal_onset",
            "temporal",
            ("When does the beep start?", "At what point in the clip does the beep begin?"),
            ("near the beginning", "in the first half", "in the second half", "near the end"),
            _onset,
            "the beep starts {label}",
        ),
    )
}
EASY_SUBTASKS = (
    "sound_event",
    "sound_count",
    "music_pitch",
    "speech_contour",
    "temporal_order",
    "temporal_onset",
)

# Weak items are text-answerable twins of the strong ones: the same sub-task, question and
# options, with the answer given away in the wording. Sharing the options means that SFT on weak
# items teaches the answer format and choosing among the listed options, not a set of answers
# of their own (which a small model would then emit for every strong question).
WEAK_TEMPLATES = (
    "The clip was annotated as '{answer}'. {question}",
    "According to its caption, the answer is '{answer}'. {question}",
    "{question} (Hint: the correct option is '{answer}'.)",
)

STRUCTURED_COT = (
    "<stage1>This is a {qtype} question with four options.</stage1>"
    "<stage2>{evidence}.</stage2>"
    "<stage3>Comparing the options, '{answer}' fits. The answer is {answer}.</stage3>"
)
SIMPLE_COT = "<simple analysis>{evidence}, so the answer is {answer}.</simple analysis>"


# -- generation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SynthConfig:
    """Settings of a suite; the cache key of :func:`ensure`."""

    seed: int = 0
    min_seconds: float = 0.5
    max_seconds: float = 10.0
    weak_fraction: float = 0.5
    subtasks: tuple[str, ...] = tuple(SUBTASKS)
    split: str = "test"

    def __post_init__(self) -> None:
        unknown = [s for s in self.subtasks if s not in SUBTASKS]
        if unknown or not self.subtasks:
            raise ValueError(f"unknown sub-tasks {unknown}; choose from {list(SUBTASKS)}")
        if not 0 < self.min_seconds <= self.max_seconds:
            raise ValueError(
                f"need 0 < min_seconds <= max_seconds, got {self.min_seconds}, {self.max_seconds}"
            )
        if not 0.0 <= self.weak_fraction <= 1.0:
            raise ValueError(f"weak_fraction must be within [0, 1], got {self.weak_fraction}")

    def key(self) -> str:
        blob = json.dumps(self.__dict__, sort_keys=True, default=list)
        return cache.sha256_bytes(blob.encode())[:12]


def _arrange(answer: str, pool: Sequence[str], position: int, rng: np.random.Generator) -> list:
    others = [c for c in pool if c != answer]
    picked = [others[i] for i in rng.permutation(len(others))[:3]]
    return picked[:position] + [answer] + picked[position:]


def make_example(index: int, config: SynthConfig | None = None) -> tuple[dict, np.ndarray]:
    """Item ``index`` of the suite: its AudioMCQ-schema record and its 16 kHz float32 clip."""
    cfg = config or SynthConfig()
    rng = np.random.default_rng([cfg.seed, index])
    block = np.random.default_rng([cfg.seed, index // 4, 7919])
    position = int(block.permutation(4)[index % 4])
    seconds = float(np.round(rng.uniform(cfg.min_seconds, cfg.max_seconds), 2))
    # Question type first (uniformly), then one of its enabled sub-tasks.
    types = [t for t in QUESTION_TYPES if any(SUBTASKS[s].question_type == t for s in cfg.subtasks)]
    qtype = types[int(rng.integers(len(types)))]
    own = [s for s in cfg.subtasks if SUBTASKS[s].question_type == qtype]
    task = SUBTASKS[own[int(rng.integers(len(own)))]]
    weak = rng.random() < cfg.weak_fraction
    label = int(rng.integers(4))
    audio = task.render(label, seconds, rng)
    answer, pool = task.labels[label], task.labels
    question = task.questions[int(rng.integers(len(task.questions)))]
    if weak:
        template = WEAK_TEMPLATES[int(rng.integers(len(WEAK_TEMPLATES)))]
        question = template.format(answer=answer, question=question)
        evidence = "The question itself tells the answer"
        subtask = f"{qtype}_text"
    else:
        evidence = "Listening to the audio, " + task.describe.format(label=answer)
        subtask = task.name
    floor = rng.standard_normal(len(audio), dtype=np.float32) * np.float32(0.003)
    audio = audio * np.float32(rng.uniform(0.3, 0.9)) + floor
    item_id = f"synth-{cfg.seed}-{index:06d}"
    record = {
        "id": item_id,
        "source_dataset": SOURCE,
        "question_type": qtype,
        "subtask": subtask,
        "audio_path": f"{item_id}.wav",
        "question": question,
        "choices": _arrange(answer, pool, position, rng),
        "answer": answer,
        "audio-contribution": "weak" if weak else "strong",
        "duration": seconds,
        "split": cfg.split,
        "structured_cot": STRUCTURED_COT.format(qtype=qtype, evidence=evidence, answer=answer),
        "simple_cot": SIMPLE_COT.format(evidence=evidence, answer=answer),
    }
    return record, np.clip(audio, -1.0, 1.0).astype(np.float32)


def examples(n: int, config: SynthConfig | None = None) -> Iterator[tuple[dict, np.ndarray]]:
    """The first ``n`` items in memory (no files), e.g. for a training loop."""
    for i in range(n):
        yield make_example(i, config)


def generate(
    out_dir: str | os.PathLike,
    n: int = 200,
    seed: int = 0,
    *,
    min_seconds: float = 0.5,
    max_seconds: float = 10.0,
    weak_fraction: float = 0.5,
    subtasks: Sequence[str] | None = None,
    split: str = "test",
    sample_rate: int = SR,
    progress: bool = False,
) -> Path:
    """Write a suite in the AudioMCQ layout; returns the metadata file.

    ``out_dir/audiomcq_synth.json`` (a JSON list of records) and
    ``out_dir/audio/synth/<id>.wav`` (mono PCM-16 at ``sample_rate``, 16 kHz by default; other
    rates make loaders resample, as with real downloads). The metadata is written last, so a
    directory holding it is complete.
    """
    cfg = SynthConfig(
        seed=seed,
        min_seconds=min_seconds,
        max_seconds=max_seconds,
        weak_fraction=weak_fraction,
        subtasks=tuple(subtasks) if subtasks else tuple(SUBTASKS),
        split=split,
    )
    out = Path(out_dir)
    (out / AUDIO_DIR).mkdir(parents=True, exist_ok=True)
    records = []
    it: Any = examples(n, cfg)
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(it, total=n, desc="synth", unit="clip")
    for record, audio in it:
        if sample_rate != SR:
            audio = to_target(audio, SR, target_sr=sample_rate)
        write_audio(out / AUDIO_DIR / record["audio_path"], audio, sample_rate, subtype="PCM_16")
        records.append(record)
    meta = out / METADATA_FILE
    tmp = meta.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(records, indent=1), encoding="utf-8")
    os.replace(tmp, meta)
    return meta


def cache_dir() -> Path:
    return cache.cache_dir("synth")


def ensure(directory: str | os.PathLike | None = None, n: int = 200, **settings: Any) -> Path:
    """A suite directory, generated once (atomically) when absent.

    With no ``directory`` the suite lives in the cache (``$AUDIOMCQ_CACHE/synth/...``, keyed
    by its settings).
    """
    cfg = SynthConfig(**{k: tuple(v) if k == "subtasks" else v for k, v in settings.items()})
    target = Path(directory) if directory else cache_dir() / f"n{n}-{cfg.key()}"
    if (target / METADATA_FILE).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".synth-", dir=target.parent))
    try:
        generate(tmp, n, **cfg.__dict__)
        if target.exists() and not any(target.iterdir()):
            target.rmdir()
        if target.exists():  # a user directory with other files: add the suite beside them
            shutil.copytree(tmp, target, dirs_exist_ok=True)
        else:
            os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def corpus() -> list[str]:
    """Every question and option text the generator can emit (to train a tokenizer on)."""
    texts: list[str] = []
    for task in SUBTASKS.values():
        texts.extend(task.questions)
        texts.extend(task.labels)
        texts.extend(task.describe.format(label=label) for label in task.labels)
        texts.extend(
            template.format(answer=label, question=question)
            for template in WEAK_TEMPLATES
            for question in task.questions
            for label in task.labels
        )
    texts.extend([STRUCTURED_COT, SIMPLE_COT])
    return list(dict.fromkeys(texts))


def vocabulary() -> list[str]:
    """The sorted set of words and punctuation marks in :func:`corpus`."""
    return sorted({w for text in corpus() for w in re.findall(r"\w+|[^\w\s]", text)})


# -- the benchmark spec ------------------------------------------------------------------------

from audiomcq_plugins.benchmarks.audiomcq import FIELDS  # noqa: E402
from audiomcq_plugins.benchmarks.records import json_reader  # noqa: E402
from audiomcq_plugins.benchmarks.spec import BenchmarkSpec, DataNotFoundError  # noqa: E402

GENERATOR_OPTIONS = ("n", "seed", "min_seconds", "max_seconds", "weak_fraction", "subtasks")


@dataclass(frozen=True)
class SynthSpec(BenchmarkSpec):
    """Loads a suite from ``source`` / ``data_dir`` / ``$AUDIOMCQ_DATA_DIR/audiomcq_synth``,
    generating it first (into ``source``, else into the cache) when it is absent. Generator
    options (``n``, ``seed``, ``min_seconds``, ``max_seconds``, ``weak_fraction``,
    ``subtasks``) apply only when a suite is generated."""

    def load(self, source: str | os.PathLike | None = None, **options: Any):  # noqa: ANN201
        gen = {k: options.pop(k) for k in GENERATOR_OPTIONS if k in options}
        if source is None:
            try:
                self.locate(data_dir=options.get("data_dir"), hub=False)
            except DataNotFoundError:
                source = ensure(None, **gen)
        elif not Path(source).is_file() and not self.find_metadata(Path(source)):
            source = ensure(source, **gen)
        return super().load(source, hub=False, **options)


AUDIOMCQ_SYNTH = SynthSpec(
    name="audiomcq_synth",
    family="synth",
    split="test",
    description="Synthetic audio MCQ suite with weak/strong labels known by construction",
    reader=json_reader,
    metadata=(METADATA_FILE,),
    layout=f"{METADATA_FILE} + {AUDIO_DIR}/<id>.wav (made by audiomcq_plugins.benchmarks.synth)",
    breakdowns=("question_type", "audio_contribution", "subtask"),
    breakdown_values={"question_type": QUESTION_TYPES, "audio_contribution": CONTRIBUTIONS},
    options={"default_fields": FIELDS, "audio_root_template": "audio/{source_dataset}"},
)

SPECS = (AUDIOMCQ_SYNTH,)
