"""Answer extraction: from a model's free text to the span that holds its answer, and from that
span to exactly one option (or to nothing).

Two families live here:

- the official conventions, reproduced quirk for quirk (the MMAU token set
  :func:`word_tokens`, the MMSU letter rule :func:`mmsu_letter`; R1-AQA's tag rule is
  :func:`audiomcq_plugins.scoring.tags.r1aqa_answer`, beside every other tag rule);
- the project's strict resolver :func:`resolve`, which maps an output to one option or reports
  it unparsed, and never guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from audiomcq_plugins.items import LETTERS
from audiomcq_plugins.scoring.tags import answer_tags, strip_think

# --- official conventions --------------------------------------------------------------------

_WORD_RE = re.compile(r"\b\w+\b")


def word_tokens(text: str) -> frozenset[str]:
    """MMAU/MMAR tokenisation: the set of ``\\b\\w+\\b`` tokens of the lower-cased text."""
    return frozenset(_WORD_RE.findall(text.lower()))


#: Sentinels returned by :func:`mmsu_letter` besides a letter.
MMSU_NONE, MMSU_DROP = "None", None


def mmsu_letter(response: object) -> str | None:
    """The official MMSU reading of a response.

    Returns a letter ``"A"``-``"D"``; :data:`MMSU_NONE` (``"None"``) for an empty response or the
    literal ``"None"`` (counted wrong); :data:`MMSU_DROP` (``None``) when the official script
    drops the item (non-string, or neither the first nor the second-to-last character is a
    letter). Only upper-case A-D count, as in the official script.
    """
    if not isinstance(response, str):
        return MMSU_DROP
    text = response.strip().replace("\n", "")
    if text in ("", "None"):
        return MMSU_NONE
    if text[0] in "ABCD":
        return text[0]
    if len(text) > 1 and text[-2] in "ABCD":
        return text[-2]
    return MMSU_DROP


# --- strict: normalisation -------------------------------------------------------------------

# Every run of characters that is neither a word character, white space, nor one of a few symbols
# that distinguish options ("C" vs "C#", "50" vs "50%") separates tokens.
_SEPARATOR_RE = re.compile(r"[^\w\s#+%&$\u20ac\u00a3\u00a5\u00b0=@]+")
_NEGATORS = frozenset(
    "not no never neither nor isn aren wasn weren doesn don didn cannot can couldn".split()
)


def key(text: str) -> str:
    """Normalised form used to compare an output with an option: case-folded, punctuation
    turned into spaces, single-spaced. Options with equal keys are one option."""
    return " ".join(_SEPARATOR_RE.sub(" ", text.casefold()).split())


@dataclass(frozen=True)
class Options:
    """An item's choices, pre-processed once for the strict resolver."""

    choices: tuple[str, ...]
    keys: tuple[str, ...]
    canonical: dict[str, int]  # key -> lowest index with that key

    @property
    def n(self) -> int:
        return len(self.choices)

    def index_of_letter(self, letter: str) -> int | None:
        """Canonical index of the option a letter names; None when out of range."""
        i = LETTERS.find(letter.upper())
        return self.canonical[self.keys[i]] if 0 <= i < self.n else None


@lru_cache(maxsize=8192)
def options(choices: tuple[str, ...]) -> Options:
    keys = tuple(key(c) for c in choices)
    canonical: dict[str, int] = {}
    for i, k in enumerate(keys):
        canonical.setdefault(k, i)
    return Options(choices, keys, canonical)


# --- strict: resolution ----------------------------------------------------------------------

#: A lead-in before the answer proper: "Answer:", "The correct answer is", "Final answer -".
_LEAD_RE = re.compile(
    r"^(?:(?:so|thus|therefore|hence)\s*,?\s*)?(?:the\s+|my\s+)?"
    r"(?:final\s+|correct\s+|best\s+|right\s+)?(?:answer|option|choice)\b(?:\s+is)?\s*[:=\-]?\s*",
    re.I,
)
_WRAP = " \t\r\n*\"'`.,;:!?"
_LETTER_ONLY_RE = re.compile(r"^[(\[]?([A-Ha-h])[)\]]?[.:)]?$")
# "(B) Dog", "B. Dog", "B) Dog", "b: dog" (a delimiter after the letter) or "B Dog" (upper case).
_LETTER_TEXT_RE = re.compile(r"^(?:[(\[]([A-Ha-h])[)\]]|([A-Ha-h])[.):]|([A-H])\s)\s*(.+)$", re.S)
# Letters named in running text: "(B)", "answer is B", "option: c." (a lower-case letter only
# before punctuation or the end, so that "the answer is a dog" names no letter), "\boxed{B}".
_LETTER_MENTION_RE = re.compile(
    r"\(([A-Ha-h])\)"
    r"|(?i:\b(?:answer|option|choice)\b)(?:\s+is)?\s*[:=]?\s*"
    r"(?:\(?([A-H])\)?(?![\w'])|([a-h])(?=\s*(?:$|[.,;:!?)])))"
    r"|\\boxed\{\s*\(?([A-Ha-h])\)?\s*\}"
)

UNPARSED = None


def _exact(text: str, opts: Options) -> int | None:
    return opts.canonical.get(key(text))


def _mentions(text: str, opts: Options) -> set[int] | None:
    """Options named anywhere in running text (letters and option texts, an option inside a
    longer mentioned option not counted separately). None when a letter is out of range or an
    option mention follows a negation ("not a dog") — both make the output unreadable."""
    found: set[int] = set()
    for m in _LETTER_MENTION_RE.finditer(text):
        idx = opts.index_of_letter(m.group(1) or m.group(2) or m.group(3) or m.group(4))
        if idx is None:
            return None
        found.add(idx)
    joined = f" {key(text)} "
    spans: list[tuple[int, int, int]] = []  # (start, end, canonical index)
    for k, idx in opts.canonical.items():
        if not k:
            continue
        needle = f" {k} "
        start = joined.find(needle)
        while start != -1:
            spans.append((start + 1, start + 1 + len(k), idx))
            start = joined.find(needle, start + 1)
    for s, e, idx in spans:
        if any(s2 <= s and e <= e2 and (e2 - s2) > (e - s) for s2, e2, _ in spans):
            continue  # "dog" inside "dog barking"
        if _NEGATORS.intersection(joined[:s].split()[-3:]) and not _NEGATORS.intersection(
            opts.keys[idx].split()[:1]
        ):
            return None
        found.add(idx)
    return found


def _resolve_span(text: str, opts: Options) -> int | None:
    """One answer span -> canonical option index, or None (unparsed)."""
    stripped = _LEAD_RE.sub("", text.strip(_WRAP), count=1).strip(_WRAP)
    exact = _exact(stripped, opts)
    readings = {exact} if exact is not None else set()
    if stripped != text:
        exact = _exact(text, opts)  # an option that starts like a lead-in: "Answer the phone"
        if exact is not None:
            readings.add(exact)
    letter_only = _LETTER_ONLY_RE.match(stripped)
    if letter_only:
        idx = opts.index_of_letter(letter_only.group(1))
        if idx is None and not readings:
            return UNPARSED  # "E" with four choices, and no option reads "E"
        if idx is not None:
            readings.add(idx)
    if readings:
        # A single-letter option ("C") that is also another option's letter is ambiguous.
        return readings.pop() if len(readings) == 1 else UNPARSED
    lettered = _LETTER_TEXT_RE.match(stripped)
    if lettered:
        no_delimiter = lettered.group(3) is not None
        idx = opts.index_of_letter(lettered.group(1) or lettered.group(2) or lettered.group(3))
        if idx is not None or not no_delimiter:
            rest = lettered.group(4)
            exact = _exact(rest, opts)
            named = {exact} if exact is not None else _mentions(rest, opts)
            if idx is None or named is None:
                return UNPARSED
            if named == {idx} or (not named and not no_delimiter):
                return idx  # "(B) Dog" with B = Dog; "B. because ..."
            if named:
                return UNPARSED  # "(C) Dog" with C = Cat: letter and text disagree
            # "B because ...": B may be a word ("A big sound"); read the whole text below.
    named = _mentions(text, opts)
    return named.pop() if named and len(named) == 1 else UNPARSED


def resolve(output: object, choices: tuple[str, ...]) -> int | None:
    """Strict extraction: the canonical index of the one option ``output`` names, else None.

    Steps: non-strings are unparsed; reasoning is removed (:func:`strip_think`); if there are
    ``<answer>`` tags, only their contents count and every non-empty tag must name the same
    option (a model that writes two different answers has not answered); otherwise the whole
    remaining text is the answer span. A span is read, in order, as: the exact text of an
    option (after a lead-in such as "Answer:" and surrounding punctuation), a bare letter
    ("B", "(b)", "B."), a letter with its option's text ("(B) Dog"), and finally running text
    that names exactly one option (by letter or text) with no negation before it. Any
    disagreement between readings makes the output unparsed.
    """
    if not isinstance(output, str):
        return UNPARSED
    opts = options(choices)
    text = strip_think(output)
    spans = answer_tags(text)
    if not spans:
        return _resolve_span(text, opts)
    picks = {_resolve_span(span, opts) for span in spans if span.strip()}
    if len(picks) != 1:
        return UNPARSED
    return picks.pop()
