"""Probes for the multi-process tests: each rank records what its model and trainer received.

Installed in every process of a launch by ``tests/probe_site/sitecustomize.py`` (see
:func:`probe_env`); each probe patches a class right after its module is imported, so the code
under test runs unchanged. Records are pickled to ``$AUDIOMCQ_PROBE_DIR/rank<R>.pkl`` in call
order and read back with :func:`read_records`.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.abc
import importlib.util
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROBE_ENV = "AUDIOMCQ_PROBE_DIR"
SITE = Path(__file__).resolve().parent / "probe_site"
REPO = Path(__file__).resolve().parents[1]


def probe_env(probe_dir: Path, base: dict[str, str]) -> dict[str, str]:
    """``base`` with the probes switched on for every process started from it."""
    path = os.pathsep.join([str(SITE), str(REPO), base.get("PYTHONPATH", "")])
    return {**base, PROBE_ENV: str(probe_dir), "PYTHONPATH": path}


def rank() -> int:
    return int(os.environ.get("RANK", "0"))


def record(kind: str, **data: Any) -> None:
    out = Path(os.environ[PROBE_ENV])
    out.mkdir(parents=True, exist_ok=True)
    with open(out / f"rank{rank()}.pkl", "ab") as fh:
        pickle.dump({"kind": kind, **data}, fh)


def read_records(probe_dir: Path) -> dict[int, list[dict[str, Any]]]:
    """rank -> its records, in call order."""
    out: dict[int, list[dict[str, Any]]] = {}
    for file in sorted(Path(probe_dir).glob("rank*.pkl")):
        items = []
        with open(file, "rb") as fh:
            while True:
                try:
                    items.append(pickle.load(fh))
                except EOFError:
                    break
        out[int(file.stem[4:])] = items
    return out


def _wrap(cls: type, name: str, before: Callable | None = None, after: Callable | None = None):
    original = getattr(cls, name)

    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if before:
            before(self, *args, **kwargs)
        result = original(self, *args, **kwargs)
        if after:
            after(self, result, *args, **kwargs)
        return result

    setattr(cls, name, wrapper)


def _np(tensor: Any) -> Any:
    return None if tensor is None else tensor.detach().float().cpu().numpy()


# --- what the probes record ---------------------------------------------------------------------


def _lm_eval_models(module: Any) -> None:
    def requests(method: str) -> Callable:
        def before(self: Any, instances: list, *a: Any, **k: Any) -> None:
            docs = [(inst.task_name, inst.doc_id) for inst in instances]
            record("lm_eval", method=method, docs=docs, world_size=self.world_size)

        return before

    for method in ("generate_until", "loglikelihood"):
        _wrap(module.AudioMCQHF, method, before=requests(method))


def _record_training_forward(module: Any, args: tuple, kwargs: dict) -> None:
    """Forward pre-hook: what the model's training forwards receive (the loss is computed on)."""
    import torch

    if not torch.is_grad_enabled():  # generation, reference / old-policy log-probs
        return
    record(
        "forward",
        input_ids=_np(kwargs["input_ids"]).astype("int64"),
        attention_mask=_np(kwargs.get("attention_mask")),
        input_features=_np(kwargs.get("input_features")),
        feature_attention_mask=_np(kwargs.get("feature_attention_mask")),
    )


def weights_digest(model: Any) -> str:
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().float().cpu().numpy().tobytes())
    return digest.hexdigest()


def _trainer(module: Any) -> None:
    def before(self: Any, *a: Any, **k: Any) -> None:
        record("weights", when="start", digest=weights_digest(self.model))
        # a module hook, not a patched class: trainers may replace the instance's forward
        self.model.register_forward_pre_hook(_record_training_forward, with_kwargs=True)

    def after(self: Any, result: Any, *a: Any, **k: Any) -> None:
        model = self.accelerator.unwrap_model(self.model)
        record("weights", when="end", digest=weights_digest(model))

    _wrap(module.Trainer, "train", before=before, after=after)


def _grpo_trainer(module: Any) -> None:
    def rewards(self: Any, result: Any, *a: Any, **k: Any) -> None:
        record(
            "rewards",
            per_func=_np(result),
            weights=_np(self.reward_weights),
            num_generations=self.num_generations,
        )

    _wrap(module.GRPOTrainer, "_calculate_rewards", after=rewards)


def _grpo_mixin(module: Any) -> None:
    def scored(self: Any, output: dict, inputs: list[dict], *a: Any, **k: Any) -> None:
        record(
            "scored",
            ids=[row["id"] for row in inputs],
            contributions=[row.get("audio_contribution") for row in inputs],
            advantages=_np(output["advantages"]),
            process_index=self.accelerator.process_index,
        )

    _wrap(module.AudioGRPOMixin, "_generate_and_score_completions", after=scored)


def _sft_trainer(module: Any) -> None:
    """TRL's own ``SFTTrainer`` (the literal ``trl sft``) drains as our trainers do before its
    gloo group is destroyed: the teardown deadlock that
    :func:`audiomcq_plugins.processes.drain_collectives` explains is torch's and TRL's, not
    what these tests check, and no code of ours runs there to prevent it (docs/trl.md)."""

    def drain(self: Any, *a: Any, **k: Any) -> None:
        if type(self) is module.SFTTrainer:
            from audiomcq_plugins.processes import drain_collectives

            drain_collectives()

    _wrap(module.SFTTrainer, "end", before=drain)


PATCHES: dict[str, Callable[[Any], None]] = {
    "trl.trainer.sft_trainer": _sft_trainer,
    "audiomcq_plugins.integrations.lm_eval.models": _lm_eval_models,
    "transformers.trainer": _trainer,
    "trl.trainer.grpo_trainer": _grpo_trainer,
    "audiomcq_plugins.integrations.trl.grpo_mixin": _grpo_mixin,
}


class _PatchAfterImport(importlib.abc.MetaPathFinder):
    """Runs ``PATCHES[name](module)`` right after module ``name`` executes."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name not in PATCHES:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module: Any) -> None:
            execute(module)
            PATCHES[name](module)

        spec.loader.exec_module = exec_module
        return spec


def install() -> None:
    if not any(isinstance(f, _PatchAfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _PatchAfterImport())
