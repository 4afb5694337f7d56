"""Prompt formats: how one item's question and choices become the user-turn text.

Each format is a function ``fn(question, choices) -> str`` registered through the
``register_prompt_formats`` hook; :func:`render` looks one up by name. The audio is passed to the
model separately (audio first, then this text, in every built-in recipe).

Built-in formats (exact texts in each function's docstring and in ``docs/scoring.md``):

- ``r1aqa``: the R1-AQA / AudioMCQ training and evaluation prompt (choices as a Python list).
- ``mmau``: the MMAU authors' suggested prompt.
- ``mmar``: the MMAR authors' suggested prompt (one choice per line).
- ``mmsu``: the official MMSU letter prompt (generalised to 2-8 choices).
- ``lettered``: a generic lettered prompt ("A. ...", one per line) for 2-8 choices.
- ``airbench``: AIR-Bench Foundation's official prompt (missing options printed ``None``).
- ``mmau_pro``: MMAU-Pro's closed-form prompt as NeMo-Skills sends it (no instruction).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from audiomcq_plugins import hookimpl
from audiomcq_plugins.items import LETTERS, MAX_CHOICES, MIN_CHOICES
from audiomcq_plugins.permutations import seeded_permutation

#: The AudioMCQ paper's system prompt (used with the ``r1aqa`` user prompt).
AUDIOMCQ_SYSTEM_PROMPT = (
    "You are an audio understanding model that answers multiple choice questions based on "
    "audio content."
)


def _check(choices: Sequence[str]) -> list[str]:
    choices = list(choices)
    if not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
        raise ValueError(
            f"a prompt needs {MIN_CHOICES} to {MAX_CHOICES} choices, "
            f"got {len(choices)}: {choices!r}"
        )
    return choices


def _enumerate_letters(letters: str, conjunction: str) -> str:
    """ "A and B", "A, B, and C" (the official MMSU wording uses the Oxford comma)."""
    if len(letters) == 2:
        return f"{letters[0]} {conjunction} {letters[1]}"
    return ", ".join(letters[:-1]) + f", {conjunction} {letters[-1]}"


def _lettered_lines(choices: list[str]) -> str:
    """ "A. first", "B. second", ... one per line."""
    return "\n".join(f"{LETTERS[i]}. {choice}" for i, choice in enumerate(choices))


def r1aqa(question: str, choices: Sequence[str]) -> str:
    """R1-AQA / AudioMCQ prompt, exactly::

        {question} Please choose the answer from the following options: {choices}. Output the
        final answer in <answer> </answer>.

    (one line) where ``{choices}`` is the Python list repr, e.g. ``['Man', 'Woman']``.
    """
    return (
        f"{question} Please choose the answer from the following options: "
        f"{_check(choices)!r}. Output the final answer in <answer> </answer>."
    )


def mmau(question: str, choices: Sequence[str]) -> str:
    """MMAU authors' prompt: ``{question} Select one option from the provided choices.``, a
    newline, then the choices as a Python list repr."""
    return f"{question} Select one option from the provided choices.\n{_check(choices)!r}"


def mmar(question: str, choices: Sequence[str]) -> str:
    """MMAR authors' prompt: ``{question}``, a newline, ``Select one option from the provided
    choices:``, a newline, then one choice per line."""
    lines = "\n".join(_check(choices))
    return f"{question}\nSelect one option from the provided choices:\n{lines}"


def mmsu(question: str, choices: Sequence[str]) -> str:
    """Official MMSU letter prompt. For 4 choices, exactly::

        Choose the most suitable answer from options A, B, C, and D. You must respond with only
        A, B, C, or D.

        Question: {question}

        A. {choice_a}
        B. {choice_b}
        C. {choice_c}
        D. {choice_d}

    (the instruction is one line). Other counts use the first n letters in the same wording:
    ``options A and B ... only A or B``; ``options A, B, and C ... only A, B, or C``.
    """
    choices = _check(choices)
    letters = LETTERS[: len(choices)]
    instruction = (
        f"Choose the most suitable answer from options {_enumerate_letters(letters, 'and')}. "
        f"You must respond with only {_enumerate_letters(letters, 'or')}."
    )
    return f"{instruction}\n\nQuestion: {question}\n\n{_lettered_lines(choices)}"


def lettered(question: str, choices: Sequence[str]) -> str:
    """Generic lettered prompt for 2-8 choices::

    {question}
    A. {choice 1}
    B. {choice 2}
    ...
    Answer with the option's letter.
    """
    return f"{question}\n{_lettered_lines(_check(choices))}\nAnswer with the option's letter."


AIRBENCH_INSTRUCTION = (
    "Choose the most suitable answer from options A, B, C, and D to respond the question in "
    "next line, you may only choose A or B or C or D."
)


def airbench(question: str, choices: Sequence[str]) -> str:
    """AIR-Bench Foundation's official prompt (``Inference_Foundation.py``), exactly::

        Choose the most suitable answer from options A, B, C, and D to respond the question in next line, you may only choose A or B or C or D.
        {question}
        A. {choice_a}
        B. {choice_b}
        C. {choice_c}
        D. {choice_d}

    Always four lines of options: a missing option is printed ``None``, as the script does.
    Items with more than four options have no official prompt and are refused.
    """  # noqa: E501
    choices = _check(choices)
    if len(choices) > 4:
        raise ValueError(f"the airbench prompt takes 2 to 4 choices, got {len(choices)}")
    padded = [*choices, *(["None"] * (4 - len(choices)))]
    lines = "\n".join(f"{letter}. {c}" for letter, c in zip("ABCD", padded, strict=True))
    return f"{AIRBENCH_INSTRUCTION}\n{question}\n{lines}"


def mmau_pro(question: str, choices: Sequence[str]) -> str:
    """MMAU-Pro's closed-form prompt, as NeMo-Skills' ``mmau-pro/prepare.py`` writes it: the
    question, an empty line, one lettered option per line, and no instruction::

        {question}

        A. {choice 1}
        B. {choice 2}
        ...
    """
    return f"{question}\n\n{_lettered_lines(_check(choices))}"


FORMATS: dict[str, Callable[[str, Sequence[str]], str]] = {
    "airbench": airbench,
    "mmau_pro": mmau_pro,
    "r1aqa": r1aqa,
    "mmau": mmau,
    "mmar": mmar,
    "mmsu": mmsu,
    "lettered": lettered,
}


@hookimpl
def register_prompt_formats(register: Callable[[str, Callable[..., str]], None]) -> None:
    for name, fn in FORMATS.items():
        register(name, fn)


def render(name: str, question: str, choices: Sequence[str]) -> str:
    """Render one item with the prompt format registered as ``name`` (built-in or plugin)."""
    from audiomcq_plugins import plugins

    return plugins.get("prompt_formats", name)(question, choices)


def shuffle_choices(
    choices: Sequence[str], answer_index: int, seed: int
) -> tuple[list[str], int, list[int]]:
    """Seeded permutation of the choices (DCASE-style robustness to answer order).

    Returns ``(new_choices, new_answer_index, permutation)`` where ``new_choices[i] ==
    choices[permutation[i]]``: map a predicted new index ``j`` back with ``permutation[j]``.
    The same ``(len(choices), seed)`` always gives the same permutation, on every platform and
    Python version (:func:`audiomcq_plugins.permutations.seeded_permutation`).
    """
    if not 0 <= answer_index < len(choices):
        raise ValueError(f"answer_index {answer_index} is out of range for {len(choices)} choices")
    permutation = seeded_permutation(len(choices), seed)
    new_choices = [choices[i] for i in permutation]
    return new_choices, permutation.index(answer_index), permutation
