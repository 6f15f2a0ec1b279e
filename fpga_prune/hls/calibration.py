"""Estimates against real csynth reports: observations, fitted corrections, leave-one-out ratios.

Why one module: the bench (``bench/bench_estimator.py``), the shipped error
bands (``estimate.bands.RATIOS``) and ``fpga-prune calibrate`` must compare
estimate and report in exactly the same way: the same project importer, the
same report (the top ``<top>_csynth.rpt``, else ``csynth.xml``; a calibration
folder's ``design.json`` names its own), the same quantities.

A fit is deliberately small: per HLS tool family, a factor on LUT and on FF
and an offset on latency (``cal_*`` in ``RULES``), each the median over the
fitted designs.  DSP and BRAM are not fitted: they follow mechanically from
the templates, and a median factor would hide a wrong rule.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from fpga_prune.boards import Board, board_for_part
from fpga_prune.errors import InputError
from fpga_prune.estimate.bands import BAND_QUANTITIES, Calibration, band_family
from fpga_prune.estimate.context import is_hgq
from fpga_prune.estimate.core import estimate
from fpga_prune.estimate.tools import DEFAULT_HLS_TOOL, tool_family
from fpga_prune.hls.project import HlsProject, read_project
from fpga_prune.hls.vitis import parse_csynth_report, parse_csynth_rpt


@dataclass(frozen=True)
class Observation:
    """One synthesized design: the imported project, its board and the report's numbers."""

    name: str
    project: HlsProject
    board: Board
    hls_tool: str
    scope: str  # "model": the top report; "layer": one Dense layer's own report
    real: tuple[tuple[str, float], ...]
    nondefault: bool  # forced multiplier binding or hand-edited reuse factors
    #: the source repository (owner/name): designs of one repository are validated together
    repository: str = ""

    @property
    def family(self) -> str:
        return tool_family(self.hls_tool)

    @property
    def band_family(self) -> str:
        """The key of ``estimate.bands.RATIOS`` its residuals join (the estimate's own ``band_family``)."""
        return band_family(self.family, forced=self.project.mul_impl is not None, hgq=is_hgq(self.project.network))

    def real_dict(self) -> dict[str, float]:
        return dict(self.real)


def _find_report(path: Path, prj: HlsProject) -> Path:
    design = path / "design.json"
    # a project's own solution, else a synthesis folder committed at its root (syn/report, as some share it)
    reports = sorted(path.glob("*_prj/solution1/syn/report/*")) or sorted(path.glob("syn/report/*"))
    if design.is_file():
        name = Path(json.loads(design.read_text())["design"].get("report_path", "")).name
        for r in reports:
            if r.name == name:
                return r
    for want in (f"{prj.network.name}_csynth.rpt", "myproject_csynth.rpt", "csynth.xml"):
        for r in reports:
            if r.name == want:
                return r
    raise InputError(
        path, None, "no csynth report (<prj>/solution1/syn/report/ or syn/report/: <top>_csynth.rpt or csynth.xml)"
    )


def observe(path: str | Path, repository: str | None = None) -> Observation:
    """Import the project at ``path`` and read its csynth report.

    ``repository``: where it comes from (a calibration folder's ``design.json`` says
    ``source_repo``); else the folder's own name, a repository of one design.
    """
    path = Path(path)
    prj = read_project(path)
    rpt_path = _find_report(path, prj)
    rpt = parse_csynth_rpt(rpt_path) if rpt_path.suffix == ".rpt" else parse_csynth_report(rpt_path)
    tool = prj.hls_tool
    if tool is None and rpt.get("version"):
        tool = f"{rpt.get('tool', 'vitis')}-{str(rpt['version'])[:6]}"
    real = {
        "dsp": rpt["dsp"],
        "bram18k": rpt["bram18k"],
        "lut": rpt["lut"],
        "ff": rpt["ff"],
        "latency_cycles": (rpt["latency_cycles"] or {}).get("worst"),
        "interval_cycles": (rpt["interval_cycles"] or {}).get("max"),
    }
    missing = [k for k, v in real.items() if v is None]
    if missing:
        raise InputError(rpt_path, missing[0], "not found in the report")
    part = prj.part or rpt.get("part")
    if not part:
        raise InputError(path, "part", "neither the project nor the report names the FPGA part")
    scope, nondefault = "model", prj.mul_impl is not None
    design = path / "design.json"
    if design.is_file():
        d = json.loads(design.read_text())["design"]
        scope = d.get("scope", "model")
        nondefault = nondefault or bool(d.get("nondefault_options"))
        repository = repository or d.get("source_repo")
    board = board_for_part(part, prj.clock_period_ns or rpt.get("clock_target_ns"))
    return Observation(
        name=path.name,
        project=prj,
        board=board,
        hls_tool=tool or DEFAULT_HLS_TOOL,
        scope=scope,
        real=tuple(sorted((k, float(v)) for k, v in real.items())),
        nondefault=nondefault,
        repository=repository or path.name,
    )


def predict(obs: Observation, calibration: Calibration | None = None) -> dict[str, float]:
    """The estimate of what ``obs``'s report measures (a layer-scope report: that layer alone)."""
    opts = obs.project.estimate_options(obs.hls_tool, calibration=calibration)
    est = estimate(obs.project.network, obs.board, opts)
    if obs.scope == "layer":  # the layer's own report: no top-function registers
        le = est.layers[0]
        return {
            **{q: float(getattr(le, q)) for q in (*BAND_QUANTITIES, "interval_cycles")},
            "ff": float(le.ff - le.ff_top),
        }
    return {q: float(getattr(est, q)) for q in (*BAND_QUANTITIES, "interval_cycles")}


def _median(values: list[float], default: float) -> float:
    return float(statistics.median(values)) if values else default


def fit(observations: Iterable[Observation], base: Calibration | None = None) -> Calibration:
    """Per tool family: LUT and FF factors (median real/estimate) and a latency offset (median real-estimate)."""
    obs = list(observations)
    rules = []
    for fam in sorted({o.family for o in obs}):
        mine = [o for o in obs if o.family == fam and o.scope == "model"]
        if not mine:
            continue
        preds = [(o.real_dict(), predict(o, base)) for o in mine]
        lut = _median([r["lut"] / p["lut"] for r, p in preds if p["lut"] > 0], 1.0)
        ff = _median([r["ff"] / p["ff"] for r, p in preds if p["ff"] > 0], 1.0)
        lat = _median([r["latency_cycles"] - p["latency_cycles"] for r, p in preds], 0.0)
        rules += [(fam, "cal_lut", round(lut, 4)), (fam, "cal_ff", round(ff, 4)), (fam, "cal_latency", round(lat))]
    return Calibration(rules=tuple(rules), designs=tuple(o.name for o in obs))


def leave_group_out(
    observations: Iterable[Observation], key: Callable[[Observation], str]
) -> list[tuple[Observation, dict[str, float], dict[str, float]]]:
    """(observation, real, estimate with the corrections fitted on every design of ANOTHER group).

    ``key`` names a design's group: its own name (leave-one-design-out), its source
    repository (leave-one-repository-out: what a design never seen gets) or its tool family.
    """
    obs = list(observations)
    fits: dict[str, Calibration] = {}
    out = []
    for o in obs:
        k = key(o)
        if k not in fits:
            fits[k] = fit(x for x in obs if key(x) != k)
        out.append((o, o.real_dict(), predict(o, fits[k])))
    return out


def leave_one_out(observations: Iterable[Observation]) -> list[tuple[Observation, dict[str, float], dict[str, float]]]:
    """(observation, real, estimate with the corrections fitted on every OTHER design) for each design."""
    return leave_group_out(observations, lambda o: o.name)


def ratio_table(
    loo: list[tuple[Observation, dict[str, float], dict[str, float]]],
) -> dict[str, dict[str, tuple[float, ...]]]:
    """band family (``Observation.band_family``) -> quantity -> real/estimate ratios (a 0/0 pair counts as 1;
    x/0 is skipped)."""
    table: dict[str, dict[str, list[float]]] = {}
    for o, real, pred in loo:
        for q in BAND_QUANTITIES:
            r, p = real[q], pred[q]
            if p == 0 and r == 0:
                ratio = 1.0
            elif p == 0:
                continue
            else:
                ratio = r / p
            table.setdefault(o.band_family, {}).setdefault(q, []).append(round(ratio, 4))
    return {f: {q: tuple(sorted(v)) for q, v in qs.items()} for f, qs in sorted(table.items())}


def calibrate(paths: Iterable[str | Path]) -> Calibration:
    """What ``fpga-prune calibrate`` writes: the fit on all designs plus their leave-one-out ratios."""
    obs = [observe(p) for p in paths]
    if not obs:
        raise InputError("calibrate", None, "no report directories given")
    cal = fit(obs)
    ratios = tuple((f, q, v) for f, qs in ratio_table(leave_one_out(obs)).items() for q, v in sorted(qs.items()))
    return replace(cal, ratios=ratios)
