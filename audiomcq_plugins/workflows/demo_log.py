"""The demo's output directory as it runs: progress lines, the command log, per-stage wall and
CPU seconds (training subprocesses included)."""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from pathlib import Path


class Run:
    """The demo's output directory: progress lines, the command log, per-stage timings."""

    def __init__(self, out: Path, stages: tuple[str, ...]) -> None:
        self.out = out
        self.stage_names = stages
        self.start = time.perf_counter()
        self.stages: dict[str, dict[str, float]] = {}
        self.commands = out / "commands.txt"
        self.commands.write_text("")

    def say(self, msg: str) -> None:
        print(f"[demo {time.perf_counter() - self.start:5.0f} s] {msg}", flush=True)

    def command(self, cmd: list[str]) -> None:
        with open(self.commands, "a") as fh:
            fh.write(shlex.join(cmd) + "\n")

    def stage(self, name: str, title: str) -> Callable[[], None]:
        """Announce stage ``name``; call the returned function when it ends."""
        number = f"{self.stage_names.index(name) + 1}/{len(self.stage_names)}"
        self.say(f"[{number}] {title}")
        wall, cpu = time.perf_counter(), cpu_seconds()

        def done() -> None:
            self.stages[name] = {
                "seconds": round(time.perf_counter() - wall, 1),
                "cpu_seconds": round(cpu_seconds() - cpu, 1),
            }
            self.say(f"[{number}] {name} done in {self.stages[name]['seconds']:.0f} s")

        return done

    def progress(self, label: str) -> Callable[[dict[str, float]], None]:
        """A ``run_trl`` callback printing each logged step."""
        seen = [0]

        def on_log(record: dict[str, float]) -> None:
            if "loss" not in record:
                return
            seen[0] += 1
            reward = record.get("rewards/accuracy_reward/mean")
            extra = f", accuracy reward {reward:.2f}" if reward is not None else ""
            epoch = record.get("epoch", 0.0)
            self.say(
                f"  {label}: log {seen[0]}, loss {record['loss']:.3f}{extra} (epoch {epoch:.2f})"
            )

        return on_log


def cpu_seconds() -> float:
    import os

    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
