"""``audiomcq report``: how much each model relies on the audio, from lm-eval output.

For every model and base task it pairs the run with the clip (``<task>``) and the run with
silence (``<task>_silent``) and reports, overall and per breakdown: accuracy with the clip, with
silence, their difference (audio reliance), the share of items whose chosen option changed when
the clip was silenced (from the samples), and weak / strong subset accuracy with counts (the
``acc_acweak`` / ``acc_acstrong`` metrics, present when labels were given). Every number is
read from the results JSON (or, for the changed share, the samples): nothing is recomputed.
``<task>_circular`` / ``<task>_perm`` runs add a *Position bias* section
(:mod:`audiomcq_plugins.contribution.position`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audiomcq_plugins.contribution import position
from audiomcq_plugins.contribution.charts import audio_charts, bias_charts
from audiomcq_plugins.contribution.samples import Run, read_runs, split_task

FILTER = "none"
STDERR = "_stderr"
BREAKDOWN_PREFIX = "acc_"
#: The headline numbers shown with their standard errors.
STDERR_ROWS = ("acc_clip", "acc_silent", "audio_reliance", "acc_acweak", "acc_acstrong")
#: Task metrics that are not breakdowns.
OWN_METRICS = ("acc_official", "acc_acweak", "acc_acstrong")


@dataclass
class Row:
    """One model on one base task."""

    model: str
    task: str
    clip: dict[str, float] = field(default_factory=dict)
    silent: dict[str, float] = field(default_factory=dict)
    changed: float = math.nan
    paired: int = 0

    def get(self, run: str, metric: str) -> float:
        return getattr(self, run).get(metric, math.nan)

    def to_dict(self) -> dict[str, Any]:
        def m(name: str) -> float:
            return self.get("clip", name)

        return {
            "section": "audio",
            "model": self.model,
            "task": self.task,
            "acc_clip": m("acc"),
            "acc_silent": self.get("silent", "acc"),
            "audio_reliance": m("acc") - self.get("silent", "acc"),
            "changed_share": self.changed,
            "paired_items": self.paired,
            "acc_acweak": m("acc_acweak"),
            "n_acweak": m("n_acweak"),
            "acc_acstrong": m("acc_acstrong"),
            "n_acstrong": m("n_acstrong"),
            # with silence: how a voter answers the items that need the audio and those that don't
            "silent_acc_acweak": self.get("silent", "acc_acweak"),
            "silent_acc_acstrong": self.get("silent", "acc_acstrong"),
            "breakdowns": {
                k: {"clip": v, "silent": self.get("silent", k)}
                for k, v in sorted(self.clip.items())
                if k.startswith(BREAKDOWN_PREFIX)
                and k not in OWN_METRICS
                and not k.endswith(STDERR)
            },
            **{f"{name}_stderr": value for name, value in self.stderrs().items()},
        }

    def stderrs(self) -> dict[str, float]:
        """Standard errors of the headline accuracies (NaN where lm-eval gave none). The
        reliance's assumes independent runs: with the same items it is an upper bound."""
        se = {
            "acc_clip": self.get("clip", "acc" + STDERR),
            "acc_silent": self.get("silent", "acc" + STDERR),
            "acc_acweak": self.get("clip", "acc_acweak" + STDERR),
            "acc_acstrong": self.get("clip", "acc_acstrong" + STDERR),
        }
        se["audio_reliance"] = math.hypot(se["acc_clip"], se["acc_silent"])
        return se


def _metrics(results: dict[str, Any]) -> dict[str, float]:
    """A results JSON's numbers under the default filter, standard errors (``<m>_stderr``)
    included where lm-eval computed one."""
    out = {}
    for key, value in results.items():
        name, _, filt = key.partition(",")
        if filt == FILTER and isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = float(value)
    return out


def _choices(run: Run) -> dict[str, int | None]:
    from audiomcq_plugins import plugins

    strict = plugins.get("scorers", "strict")
    out = {}
    for s in run.samples:
        doc = s["doc"]
        resp = (s.get("filtered_resps") or [""])[0]
        out[str(doc["id"])] = strict(str(resp), list(doc["choices"]), doc.get("answer", "")).choice
    return out


def _changed(clip: Run, silent: Run) -> tuple[float, int]:
    a, b = _choices(clip), _choices(silent)
    common = sorted(set(a) & set(b))
    if not common:
        return math.nan, 0
    return sum(a[i] != b[i] for i in common) / len(common), len(common)


def collect(paths: Sequence[str | Path]) -> list[Row]:
    """One row per (model, base task) among the runs under ``paths``."""
    rows = _audio_rows(read_runs(paths, require_samples=False))
    if not rows:
        raise ValueError(f"no audio task results under {list(map(str, paths))}")
    return rows


def _audio_rows(runs: Sequence[Run]) -> list[Row]:
    rows: dict[tuple[str, str], Row] = {}
    by_key: dict[tuple[str, str], dict[str, Run]] = {}
    for run in runs:
        base, suffix = split_task(run.task)
        if suffix not in (None, "silent") or position.is_permuted(run.task):
            continue
        kind = "silent" if suffix else "clip"
        key = (run.short_name, base)
        row = rows.setdefault(key, Row(run.short_name, base))
        if kind in by_key.setdefault(key, {}):
            raise ValueError(
                f"{run.short_name} has two {run.task} runs ({by_key[key][kind].source} and "
                f"{run.source}); pass one"
            )
        setattr(row, kind, _metrics(run.results))
        by_key[key][kind] = run
    for key, pair in by_key.items():
        if "clip" in pair and "silent" in pair and pair["clip"].samples and pair["silent"].samples:
            rows[key].changed, rows[key].paired = _changed(pair["clip"], pair["silent"])
    given = {key: i for i, key in enumerate(rows)}  # models in the order their runs were given
    return [rows[k] for k in sorted(rows, key=lambda k: (k[1], given[k]))]


def _pct(x: float) -> str:
    return "–" if x is None or math.isnan(x) else f"{100 * x:.1f}"


def _pm(x: float, se: float) -> str:
    """``x ± se`` in %, or just ``x`` without a standard error."""
    if se is None or math.isnan(se) or x is None or math.isnan(x):
        return _pct(x)
    return f"{_pct(x)} ± {_pct(se)}"


def _count(x: float) -> str:
    return "–" if math.isnan(x) else str(int(x))


def markdown(
    rows: Sequence[Row],
    charts: dict[str, list[str]],
    bias: Sequence[position.BiasRow] = (),
) -> str:
    lines = ["# Audio contribution report"]
    if rows:
        lines += ["",
            "Accuracy in % ± its standard error (lm-eval's; the reliance's treats the two runs "
            "as independent, an upper bound on the same items), models in the order given. "
            "*Reliance* = accuracy with the clip − with silence; *changed* = share "
            "of items whose chosen option changed when the clip was silenced; weak / strong = "
            "accuracy (with the clip) on the audio-contribution subsets, with item counts; "
            "*silence: weak / strong* = the same subsets answered with silence (a voter that "
            "reads answers weak items, and only those)."
        ]  # fmt: skip
    for task in sorted({r.task for r in rows}):
        mine = [r.to_dict() for r in rows if r.task == task]
        lines += ["", f"## {task}", "", "| model | clip | silence | reliance | changed | "
                  "weak (n) | strong (n) | silence: weak | silence: strong |",
                  "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
        for d in mine:
            pm = {k: _pm(d[k], d[f"{k}_stderr"]) for k in STDERR_ROWS}
            lines.append(
                f"| {d['model']} | {pm['acc_clip']} | {pm['acc_silent']} | "
                f"{pm['audio_reliance']} | {_pct(d['changed_share'])} | "
                f"{pm['acc_acweak']} ({_count(d['n_acweak'])}) | "
                f"{pm['acc_acstrong']} ({_count(d['n_acstrong'])}) | "
                f"{_pct(d['silent_acc_acweak'])} | {_pct(d['silent_acc_acstrong'])} |"
            )
        names = sorted({b for d in mine for b in d["breakdowns"]})
        if names:
            header = " | ".join(f"{d['model']} clip / silence / reliance" for d in mine)
            lines += ["", f"### {task} by breakdown", "", f"| breakdown | {header} |",
                      "|---|" + "---|" * len(mine)]  # fmt: skip
            for b in names:
                cells = []
                for d in mine:
                    v = d["breakdowns"].get(b, {"clip": math.nan, "silent": math.nan})
                    cells.append(
                        f"{_pct(v['clip'])} / {_pct(v['silent'])} / {_pct(v['clip'] - v['silent'])}"
                    )
                lines.append(f"| {b.removeprefix(BREAKDOWN_PREFIX)} | {' | '.join(cells)} |")
        lines += [""] + [f"![{task}]({c})" for c in charts.get(task, [])]
    lines += position.markdown(bias, charts)
    return "\n".join(lines) + "\n"


def html(md: str) -> str:
    """A self-contained HTML page of the markdown report (tables and images)."""
    import html as h

    body, in_table = [], False
    for line in md.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if set("".join(cells)) <= set("-"):
                continue
            tag = "th" if not in_table else "td"
            body.append(("<table>" if not in_table else "") + "<tr>" + "".join(
                f"<{tag}>{h.escape(c)}</{tag}>" for c in cells) + "</tr>")  # fmt: skip
            in_table = True
            continue
        if in_table:
            body.append("</table>")
            in_table = False
        if line.startswith("!["):
            body.append(f'<img src="{h.escape(line[line.index("(") + 1 : -1])}">')
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{h.escape(line[level:].strip())}</h{level}>")
        elif line:
            body.append(f"<p>{h.escape(line)}</p>")
    if in_table:
        body.append("</table>")
    style = "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}"
    return f"<!doctype html><meta charset=utf-8><style>{style}</style>" + "\n".join(body)


def write_report(
    paths: Sequence[str | Path],
    out: str | Path,
    with_html: bool = False,
    labels: str | Path | None = None,
) -> Path:
    """report.md, report.json, one PNG per task (and report.html) in ``out``; with ``labels``
    (a labels file of the vote), a section on the vote (:mod:`.vote_report`)."""
    from audiomcq_plugins.contribution import vote_report

    out = Path(out)
    runs = read_runs(paths, require_samples=False)
    the_vote = vote_report.collect(labels, runs) if labels else None
    rows, bias = _audio_rows(runs), position.collect(runs, _metrics)
    if not rows and not bias:
        raise ValueError(f"no audio task results under {list(map(str, paths))}")
    out.mkdir(parents=True, exist_ok=True)  # only once the input is known to be good
    made = {**audio_charts(rows, out), **bias_charts(bias, out)}
    md = markdown(rows, made, bias)
    if the_vote:
        md += "\n".join(vote_report.markdown(the_vote)) + "\n"
    (out / "report.md").write_text(md, encoding="utf-8")
    data = [r.to_dict() for r in rows] + [b.to_dict() for b in bias]
    if the_vote:
        data.append({"vote": the_vote})
    (out / "report.json").write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    if with_html:
        (out / "report.html").write_text(html(md), encoding="utf-8")
    return out / "report.md"
