"""Audio-training settings, from the trainer config or the environment.

Our entry points (``audiomcq train grpo``, ``-m audiomcq_plugins.integrations.trl.grpo``) read
them as config fields (top-level YAML keys). The literal ``trl grpo`` CLI forwards unknown
top-level YAML keys to ``accelerate launch`` (which rejects them), so there they go in the
recipe's ``env:`` block, which TRL exports before launching:

=========================  ==================================  ===================================
config field               ``env:`` variable                   value
=========================  ==================================  ===================================
``contribution_weights``   ``AUDIOMCQ_CONTRIBUTION_WEIGHTS``   ``{strong: 1.0, weak: 0.3}``,
                                                               ``"strong=1.0,weak=0.3"``,
                                                               ``default`` or ``none`` (off)
``sampler``                ``AUDIOMCQ_SAMPLER``                a registered sampler name
``sampler_options``        ``AUDIOMCQ_SAMPLER_OPTIONS``        a mapping (JSON in ``env:``)
``audio_encoder_reuse``    ``AUDIOMCQ_AUDIO_REUSE``            true (default) / false
``shared_prefill``         ``AUDIOMCQ_SHARED_PREFILL``         true (default) / false
=========================  ==================================  ===================================

A config field that is set wins over the environment.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from audiomcq_plugins.flags import parse_bool

ENV = {
    "contribution_weights": "AUDIOMCQ_CONTRIBUTION_WEIGHTS",
    "sampler": "AUDIOMCQ_SAMPLER",
    "sampler_options": "AUDIOMCQ_SAMPLER_OPTIONS",
    "audio_encoder_reuse": "AUDIOMCQ_AUDIO_REUSE",
    "shared_prefill": "AUDIOMCQ_SHARED_PREFILL",
}
_OFF = ("", "none", "null", "off", "false", "0")


@dataclass
class AudioSettings:
    #: strong/weak → advantage multiplier; None: no contribution weighting.
    contribution_weights: dict[str, float] | None = None
    sampler: str | None = None
    sampler_options: dict[str, Any] = field(default_factory=dict)
    audio_encoder_reuse: bool = True
    #: GRPO generation prefills each prompt once for its num_generations rows (shared_prefill.py)
    shared_prefill: bool = True

    @classmethod
    def resolve(cls, args: Any = None, environ: Mapping[str, str] | None = None) -> AudioSettings:
        environ = os.environ if environ is None else environ

        def pick(name: str) -> Any:
            value = getattr(args, name, None)
            return value if value is not None else environ.get(ENV[name])

        return cls(
            contribution_weights=parse_weights(pick("contribution_weights")),
            sampler=_parse_name(pick("sampler")),
            sampler_options=parse_mapping(pick("sampler_options"), "sampler_options"),
            audio_encoder_reuse=parse_bool(
                pick("audio_encoder_reuse"), "audio_encoder_reuse", True
            ),
            shared_prefill=parse_bool(pick("shared_prefill"), "shared_prefill", True),
        )


def parse_mapping(value: Any, what: str) -> dict[str, Any]:
    """A mapping from a dict, JSON text or a Python literal (``env:`` stringifies dicts)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in _OFF):
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str):
        for parse in (json.loads, ast.literal_eval):
            try:
                parsed = parse(value)
            except (ValueError, SyntaxError):
                continue
            if isinstance(parsed, Mapping):
                return dict(parsed)
    raise ValueError(f'{what} = {value!r}: expected a mapping, e.g. {{"switch_at": 0.5}}')


def parse_weights(value: Any) -> dict[str, float] | None:
    """Contribution weights: None/"none" → off; True/"default" → strong 1.0, weak 0.3."""
    from audiomcq_plugins.rewards import parse_contribution_weights

    if value is None or value is False:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in _OFF:
            return None
        if text.lower() in ("default", "true", "on", "1"):
            return parse_contribution_weights(None)
        if "=" in text and not text.startswith("{"):
            return parse_contribution_weights(text)
        return parse_contribution_weights(parse_mapping(text, "contribution_weights"))
    if value is True:
        return parse_contribution_weights(None)
    return parse_contribution_weights(value)


def _parse_name(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in _OFF):
        return None
    return str(value).strip()
