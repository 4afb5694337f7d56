"""General training data for the tiny voters and the hearing base: what a real audio LM has seen
before anyone asks it the suite's questions.

Real audio LMs (the paper's voters: Qwen2-Audio, Qwen2.5-Omni, Kimi-Audio) *listen* when a
question needs the clip and *read* when the question gives its answer away; given silence, they
say they hear nothing rather than guess. A tiny random model does none of this, so the voters
learn it here, from data that shares **no clip and no question** with the suite:

- ``caption``: a clip of the pretraining seed (:data:`PRETRAIN_SEED`, neither the training nor
  the held-out seed) and a description of one aspect of it;
- ``caption_mcq``: the same clips as multiple choice over their four *descriptions* or their
  four bare labels ("Which description fits the clip?"), so the model listens in the answer
  format too;
- ``quiet``: clips of silence or noise, described as such;
- ``reading``: general questions (colours, animals, places, ...) whose text states the answer in
  wordings of its own (never the suite's hint templates), over random option phrases, with a
  real clip, silence or noise: the answer is read, whatever the audio;
- ``abstain``: questions that state nothing, with silence or noise: "I hear only silence, so the
  audio does not tell."

Audio models get chat rows (TRL's ``messages``); the text-only voter gets ``prompt``/``completion``
rows of the same questions with no audio (``reading`` and ``abstain`` only). Everything is a
function of the seed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from audiomcq_plugins.workflows.captions import CAPTION_PROMPT
from audiomcq_plugins.workflows.reading_words import GLUE, NUMBERS, QUESTIONS, TOPICS, UNITS, WORDS

PRETRAIN_SEED = 2
#: Bumped whenever :func:`audio_rows` makes other rows: part of the audio models' cache key
#: (the text LM's rows are :func:`text_rows`', so its key leaves this out).
AUDIO_ROWS_VERSION = 2

#: How the reading tasks state their answer: a lead-in, a link and the quoted answer, put
#: before the question, after it or in brackets after it, sometimes with filler words between.
#: Composed at random (hundreds of wordings), so that what is learned is "the option quoted in
#: the question", not where one template puts it. None is a wording of the suite.
LEAD_INS = (
    "The transcript says", "A note attached to the recording reads", "Reference", "We are told",
    "Someone who heard it wrote", "The label on the file says", "Known fact", "Our records show",
    "The listener reported", "The tag says", "A reviewer noted", "The description given is",
    "The log entry reads", "An expert said", "The summary says", "Metadata",
)  # fmt: skip
LINKS = (": ", " ", " that it is ", " the answer is ", " it was ", " this: ")
FILLERS = ("clearly", "in short", "as usual", "we think", "for the record", "plainly")
STATED = ("{s}. {q}", "{q} {s}.", "{q} ({s}.)")


def stated(rng: np.random.Generator, answer: str, question: str, words: Sequence[str] = ()) -> str:
    """``question`` with ``answer`` stated in a wording composed at random; half the lead-ins
    are random words (one to twelve), so that only the quotes mark the answer."""

    def pick(seq: Sequence[str]) -> str:
        return seq[int(rng.integers(len(seq)))]

    if rng.random() < 0.5:
        lead = pick(LEAD_INS)
    else:
        pool = [*WORDS, *GLUE, *words]
        lead = " ".join(pick(pool) for _ in range(int(rng.integers(1, 13))))
        lead = lead[0].upper() + lead[1:]
    filler = f", {pick(FILLERS)}," if rng.random() < 0.25 else ""
    statement = f"{lead}{filler}{pick(LINKS)}'{answer}'".replace(" ,", ",")
    return pick(STATED).format(s=statement, q=question)


SILENT = "I hear only silence, so the audio does not tell."
NOISY = "I hear only noise, so the audio does not tell."
NO_AUDIO = "There is no audio, so I cannot tell."
QUIET_PROMPTS = ("Describe the clip.", "What do you hear?", "Describe the sound in the clip.")
QUIET_TARGETS = {"silence": "The clip is silent.", "noise": "The clip holds only noise."}
MCQ_QUESTIONS = ("Which description fits the clip?", "Which statement matches what you hear?")


def vocabulary_words(model_dir: str | Path) -> list[str]:
    """The word-like tokens of a model's tokenizer (letters or digits, no space): random option
    phrases drawn from them make every token of the vocabulary one that the model has copied
    into an answer, as a real LM's pretraining does. A token the model never produced in training
    has its output logit pushed down by every step, so it could never be copied."""
    import re

    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model_dir))
    pieces = {tok.convert_tokens_to_string([t]).strip() for t in tok.get_vocab()}
    return sorted(w for w in pieces if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*|[0-9]+", w))


def phrase(rng: np.random.Generator, words: Sequence[str] = ()) -> str:
    """A random option phrase: one to four words (of :data:`WORDS` and ``words``), numbers and
    units, glue words between."""
    pool = [*WORDS, *words]

    def pick(seq: Sequence[str]) -> str:
        return seq[int(rng.integers(len(seq)))]

    out = []
    for k in range(int(rng.integers(1, 5))):
        r = rng.random()
        if r < 0.1:
            out.append(f"{pick(NUMBERS)} {pick(UNITS)}")
        elif k > 0 and r < 0.45:
            out.append(pick(GLUE))
        else:
            out.append(pick(pool))
    if len(out) > 1 and rng.random() < 0.15:
        cut = int(rng.integers(1, len(out)))
        joiner = ", then " if rng.random() < 0.5 else ", "
        return " ".join(out[:cut]) + joiner + " ".join(out[cut:])
    return " ".join(out)


def option_pool(rng: np.random.Generator, words: Sequence[str] = ()) -> tuple[str, tuple[str, ...]]:
    """A question and four-or-more candidate options: a general topic or random phrases."""
    if rng.random() < 0.8:
        phrases: set[str] = set()
        while len(phrases) < 4:
            phrases.add(phrase(rng, words))
        return QUESTIONS[int(rng.integers(len(QUESTIONS)))], tuple(sorted(phrases))
    questions, pool = TOPICS[int(rng.integers(len(TOPICS)))]
    return questions[int(rng.integers(len(questions)))], pool


def mcq(
    rng: np.random.Generator, give_away: bool, words: Sequence[str] = ()
) -> tuple[str, list[str], str]:
    """(question text, four choices, answer) of a reading task; ``give_away``: the text states
    the answer (:func:`stated`)."""
    question, pool = option_pool(rng, words)
    choices = [pool[int(i)] for i in rng.permutation(len(pool))[:4]]
    answer = choices[int(rng.integers(4))]
    if give_away:
        question = stated(rng, answer, question, words)
    return question, choices, answer


def render(question: str, choices: list[str]) -> str:
    from audiomcq_plugins.prompts import render as render_prompt

    return render_prompt("r1aqa", question, choices)


def text_rows(n: int, words: Sequence[str] = (), seed: int = PRETRAIN_SEED) -> list[dict[str, str]]:
    """``n`` prompt/completion rows for the text-only voter: half stated, half not."""
    rng = np.random.default_rng([seed, 11])
    rows = []
    for i in range(n):
        stated = i % 2 == 0
        question, choices, answer = mcq(rng, stated, words)
        target = f"<answer>{answer}</answer>" if stated else NO_AUDIO
        rows.append({"prompt": render(question, choices), "completion": target})
    return rows


def quiet_clips(directory: Path, n: int, seed: int = PRETRAIN_SEED) -> list[tuple[str, str]]:
    """``n`` clips of silence and noise (0.5-2 s) written under ``directory``: (kind, path)."""
    from audiomcq_plugins.ablations import silence, white_noise
    from audiomcq_plugins.audio import write_audio

    rng = np.random.default_rng([seed, 13])
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        kind = "silence" if i % 2 == 0 else "noise"
        seconds = float(np.round(rng.uniform(0.5, 2.0), 2))
        if kind == "silence":
            audio = silence(seconds)
        else:
            level = float(rng.uniform(0.03, 0.2))
            audio = white_noise(seconds, seed=int(rng.integers(1 << 30)), level=level)
        path = directory / f"{kind}-{i:05d}.wav"
        write_audio(path, audio, subtype="PCM_16")
        out.append((kind, str(path.resolve())))
    return out


def chat_row(audio: str, prompt: str, target: str, system: str, kind: str) -> dict[str, Any]:
    from audiomcq_plugins.integrations.trl.data import system_turn

    user = [{"type": "audio", "audio": audio}, {"type": "text", "text": prompt}]
    return {
        "messages": [
            system_turn(system),
            {"role": "user", "content": user},
            {"role": "assistant", "content": [{"type": "text", "text": target}]},
        ],
        "images": [],
        "kind": kind,
    }


def audio_rows(
    clips: list[dict[str, Any]],
    quiet: list[tuple[str, str]],
    words: Sequence[str] = (),
    seed: int = PRETRAIN_SEED,
) -> list[dict[str, Any]]:
    """Chat rows for an audio voter from captioned clips (``{"audio", "aspect", "caption",
    "caption_text", "descriptions", "label", "labels"}``: :func:`.captions.captioned_clips`) and
    quiet clips: every kind above, shuffled."""
    from audiomcq_plugins.models.tiny import SYSTEM_DEFAULT
    from audiomcq_plugins.prompts import AUDIOMCQ_SYSTEM_PROMPT

    rng = np.random.default_rng([seed, 17])

    def system() -> str:
        return AUDIOMCQ_SYSTEM_PROMPT if rng.random() < 0.5 else SYSTEM_DEFAULT

    def pick(seq: list[Any]) -> Any:
        return seq[int(rng.integers(len(seq)))]

    rows = []
    for clip in clips:
        prompt = CAPTION_PROMPT.format(aspect=clip["aspect"])
        rows.append(chat_row(clip["audio"], prompt, clip["caption"], SYSTEM_DEFAULT, "caption"))
        if rng.random() < 0.5:  # over its four descriptions or its four bare labels
            options, answer = (
                (clip["descriptions"], clip["caption_text"])
                if rng.random() < 0.5
                else (clip["labels"], clip["label"])
            )
            order = [options[int(i)] for i in rng.permutation(4)]
            prompt = render(pick(list(MCQ_QUESTIONS)), order)
            target = f"<answer>{answer}</answer>"
            rows.append(chat_row(clip["audio"], prompt, target, system(), "caption_mcq"))
    for kind, path in quiet:
        target = QUIET_TARGETS[kind]
        rows.append(chat_row(path, pick(list(QUIET_PROMPTS)), target, SYSTEM_DEFAULT, "quiet"))
        clip = pick(clips)
        rows.append(
            chat_row(path, CAPTION_PROMPT.format(aspect=clip["aspect"]), target, system(), "quiet")
        )
        # Abstain: nothing in the text, nothing in the audio.
        if rng.random() < 0.5:
            question, choices, _ = mcq(rng, False, words)
        else:
            order = [clip["descriptions"][int(i)] for i in rng.permutation(4)]
            question, choices = pick(list(MCQ_QUESTIONS)), order
        said = SILENT if kind == "silence" else NOISY
        rows.append(chat_row(path, render(question, choices), said, system(), "abstain"))
        # Reading with silence or noise (twice: what the vote asks) and with a real clip: the
        # text tells the answer. Once with the quiet clip, the Omni voter read 77.8 % of the
        # held-out weak items with silence after 600 steps; twice, 96.8 %.
        for audio in (path, path, pick(clips)["audio"]):
            question, choices, answer = mcq(rng, True, words)
            target = f"<answer>{answer}</answer>"
            rows.append(chat_row(audio, render(question, choices), target, system(), "reading"))
    order = rng.permutation(len(rows))
    return [rows[int(i)] for i in order]


def texts() -> list[str]:
    """Every fixed text of the general data (for the tokenizer and the cache key)."""
    out = [
        *LEAD_INS,
        *LINKS,
        *FILLERS,
        SILENT,
        NOISY,
        NO_AUDIO,
        CAPTION_PROMPT,
        *QUIET_PROMPTS,
        *MCQ_QUESTIONS,
    ]
    out += list(QUIET_TARGETS.values()) + [" ".join(WORDS + GLUE + NUMBERS + UNITS)]
    out += list(QUESTIONS)
    for questions, pool in TOPICS:
        out += [*questions, *pool]
    return out


def write_rows(rows: list[dict[str, Any]], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    return path
