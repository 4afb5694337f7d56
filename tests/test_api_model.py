"""``audiomcq-api`` against a real OpenAI-compatible server on 127.0.0.1 (tests/api_server.py)
serving the tiny model through the transformers backend: protocol, parity with
``audiomcq-hf``, keys, retries, timeouts, dropped connections and resuming from the cache."""

from __future__ import annotations

import email.utils
import io
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from audiomcq_plugins.models.api import (
    APIAudioLM,
    AudioRejectedError,
    LoglikelihoodUnsupportedError,
)
from audiomcq_plugins.models.api_client import APIError, RetryPolicy, retry_after_seconds
from audiomcq_plugins.models.api_format import openai_messages, wav_base64
from audiomcq_plugins.models.requests import AudioRequest

KEY_ENV = "AUDIOMCQ_TEST_API_KEY"
KEY = "sk-test-0123456789-do-not-leak"


# -- protocol pieces (no model) ----------------------------------------------------------------


def test_wav_payload_round_trips_16_bit_audio_exactly():
    import base64

    import soundfile

    clip = (np.random.default_rng(0).integers(-32768, 32767, 8000) / 32768.0).astype(np.float32)
    array, rate = soundfile.read(io.BytesIO(base64.b64decode(wav_base64(clip))), dtype="float32")
    assert rate == 16000 and array.ndim == 1
    np.testing.assert_array_equal(array, clip)


def test_messages_put_audio_parts_before_the_text_of_the_last_user_turn():
    req = AudioRequest("Which?", (np.zeros(160, np.float32),), system_prompt="Be brief.")
    messages = openai_messages(req, None)
    assert messages[0] == {"role": "system", "content": "Be brief."}
    audio, text = messages[1]["content"]
    assert audio["type"] == "input_audio" and audio["input_audio"]["format"] == "wav"
    assert text == {"type": "text", "text": "Which?"}


def test_retry_after_is_honoured_in_seconds_or_as_a_date():
    assert retry_after_seconds("2.5") == 2.5
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= retry_after_seconds(later) <= 31
    assert retry_after_seconds("soon") is None
    policy = RetryPolicy(backoff=0.01, max_wait=60)
    assert policy.wait(0, 7.0) == 7.0  # the server's wait wins over a shorter backoff
    assert policy.wait(0, 600.0) == 60  # bounded


def test_missing_key_variable_is_named_and_no_request_is_made(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(APIError, match=KEY_ENV):
        APIAudioLM("http://127.0.0.1:9/v1", "m", api_key_env=KEY_ENV)


# -- against the local server ------------------------------------------------------------------

pytest.importorskip("transformers")
pytest.importorskip("lm_eval")

from tests.api_server import APITestServer  # noqa: E402
from tests.processes import run  # noqa: E402


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    from audiomcq_plugins.benchmarks.fixtures import write_fixture
    from audiomcq_plugins.models.hf import HFAudioLM
    from audiomcq_plugins.models.tiny import build_tiny_model

    root = tmp_path_factory.mktemp("api")
    write_fixture("audiomcq_synth", root / "data" / "audiomcq_synth", n=6, max_seconds=0.5)
    model_dir = build_tiny_model("qwen2.5-omni", root / "omni")
    hf = HFAudioLM(model_dir, device="cpu", batch_size=1)
    server = APITestServer(hf, "tiny-omni", api_key=KEY, hang_seconds=2.0).start()
    yield {"root": root, "data": root / "data", "model": model_dir, "hf": hf, "server": server}
    server.stop()


@pytest.fixture
def server(env, monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    env["server"].reset()
    yield env["server"]
    env["server"].reset()


def _requests(n=3):
    from audiomcq_plugins.ablations import white_noise

    return [AudioRequest(f"Question {i}: A or B?", (white_noise(0.3, seed=i),)) for i in range(n)]


def _api(server, **kwargs):
    kwargs = {"api_key_env": KEY_ENV, "backoff": 0.01, "timeout": 10, **kwargs}
    return APIAudioLM(server.base_url, server.model_name, **kwargs)


slow = pytest.mark.slow


@slow
def test_generation_and_scores_equal_the_in_process_backend(env, server):
    reqs = _requests()
    api = _api(server, num_concurrent=3)
    assert api.generate(reqs, max_new_tokens=5) == env["hf"].generate(reqs, max_new_tokens=5)
    bodies = [e["body"] for e in server.log]
    assert all(b["max_tokens"] == 5 and b["temperature"] == 0.0 for b in bodies)
    assert {e["auth"] for e in server.log} == {f"Bearer {KEY}"}
    options = ["A", "B", " C"]
    got = api.loglikelihood(reqs, options)
    want = env["hf"].loglikelihood(reqs, options)
    np.testing.assert_allclose([g[0] for g in got], [w[0] for w in want], rtol=1e-5)
    assert [g[1] for g in got] == [w[1] for w in want]


@slow
def test_429_then_200_waits_retry_after_and_succeeds(env, server):
    server.plan("429")
    (text,) = _api(server).generate(_requests(1), max_new_tokens=3)
    assert text == env["hf"].generate(_requests(1), max_new_tokens=3)[0]
    first, second = server.log
    assert [first["action"], second["action"]] == ["429", "ok"]
    assert second["time"] - first["time"] >= 0.3  # the server's Retry-After, not the 0.01 s backoff


@slow
def test_500_three_times_is_retried_or_fails_clearly_within_max_retries(server):
    server.plan("500", "500", "500")
    assert _api(server, max_retries=3).generate(_requests(1), max_new_tokens=2)
    assert [e["action"] for e in server.log] == ["500", "500", "500", "ok"]
    server.reset()
    server.plan("500", "500", "500")
    with pytest.raises(APIError, match=r"failed 3 times \(last: HTTP 500.*rerun the same command"):
        _api(server, max_retries=2).generate(_requests(1), max_new_tokens=2)
    assert len(server.log) == 3


@slow
def test_a_hang_past_the_timeout_is_retried_then_given_up(server):
    server.plan("hang")
    assert _api(server, timeout=0.5).generate(_requests(1), max_new_tokens=2)
    assert [e["action"] for e in server.log] == ["hang", "ok"]
    server.reset()
    server.plan("hang", "hang")
    with pytest.raises(APIError, match=r"failed 2 times \(last: no answer within timeout=0.5 s"):
        _api(server, timeout=0.5, max_retries=1).generate(_requests(1), max_new_tokens=2)


@slow
def test_a_dropped_connection_is_retried(server):
    server.plan("drop")
    assert _api(server).generate(_requests(1), max_new_tokens=2)
    assert [e["action"] for e in server.log] == ["drop", "ok"]


@slow
def test_server_without_audio_or_prompt_logprobs_or_with_another_key(env, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-wrong-key")
    text_only = APITestServer(env["hf"], "text-llm", audio=False, prompt_logprobs=False).start()
    keyed = APITestServer(env["hf"], "tiny-omni", api_key=KEY).start()
    try:
        api = _api(text_only)
        with pytest.raises(AudioRejectedError, match="rejected the audio input for model text-llm"):
            api.generate(_requests(1), max_new_tokens=2)
        text_req = [AudioRequest("Question: A or B?")]
        with pytest.raises(LoglikelihoodUnsupportedError, match="_loglik"):
            api.loglikelihood(text_req, ["A"])
        with pytest.raises(APIError, match="refused the credentials.*api_key_env") as err:
            _api(keyed).generate(_requests(1), max_new_tokens=2)
        assert "sk-wrong-key" not in str(err.value) and len(keyed.log) == 1  # 401 is final
    finally:
        text_only.stop()
        keyed.stop()


def _evaluate(env, model, model_args, tasks, **kwargs):
    """Samples' ``resps`` per task from lm-eval's simple_evaluate (our tasks only)."""
    from lm_eval import simple_evaluate

    from audiomcq_plugins.integrations.lm_eval import register, task_manager

    register()
    manager = task_manager(include_defaults=False, metadata={"data_dir": str(env["data"])})
    out = simple_evaluate(
        model=model,
        model_args=model_args,
        tasks=tasks,
        task_manager=manager,
        gen_kwargs="max_gen_toks=4",
        log_samples=True,
        **kwargs,
    )
    return {task: [s["resps"] for s in samples] for task, samples in out["samples"].items()}


def _api_args(server, **extra):
    return {
        "base_url": server.base_url,
        "model": server.model_name,
        "api_key_env": KEY_ENV,
        "backoff": 0.01,
        **extra,
    }


@slow
def test_connection_lost_mid_run_resumes_from_the_cache_paying_only_the_rest(env, server, tmp_path):
    args = _api_args(server, num_concurrent=2, max_retries=1)

    def run(cache=str(tmp_path / "cache")):
        return _evaluate(env, "audiomcq-api", args, ["audiomcq_synth"], use_cache=cache)

    server.drop_after = 4  # the server goes away after its fourth answer
    with pytest.raises(APIError, match="failed 2 times.*connection"):
        run()
    assert server.answered == 4
    server.reset()
    resumed = run()
    assert server.answered == 2 and len(server.log) == 2  # only the 6 - 4 unanswered items
    server.reset()
    assert resumed == run(cache=None)  # the same answers as a run that was never interrupted


def _predictions(out_dir: Path) -> dict[str, list]:
    preds: dict[str, list] = {}
    for path in out_dir.rglob("samples_*.jsonl"):
        task = path.name[len("samples_") :].rsplit("_", 1)[0]
        samples = [json.loads(line) for line in path.read_text().splitlines()]
        preds[task] = [s["resps"] for s in sorted(samples, key=lambda s: s["doc_id"])]
    return preds


@slow
def test_cli_eval_gives_the_hf_predictions_and_leaks_no_key(env, server, tmp_path):
    tasks = ["audiomcq_synth", "audiomcq_synth_loglik"]
    hf_args = {"pretrained": str(env["model"]), "device": "cpu", "batch_size": 1}
    want = _evaluate(env, "audiomcq-hf", hf_args, tasks)
    cache = str(tmp_path / "cache" / "api")
    args = _api_args(server, num_concurrent=3)
    del args["backoff"]
    proc = run(
        [sys.executable, "-m", "audiomcq_plugins", "eval", "--data-dir", str(env["data"])]
        + ["--model", "audiomcq-api", "--model_args", ",".join(f"{k}={v}" for k, v in args.items())]
        + ["--tasks", ",".join(tasks), "--gen_kwargs", "max_gen_toks=4", "--log_samples"]
        + ["--use_cache", cache, "--output_path", str(tmp_path / "api")],
        cwd=tmp_path,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = _predictions(tmp_path / "api")
    assert got["audiomcq_synth"] == want["audiomcq_synth"]  # the same generated text, item by item
    for got_doc, want_doc in zip(
        got["audiomcq_synth_loglik"], want["audiomcq_synth_loglik"], strict=True
    ):
        np.testing.assert_allclose(_floats(got_doc), _floats(want_doc), rtol=1e-5)
    generations = [e["body"] for e in server.log if "prompt_logprobs" not in e["body"]]
    assert len(generations) == 6 and {b["max_tokens"] for b in generations} == {4}
    assert {e["auth"] for e in server.log} == {f"Bearer {KEY}"}
    written = "".join(p.read_text() for p in (tmp_path / "api").rglob("*.json*"))
    assert KEY not in written + proc.stdout + proc.stderr and KEY_ENV in written
    # The same run again with the cache: every answer comes from it, the server sees nothing.
    server.reset()
    again = _evaluate(env, "audiomcq-api", _api_args(server), tasks, use_cache=cache)
    assert server.log == [] and _floats(again["audiomcq_synth_loglik"]) == _floats(
        got["audiomcq_synth_loglik"]
    )


def _floats(resps: list) -> list[float]:
    """Log-likelihoods out of ``resps`` (logged samples hold them as strings)."""
    return [float(x) for x in np.asarray(resps, dtype=object).ravel()[::2]]


@slow
def test_cli_names_an_unset_key_variable_without_a_traceback(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    proc = run(
        [sys.executable, "-m", "audiomcq_plugins", "eval", "--model", "audiomcq-api"]
        + ["--model_args", f"base_url=http://127.0.0.1:9/v1,model=m,api_key_env={KEY_ENV}"]
        + ["--tasks", "audiomcq_synth"],
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"audiomcq eval: api_key_env={KEY_ENV} but the environment variable" in proc.stderr


@slow
def test_lighteval_through_the_api_gives_the_hf_answers(env, server, tmp_path):
    pytest.importorskip("lighteval")
    from audiomcq_plugins.integrations.lighteval.model import AudioMCQModel, AudioMCQModelConfig
    from tests.test_lighteval import _pipeline

    def run_with(model, out):
        pipeline = _pipeline("audiomcq_synth|0", model, env["data"], tmp_path / out)
        details = pipeline.get_details()["audiomcq_synth|0"]
        answers = {d.doc.specific["id"]: d.model_response.text[0] for d in details}
        return answers, pipeline.get_results()["results"]["audiomcq_synth:0"]

    common = {"max_new_tokens": 4}
    hf = AudioMCQModelConfig(model_name="tiny", cache_dir=str(tmp_path / "c1"), **common)
    want, want_res = run_with(AudioMCQModel(hf, backend=env["hf"]), "hf")
    api = AudioMCQModelConfig(
        model_name="tiny-omni", backend="api", base_url=server.base_url, api_key_env=KEY_ENV,
        num_concurrent=2, cache_dir=str(tmp_path / "c2"), **common,
    )  # fmt: skip
    got, got_res = run_with(AudioMCQModel(api), "api")
    assert got == want and len(got) == 6
    assert got_res["acc"] == want_res["acc"] and got_res["n_acweak"] == want_res["n_acweak"]
    assert {e["auth"] for e in server.log} == {f"Bearer {KEY}"}
    with pytest.raises(ValueError, match="backend=api needs base_url"):
        AudioMCQModel(AudioMCQModelConfig(model_name="m", backend="api"))


def test_a_base_url_without_http_is_one_clear_error():
    for bad in ("localhost:8000/v1", "ftp://127.0.0.1:8000/v1"):
        with pytest.raises(
            APIError, match=r"must start with http:// or https://.*e\.g\. base_url="
        ):
            APIAudioLM(bad, "m")


def test_an_unreachable_server_fails_within_its_retries():
    from tests.test_scale_eval import free_port

    model = APIAudioLM(f"http://127.0.0.1:{free_port()}/v1", "m", max_retries=2, backoff=0.01)
    started = time.monotonic()
    with pytest.raises(APIError, match=r"failed 3 times \(last: connection failed"):
        model.generate([AudioRequest("hi")])
    assert time.monotonic() - started < 30


def test_an_html_error_page_is_reported_as_its_text():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    page = b"<html><head><title>400 Bad Request</title><style>h1{}</style></head>"
    page += b"<body><h1>Bad Request</h1><p>nginx says no</p></body></html>"

    class Proxy(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802
            self.send_response(400)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        model = APIAudioLM(f"http://127.0.0.1:{httpd.server_address[1]}/v1", "m", max_retries=0)
        with pytest.raises(APIError) as exc:
            model.generate([AudioRequest("hi")])
    finally:
        httpd.shutdown()
    assert "HTTP 400: 400 Bad Request Bad Request nginx says no" in str(exc.value)
    assert "<" not in str(exc.value)
