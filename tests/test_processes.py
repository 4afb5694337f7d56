"""How our processes start and end (audiomcq_plugins/processes.py): fork pools started under an
``audiomcq`` command end when terminated, and a rank of a multi-process launch never hangs at
exit. A hang here is a failure with a stack (the timeout markers)."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import sys
import textwrap
from pathlib import Path

import pytest

from audiomcq_plugins.cli import _run_command
from tests.processes import run

REPO = Path(__file__).resolve().parents[1]


def _sigterm_is_default(_: int) -> bool:
    return signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def _under_the_cli(func) -> int:
    """``func()`` run as an ``audiomcq`` command runs (SIGTERM raising KeyboardInterrupt)."""
    return _run_command(argparse.Namespace(func=lambda args: func(), command="probe"))


@pytest.mark.timeout(120)
def test_fork_pool_workers_get_the_default_sigterm_and_terminate():
    seen = {}

    def command():
        seen["ours"] = signal.getsignal(signal.SIGTERM)
        pool = multiprocessing.get_context("fork").Pool(2)
        seen["workers"] = pool.map(_sigterm_is_default, range(4))
        pool.terminate()  # SIGTERM to each worker: must end them, not interrupt them
        pool.join()
        return 0

    before = signal.getsignal(signal.SIGTERM)
    assert _under_the_cli(command) == 0
    assert seen["ours"] is not signal.SIG_DFL  # the command itself turns SIGTERM into Ctrl-C
    assert seen["workers"] == [True] * 4
    assert signal.getsignal(signal.SIGTERM) is before  # restored after the command


POOLS_SCRIPT = """
import argparse, multiprocessing
from audiomcq_plugins.cli import _run_command

def command(args):
    for _ in range(1000):
        pool = multiprocessing.get_context("fork").Pool(4)
        pool.terminate()
        pool.join()
    print("all ended", flush=True)

raise SystemExit(_run_command(argparse.Namespace(func=command, command="probe")))
"""


def test_fork_pools_terminated_at_once_all_end(tmp_path):
    """SIGTERM right after the fork, before the child restored its disposition (the race that
    hung lighteval runs): 1000 pools of 4, each terminated as soon as made, under the CLI. In a
    small process of its own (forks are cheap there). Measured: a restore without blocking
    SIGTERM across the fork hung in 4 of 5 runs of 300 pools, as did the landed code; with the
    block, none (about 1 s per 100 pools)."""
    script = tmp_path / "pools.py"
    script.write_text(textwrap.dedent(POOLS_SCRIPT))
    proc = run([sys.executable, str(script)], timeout=120, env=_base_env())
    assert (proc.returncode, proc.stdout) == (0, "all ended\n"), proc.stderr[-3000:]


@pytest.mark.timeout(300)
def test_lighteval_bootstrap_stderr_under_the_cli_repeatedly(monkeypatch):
    """lighteval's bootstrap standard error: a fork pool per call, left by ``with`` (terminate)."""
    stderr = pytest.importorskip("lighteval.metrics.utils.stderr")
    monkeypatch.setattr(stderr, "LIGHTEVAL_DISABLE_TQDM", 1)
    population = [0.0, 1.0] * 25
    results = []

    def command():
        for _ in range(10):
            results.append(stderr.bootstrap_stderr(max, population, number_experiments=100))
        return 0

    assert _under_the_cli(command) == 0
    assert len(results) == 10


EXIT_SCRIPT = """
import atexit, os, sys, time
from audiomcq_plugins.processes import end_distributed_at_exit

def stuck_in_exit():
    time.sleep(600)

atexit.register(stuck_in_exit)  # runs after ours (atexit is last-in, first-out)
end_distributed_at_exit()
print("main done", flush=True)
"""


@pytest.mark.timeout(120)
def test_a_rank_stuck_at_exit_prints_its_stack_and_ends(tmp_path):
    script = tmp_path / "rank.py"
    script.write_text(textwrap.dedent(EXIT_SCRIPT))
    env = {"WORLD_SIZE": "2", "RANK": "1", "AUDIOMCQ_EXIT_DEADLINE": "1"}
    proc = run([sys.executable, str(script)], timeout=60, env={**_base_env(), **env})
    assert proc.stdout == "main done\n"
    assert proc.returncode == 1
    assert "stuck_in_exit" in proc.stderr and "Timeout" in proc.stderr, proc.stderr


def test_a_single_process_exits_as_usual(tmp_path):
    script = tmp_path / "one.py"
    script.write_text(textwrap.dedent(EXIT_SCRIPT).replace("time.sleep(600)", "pass"))
    env = {**_base_env(), "AUDIOMCQ_EXIT_DEADLINE": "1"}
    env.pop("WORLD_SIZE", None)
    proc = run([sys.executable, str(script)], timeout=60, env=env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "main done\n", "")


@pytest.mark.parametrize("value", ["0", "-3", "soon"])
def test_a_malformed_exit_deadline_is_refused_by_name(value, monkeypatch):
    from audiomcq_plugins import processes

    monkeypatch.setenv(processes.EXIT_DEADLINE_ENV, value)
    with pytest.raises(ValueError, match=rf"AUDIOMCQ_EXIT_DEADLINE={value!r}.*positive"):
        processes.exit_deadline()


def _base_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.mark.slow
@pytest.mark.multiprocess
@pytest.mark.xdist_group("multiprocess")
@pytest.mark.timeout(300)
def test_gloo_ranks_with_ddp_exit_cleanly(tmp_path):
    """Two gloo ranks train a DDP model for a step, gather tensors they then drop (as
    ``Trainer.store_flos`` does), drain as our trainers' ``end()`` does and leave their group to
    exit-time clean-up (no destroy_process_group of their own): both end, status 0, nothing
    left running."""
    pytest.importorskip("torch")
    script = tmp_path / "ddp.py"
    script.write_text(
        textwrap.dedent(
            """
            import torch, torch.distributed as dist
            from audiomcq_plugins.processes import drain_collectives, end_distributed_at_exit

            dist.init_process_group("gloo")
            end_distributed_at_exit()
            model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(4, 2))
            model(torch.randn(3, 4)).sum().backward()
            gathered = [torch.zeros(1) for _ in range(dist.get_world_size())]
            dist.all_gather(gathered, torch.ones(1))
            assert torch.cat(gathered).tolist() == [1.0, 1.0]
            del gathered
            drain_collectives()
            keep = [model, model]  # a reference cycle holding the DDP model (as trainers do)
            keep.append(keep)
            open(f"rank{dist.get_rank()}.done", "w").close()
            """
        )
    )
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    cmd += ["--standalone", str(script)]
    proc = run(cmd, timeout=240, env={**_base_env(), "OMP_NUM_THREADS": "1"}, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert sorted(p.name for p in tmp_path.glob("*.done")) == ["rank0.done", "rank1.done"]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_sigterm_whose_exception_a_finalizer_swallowed_still_interrupts():
    """Python runs a signal handler at the next bytecode; inside a ``__del__`` its
    ``KeyboardInterrupt`` is reported as unraisable and dropped (a prepare run was seen to carry
    on after SIGTERM in CI). The handler also leaves the interrupt pending, and the loops that
    call ``check_interrupt`` between steps raise it there."""
    import gc

    from audiomcq_plugins.processes import check_interrupt, sigterm_as_interrupt

    class SignalsInFinalizer:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):  # bytecodes, for the handler to run here, inside __del__
                pass

    with sigterm_as_interrupt():
        SignalsInFinalizer()
        gc.collect()
        with pytest.raises(KeyboardInterrupt):
            check_interrupt()
        check_interrupt()  # handled once: nothing pending any more
