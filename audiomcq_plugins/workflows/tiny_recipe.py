"""Building blocks of the tiny CPU recipe: the synthetic suites as TRL data, the tiny
Qwen2.5-Omni thinker, one literal ``trl sft|grpo`` stage and greedy held-out accuracy.

Shared by the hearing base (:mod:`audiomcq_plugins.workflows.pretrain`), ``make demo``
(:mod:`audiomcq_plugins.workflows.demo`), the proof of learning and the paradigm table scripts.
torch, transformers and TRL are imported inside the functions that need them.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from audiomcq_plugins import processes
from audiomcq_plugins.models.batching import usable_cores

REPO = Path(__file__).resolve().parents[2]
RECIPES = Path(__file__).resolve().parents[1] / "trl_recipes" / "tiny"
MAX_SECONDS = 2.0  # clip lengths of the suite: 0.5-2 s
TRAIN_SEED, HELDOUT_SEED = 0, 1
# The tiny Omni processor, declared as remote code so that TRL's AutoProcessor loads it where
# torchvision (which the real Omni processor's video part needs) is missing. It is the only code
# of ours that the literal `trl sft` runs, so it also gives a multi-process rank its clean exit.
REMOTE_PROCESSOR = (
    "from audiomcq_plugins.models.processors import _audio_only_class\n"
    "from audiomcq_plugins.processes import end_distributed_at_exit\n\n"
    "Qwen2_5OmniProcessorAudioOnly = _audio_only_class('qwen2.5-omni')\n"
    "end_distributed_at_exit()\n"
)


def suite(directory: Path, n: int, seed: int, **settings: Any) -> Path:
    """The synthetic suite of the tiny recipe (easy sub-tasks, 0.5-2 s clips), made once."""
    from audiomcq_plugins.benchmarks import synth

    return synth.ensure(
        directory,
        n=n,
        seed=seed,
        min_seconds=0.5,
        max_seconds=MAX_SECONDS,
        subtasks=synth.EASY_SUBTASKS,
        **settings,
    )


def build_data(
    work: Path,
    n_train: int,
    n_test: int,
    log: Callable[[str], None] = print,
    labels: Path | None = None,
) -> None:
    """Train (seed 0) and held-out (seed 1) suites -> TRL-ready JSONL under work/data*; the
    training items split weak/strong by ``labels`` (a labels file of the vote) when given."""
    from audiomcq_plugins.benchmarks.spec import get_spec
    from audiomcq_plugins.integrations.trl.data import prepare
    from audiomcq_plugins.items import write_items

    spec = get_spec("audiomcq_synth")
    for name, n, seed in (("data", n_train, TRAIN_SEED), ("heldout", n_test, HELDOUT_SEED)):
        if (work / name / "manifest.json").is_file():
            continue
        loaded = spec.load(suite(work / f"synth-{name}", n, seed))
        items = work / f"{name}.items.jsonl"
        write_items(loaded.items, items)
        voted = labels if name == "data" else None
        manifest = prepare(items, loaded.data_root, work / name, check_audio=False, labels=voted)
        log(f"{name}: {manifest['counts']}")


def build_model(
    model: Path,
    extra_texts: Iterable[str] = (),
    seed: int = 0,
    arch: str = "qwen2.5-omni",
    **sizes: int,
) -> Path:
    """A tiny random model whose tokenizer knows the suite's words (and ``extra_texts``); made
    once. ``qwen2.5-omni``: the thinker; ``qwen2-audio``: the whole model; audio models pad
    their features to the longest clip of the suite (2 s), not Whisper's 30 s (15x less feature
    work; ablation clips are cut to the same window). ``qwen2``: a text-only LM. ``sizes``
    override :data:`~audiomcq_plugins.models.tiny.DEFAULT_SIZES`."""
    from audiomcq_plugins.benchmarks import synth
    from audiomcq_plugins.models.thinker import extract_thinker
    from audiomcq_plugins.models.tiny import build_tiny_model

    if (model / "config.json").is_file():
        return model
    texts = [*synth.corpus(), *extra_texts]
    if arch != "qwen2.5-omni":
        build_tiny_model(arch, model, seed=seed, extra_texts=texts, **sizes)
        if arch == "qwen2-audio":
            _short_encoder(model, seed)
            _short_features(model)
        return model
    full = model.with_name(model.name + ".full")
    build_tiny_model(arch, full, seed=seed, extra_texts=texts, **sizes)
    extract_thinker(full, model, overwrite=True)
    shutil.rmtree(full)
    _short_features(model)
    config_file = model / "processor_config.json"
    config = json.loads(config_file.read_text())
    config["processor_class"] = "Qwen2_5OmniProcessor"
    config["auto_map"] = {"AutoProcessor": "audio_only_processor.Qwen2_5OmniProcessorAudioOnly"}
    config_file.write_text(json.dumps(config, indent=2) + "\n")
    (model / "audio_only_processor.py").write_text(REMOTE_PROCESSOR)
    return model


def init_language_model(model: Path, text_lm: Path) -> Path:
    """Replace the language model of the audio LM at ``model`` by the text LM at ``text_lm``
    (same tokenizer, same sizes), as real audio LMs start from a text LM (Qwen2-Audio from
    Qwen-7B, Qwen2.5-Omni from Qwen2.5-7B): every text-LM weight must find its place."""
    import torch
    from transformers import AutoModelForCausalLM

    from audiomcq_plugins.models.loading import load_model

    source = AutoModelForCausalLM.from_pretrained(text_lm).state_dict()
    target_model = load_model(model, device="cpu", dtype="float32", trust_remote_code=True)
    target = target_model.state_dict()
    with torch.no_grad():
        for key, value in source.items():
            # transformers names the text model of an audio LM model.language_model
            names = (key, key.replace("model.", "model.language_model.", 1))
            found = [k for k in dict.fromkeys(names) if k in target]
            if len(found) != 1 or target[found[0]].shape != value.shape:
                raise ValueError(f"text-LM weight {key} {tuple(value.shape)} matches {found}")
            target[found[0]].copy_(value)
    target_model.save_pretrained(model)
    return model


def _short_encoder(model: Path, seed: int) -> None:
    """Qwen2-Audio's encoder takes exactly ``max_source_positions`` x 2 mel frames (30 s in the
    released model): rebuild it for the suite's 2 s window (random weights, same seed)."""
    import torch
    from transformers import AutoConfig, GenerationConfig, Qwen2AudioForConditionalGeneration

    config = AutoConfig.from_pretrained(model)
    config.audio_config.max_source_positions = int(MAX_SECONDS * 50)  # 100 frames per second / 2
    generation = GenerationConfig.from_pretrained(model)
    torch.manual_seed(seed)
    rebuilt = Qwen2AudioForConditionalGeneration(config)
    rebuilt.generation_config = generation
    rebuilt.save_pretrained(model)


def _short_features(model: Path) -> None:
    from transformers import WhisperFeatureExtractor

    from audiomcq_plugins.models.processors import load_processor

    processor = load_processor(model)
    processor.feature_extractor = WhisperFeatureExtractor(
        feature_size=128, chunk_length=int(MAX_SECONDS)
    )
    processor.save_pretrained(model)


# --- training through the trl CLI ---------------------------------------------------------------


def trl_command(stage: str, recipe: Path, overrides: dict[str, Any]) -> list[str]:
    """``trl STAGE --config RECIPE --key value ...``"""
    beside = Path(sys.executable).parent / "trl"  # this environment's, whatever PATH says
    trl = str(beside) if beside.is_file() else shutil.which("trl") or "trl"
    cmd = [trl, stage, "--config", str(recipe)]
    for key, value in overrides.items():
        cmd += [f"--{key}", str(value)]
    return cmd


def run_trl(
    cmd: list[str], log_file: Path, on_log: Callable[[dict[str, float]], None] | None = None
) -> dict[str, Any]:
    """Run a ``trl`` command from the repository root, its output to ``log_file``; calls
    ``on_log`` with each dict the Trainer logs. Returns the wall and CPU seconds and the logs."""
    env = {
        # `accelerate launch` (run by the trl CLI) exports OMP_NUM_THREADS=1 unless it is set
        # (recipes set TRL's use_cpu, not accelerate's --cpu); on 2 cores that made tiny SFT
        # 1.2x and GRPO 1.6x slower. A value the user exported wins.
        "OMP_NUM_THREADS": str(usable_cores()),
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    start, cpu0 = time.perf_counter(), _children_cpu()
    logs: list[dict[str, float]] = []
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "w") as out:
        # A session of its own, ended with us: Ctrl-C or SIGTERM here ends the whole launch
        # (the trl CLI, accelerate and the training process), nothing left training.
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                out.write(line)
                out.flush()
                for record in parse_logs(line):
                    logs.append(record)
                    if on_log:
                        on_log(record)
            rc = proc.wait()
        except BaseException:
            processes.end_session(proc)
            raise
    if rc:
        tail = "\n".join(log_file.read_text().splitlines()[-30:])
        raise SystemExit(f"`{' '.join(cmd[:4])}` failed (log: {log_file}):\n{tail}")
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": _children_cpu() - cpu0,
        "logs": logs,
    }


def _children_cpu() -> float:
    usage = os.times()
    return usage.children_user + usage.children_system


def parse_logs(text: str) -> list[dict[str, float]]:
    """The Trainer's logged dicts (``{'loss': '0.5', ...}``) in order."""
    out = []
    for match in re.finditer(r"\{'(?:loss|train_runtime)'[^{}]*\}", text):
        try:
            record = ast.literal_eval(match.group(0))
        except (ValueError, SyntaxError):
            continue
        out.append({k: float(v) for k, v in record.items() if _is_number(v)})
    return out


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def last(logs: list[dict[str, float]], key: str, window: int = 1) -> float | None:
    values = [r[key] for r in logs if key in r]
    return sum(values[-window:]) / len(values[-window:]) if values else None


# --- held-out evaluation ------------------------------------------------------------------------


def heldout(work: Path, subset: str) -> list[dict[str, Any]]:
    path = work / "heldout" / "grpo" / subset / "train.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def evaluate(model_dir: Path, rows: list[dict[str, Any]]) -> dict[str, float]:
    """Greedy accuracy (AudioMCQ accuracy reward) with the real audio and with silence."""
    from audiomcq_plugins.ablations import ablate
    from audiomcq_plugins.audio import decode
    from audiomcq_plugins.models.hf import HFAudioLM
    from audiomcq_plugins.models.requests import AudioRequest
    from audiomcq_plugins.rewards import accuracy_reward

    lm = HFAudioLM(
        model_dir, device="cpu", batch_size=64, max_new_tokens=16, trust_remote_code=True
    )
    result = {}
    for condition in ("audio", "silence"):
        requests = []
        for row in rows:
            system, user = row["prompt"]
            clip = decode([b for b in user["content"] if b["type"] == "audio"][0]["audio"])
            if condition == "silence":
                clip = ablate(clip, "silence")
            text = "".join(b["text"] for b in user["content"] if b["type"] == "text")
            system_text = "".join(b["text"] for b in system["content"])
            requests.append(AudioRequest(text, (clip.array,), system_prompt=system_text))
        completions = lm.generate(requests)
        rewards = accuracy_reward(None, completions, solution=[r["solution"] for r in rows])
        result[condition] = sum(rewards) / len(rewards)
    return result
