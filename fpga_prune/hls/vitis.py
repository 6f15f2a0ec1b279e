"""AMD Vitis HLS / Vivado: find them, run the generated project's scripts, read their reports.

Why a module of its own: nothing in fpga_prune may require the AMD tools (CI
has none), but a user who has them should get measured numbers beside the
estimate.  Detection, the subprocess calls and the report parsers live here;
the parsers are plain text/XML readers so they are tested on real reports
without the tools.

Report formats read:

* ``<prj>/solution1/syn/report/csynth.xml`` (Vivado HLS 2019.x and Vitis HLS
  2020.1+): ``AreaEstimates/Resources`` (``DSP48E`` before 2020.1, ``DSP``
  after), ``PerformanceEstimates`` latency/interval in cycles and the
  estimated clock period.
* Vivado ``report_utilization`` text: the ``Slice LUTs`` (7-series) or
  ``CLB LUTs`` (UltraScale) row, ``Slice/CLB Registers``, ``Block RAM Tile``
  (36 Kb tiles, converted to 18 Kb), ``DSPs``, ``URAM``.
* Vivado ``report_timing_summary`` text: WNS/TNS of the design.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from fpga_prune.errors import InputError

#: Executables tried in order: Vitis 2024.1+ unified CLI, then the classic HLS CLI.
HLS_EXECUTABLES = ("vitis-run", "vitis_hls")
VIVADO_EXECUTABLE = "vivado"


@dataclass(frozen=True)
class VitisTool:
    """One found HLS executable and how to run a Tcl script with it."""

    path: str
    kind: str  # "vitis-run" or "vitis_hls"

    def command(self, tcl: str) -> list[str]:
        if self.kind == "vitis-run":
            return [self.path, "--mode", "hls", "--tcl", tcl]
        return [self.path, "-f", tcl]


def find_vitis(path: str | None = None) -> VitisTool | None:
    """The first of ``vitis-run`` / ``vitis_hls`` on ``PATH`` (or ``path``), else None."""
    for name in HLS_EXECUTABLES:
        found = shutil.which(name, path=path)
        if found:
            return VitisTool(found, name)
    return None


def find_vivado(path: str | None = None) -> str | None:
    return shutil.which(VIVADO_EXECUTABLE, path=path)


def tool_version(tool: VitisTool | str, timeout: float = 60.0) -> str | None:
    """First line of ``<tool> --version`` (or ``-version``), None if it will not say."""
    exe = tool.path if isinstance(tool, VitisTool) else tool
    for flag in ("--version", "-version"):
        try:
            out = subprocess.run([exe, flag], capture_output=True, text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        for line in (out.stdout + out.stderr).splitlines():
            if re.search(r"v?20\d\d\.\d", line):
                return line.strip()
    return None


# ----------------------------------------------------------------------------- csynth.xml
def _num(text: str | None) -> float | int | None:
    if text is None:
        return None
    t = text.strip()
    if not t or t.lower() in ("undef", "-", "n/a"):
        return None
    try:
        return int(t)
    except ValueError:
        try:
            return float(t)
        except ValueError:
            return None


def parse_csynth_report(xml_path: str | os.PathLike) -> dict:
    """Resources, latency and timing of the top from Vitis HLS's ``csynth.xml``.

    Returns ``{"dsp", "bram18k", "uram", "lut", "ff"}`` (used), ``available``
    (same keys), ``latency_cycles`` (best/worst), ``interval_cycles``
    (min/max), ``clock_target_ns``, ``clock_estimated_ns``, ``clock_uncertainty_ns``,
    ``part``, ``top``, ``version``.  A missing field is None; a file that is not
    a csynth report raises ``InputError``.
    """
    p = Path(xml_path)
    try:
        root = ET.parse(p).getroot()
    except (OSError, ET.ParseError) as exc:
        raise InputError(p, None, f"not a readable csynth.xml report ({exc})") from None
    area = root.find("AreaEstimates")
    if area is None or area.find("Resources") is None:
        raise InputError(p, "AreaEstimates/Resources", "missing: not a Vitis HLS csynth report")

    def resources(node) -> dict:
        def get(*tags):
            for tag in tags:
                el = node.find(tag) if node is not None else None
                if el is not None:
                    return _num(el.text)
            return None

        return {
            "dsp": get("DSP", "DSP48E", "DSP48"),
            "bram18k": get("BRAM_18K"),
            "uram": get("URAM"),
            "lut": get("LUT"),
            "ff": get("FF"),
        }

    def text(path: str) -> str | None:
        el = root.find(path)
        return el.text.strip() if el is not None and el.text else None

    perf = "PerformanceEstimates/SummaryOfOverallLatency/"
    out = resources(area.find("Resources"))
    out.update(
        {
            "available": resources(area.find("AvailableResources")),
            "latency_cycles": {
                "best": _num(text(perf + "Best-caseLatency")),
                "worst": _num(text(perf + "Worst-caseLatency")),
            },
            "interval_cycles": {"min": _num(text(perf + "Interval-min")), "max": _num(text(perf + "Interval-max"))},
            "clock_target_ns": _num(text("UserAssignments/TargetClockPeriod")),
            "clock_uncertainty_ns": _num(text("UserAssignments/ClockUncertainty")),
            "clock_estimated_ns": _num(text("PerformanceEstimates/SummaryOfTimingAnalysis/EstimatedClockPeriod")),
            "part": text("UserAssignments/Part"),
            "top": text("UserAssignments/TopModelName"),
            "version": text("ReportVersion/Version"),
        }
    )
    return out


# ----------------------------------------------------------------------------- csynth.rpt (text)
def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _table_after(lines: list[str], start: int) -> tuple[list[str], list[list[str]], int]:
    """The first ``+---`` table at or after ``start``: (header cells, body rows, index after it)."""
    i = start
    while i < len(lines) and not lines[i].lstrip().startswith("+-"):
        if lines[i].strip() == "N/A":
            return [], [], i
        i += 1
    header: list[str] = []
    rows: list[list[str]] = []
    sep = 0
    while i < len(lines) and lines[i].lstrip()[:1] in ("+", "|"):
        line = lines[i].strip()
        if line.startswith("+"):
            sep += 1
        elif sep == 1:
            header = _cells(line) if not header else [f"{a} {b}".strip() for a, b in zip(header, _cells(line))]
        else:
            rows.append(_cells(line))
        i += 1
    return header, rows, i


def parse_csynth_rpt(rpt: str | os.PathLike) -> dict:
    """Totals, latency and per-instance rows of a Vivado/Vitis HLS ``*_csynth.rpt`` text report.

    Returns the keys of ``parse_csynth_report`` (``dsp``, ``bram18k``, ``uram``,
    ``lut``, ``ff``, ``latency_cycles``, ``interval_cycles``, clock fields,
    ``part``, ``top``, ``version``) plus ``tool`` ("vivado"/"vitis") and
    ``instances``: one dict per row of the utilization Instance table (``module``
    and the five resources) with its latency/interval from the latency table.
    Why: most public hls4ml projects commit only the text report.
    """
    p = Path(rpt)
    try:
        text = p.read_text(errors="replace")
    except OSError as exc:
        raise InputError(p, None, f"not readable ({exc})") from None
    head = re.search(r"==\s*(Vivado|Vitis) HLS Report for '([^']+)'", text)
    if not head:
        raise InputError(p, None, "not a Vivado/Vitis HLS csynth report (no 'HLS Report for' header)")
    lines = text.splitlines()

    def find(pattern: str, start: int = 0) -> int:
        for k in range(start, len(lines)):
            if re.search(pattern, lines[k]):
                return k
        return -1

    def val(cell: str) -> int | None:
        c = cell.strip()
        return int(c) if re.fullmatch(r"\d+", c) else (0 if c in ("-", "") else None)

    # Vivado HLS 2019.1 and older: "Timing (ns)" and bare numbers; later: "5.00 ns" cells
    clock = re.search(r"\|ap_clk\s*\|\s*([\d.]+)\s*(?:ns)?\s*\|\s*([\d.]+)\s*(?:ns)?\s*\|\s*([\d.]+)", text)
    lat_at = find(r"^\+ Latency")
    _, lat_rows, _ = _table_after(lines, lat_at) if lat_at >= 0 else ([], [], 0)
    lat = lat_rows[0] if lat_rows else []
    inst_lat: dict[str, tuple[int | None, int | None, int | None]] = {}
    det = find(r"^\s*\* Instance:", lat_at) if lat_at >= 0 else -1
    util_at = find(r"== Utilization Estimates")
    if 0 <= det < util_at:
        _, rows, _ = _table_after(lines, det + 1)
        for r in rows:
            if len(r) >= 8:
                inst_lat[r[0]] = (val(r[2]), val(r[3]), val(r[6]))
            elif len(r) >= 6:  # Vivado HLS 2019.1 and older: no absolute-latency columns
                inst_lat[r[0]] = (val(r[2]), val(r[3]), val(r[4]))
    out: dict = {"dsp": None, "bram18k": None, "uram": None, "lut": None, "ff": None}
    header, rows, end = _table_after(lines, util_at) if util_at >= 0 else ([], [], 0)
    cols = {h.split()[0].upper(): k for k, h in enumerate(header)}
    key = {"BRAM_18K": "bram18k", "DSP": "dsp", "DSP48E": "dsp", "FF": "ff", "LUT": "lut", "URAM": "uram"}
    for r in rows:
        if r and r[0] == "Total":
            for h, k in cols.items():
                if h in key:
                    out[key[h]] = val(r[k])
    instances = []
    det = find(r"^\s*\* Instance:", end)
    if det >= 0:
        header, rows, _ = _table_after(lines, det + 1)
        cols = {h.split()[0].upper(): k for k, h in enumerate(header)}
        for r in rows:
            if not r or r[0] == "Total" or len(r) < len(cols):
                continue
            item = {"instance": r[0], "module": r[1]}
            item.update({key[h]: val(r[k]) for h, k in cols.items() if h in key})
            lmin, lmax, ii = inst_lat.get(r[0], (None, None, None))
            item.update({"latency_min": lmin, "latency_max": lmax, "interval": ii})
            instances.append(item)
    version = re.search(r"\*\s*Version:\s*(\S+)", text)
    part = re.search(r"\*\s*Target device:\s*(\S+)", text)
    out.update(
        {
            "latency_cycles": {"best": val(lat[0]) if lat else None, "worst": val(lat[1]) if len(lat) > 1 else None},
            "interval_cycles": {  # (Vivado HLS 2019.1 and older: min, max, min, max, type; no absolute columns)
                "min": val(lat[4 if len(lat) > 5 else 2]) if len(lat) > 2 else None,
                "max": val(lat[5 if len(lat) > 5 else 3]) if len(lat) > 3 else None,
            },
            "clock_target_ns": float(clock.group(1)) if clock else None,
            "clock_estimated_ns": float(clock.group(2)) if clock else None,
            "clock_uncertainty_ns": float(clock.group(3)) if clock else None,
            "part": part.group(1) if part else None,
            "top": head.group(2),
            "version": version.group(1) if version else None,
            "tool": head.group(1).lower(),
            "instances": instances,
        }
    )
    return out


# ----------------------------------------------------------------------------- Vivado reports
_ROW = re.compile(r"^\|\s*(?P<name>[^|]+?)\s*\|\s*(?P<used>[0-9.]+)\s*\|(?P<rest>.*)$")


def _rows(text: str) -> dict[str, tuple[float, list[str]]]:
    """Site type -> (used, remaining cells) for every top-level table row (first occurrence wins)."""
    rows: dict[str, tuple[float, list[str]]] = {}
    for line in text.splitlines():
        m = _ROW.match(line)
        if not m or line.startswith("|  "):  # indented rows are breakdowns ("  LUT as Logic")
            continue
        name = m.group("name").rstrip("*").strip()
        if name not in rows:
            rows[name] = (float(m.group("used")), [c.strip() for c in m.group("rest").split("|")])
    return rows


def _available(cells: list[str]) -> int | None:
    """The 'Available' column: the last integer cell before Util%."""
    nums = [c for c in cells if re.fullmatch(r"\d+", c)]
    return int(nums[-1]) if nums else None


def parse_vivado_utilization(rpt: str | os.PathLike) -> dict:
    """LUT/FF/BRAM/DSP/URAM used (and available) from ``report_utilization`` text or a file path.

    ``bram18k`` counts 18 Kb blocks (a 36 Kb ``Block RAM Tile`` is two), the
    unit of Vitis HLS and of our board files.
    """
    text = str(rpt)
    if "\n" not in text and Path(text).is_file():
        text = Path(text).read_text(errors="replace")
    rows = _rows(text)

    def pick(*names):
        for n in names:
            if n in rows:
                return rows[n]
        return None

    lut, ff = pick("Slice LUTs", "CLB LUTs"), pick("Slice Registers", "CLB Registers")
    bram, dsp, uram = pick("Block RAM Tile"), pick("DSPs"), pick("URAM")
    if lut is None and ff is None:
        raise InputError("utilization report", "Slice LUTs/CLB LUTs", "row not found: not a Vivado report_utilization")

    def used(row, scale=1.0):
        return None if row is None else int(round(row[0] * scale))

    def avail(row, scale=1):
        a = None if row is None else _available(row[1])
        return None if a is None else a * scale

    dev = re.search(r"^\|\s*Device\s*:\s*(\S+)", text, re.M)
    state = re.search(r"^\|\s*Design State\s*:\s*(.+?)\s*$", text, re.M)
    return {
        "lut": used(lut),
        "ff": used(ff),
        "bram18k": used(bram, 2.0),
        "dsp": used(dsp),
        "uram": used(uram) if uram is not None else 0,
        "available": {
            "lut": avail(lut),
            "ff": avail(ff),
            "bram18k": avail(bram, 2),
            "dsp": avail(dsp),
            "uram": avail(uram),
        },
        "device": dev.group(1) if dev else None,
        "design_state": state.group(1) if state else None,
    }


def parse_vivado_timing(rpt: str | os.PathLike) -> dict:
    """WNS/TNS (ns) and whether timing is met, from ``report_timing_summary`` text or a file."""
    text = str(rpt)
    if "\n" not in text and Path(text).is_file():
        text = Path(text).read_text(errors="replace")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^\s*WNS\(ns\)\s+TNS\(ns\)", line):
            for follow in lines[i + 1 : i + 4]:
                cells = follow.split()
                if cells and re.fullmatch(r"-?[0-9.]+", cells[0]):
                    wns, tns = float(cells[0]), float(cells[1])
                    return {"wns_ns": wns, "tns_ns": tns, "met": wns >= 0.0}
    raise InputError("timing report", "WNS(ns)", "design timing summary not found")


# ----------------------------------------------------------------------------- running
@dataclass(frozen=True)
class SynthResult:
    """What ``run_synth`` did: the tool, each step's outcome, and the parsed reports."""

    tool: str | None
    version: str | None
    steps: tuple[str, ...]
    returncode: int | None
    csynth: dict | None
    vivado: dict | None
    timing: dict | None
    log: str
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return self.skipped is None and self.returncode == 0 and self.csynth is not None


def csynth_xml_path(project: str | os.PathLike, top: str = "myproject") -> Path:
    return Path(project) / f"{top}_prj" / "solution1" / "syn" / "report" / "csynth.xml"


def run_synth(
    project: str | os.PathLike,
    *,
    top: str = "myproject",
    steps: tuple[str, ...] = ("csynth",),
    vivado: bool = True,
    tool: VitisTool | None = None,
    timeout: float | None = None,
) -> SynthResult:
    """Run the generated ``scripts/build.tcl`` (and ``scripts/vivado_synth.tcl``) in ``project``.

    ``steps`` picks from csim, csynth, cosim, export (passed to the script as
    ``FPGA_PRUNE_STEPS``).  Without Vitis on PATH nothing runs and the result
    says why (``skipped``).
    """
    project = Path(project)
    tool = tool or find_vitis()
    if tool is None:
        return SynthResult(
            None, None, tuple(steps), None, None, None, None, "", skipped="neither vitis-run nor vitis_hls is on PATH"
        )
    env = dict(os.environ, FPGA_PRUNE_STEPS=" ".join(steps))
    log_parts = []
    proc = subprocess.run(
        tool.command("scripts/build.tcl"),
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    log_parts.append(proc.stdout + proc.stderr)
    csynth = None
    xml = csynth_xml_path(project, top)
    if proc.returncode == 0 and xml.is_file():
        csynth = parse_csynth_report(xml)
    util = timing = None
    vivado_exe = find_vivado() if vivado else None
    if csynth is not None and vivado_exe:
        vp = subprocess.run(
            [vivado_exe, "-mode", "batch", "-nojournal", "-nolog", "-source", "scripts/vivado_synth.tcl"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        log_parts.append(vp.stdout + vp.stderr)
        rep = project / "reports"
        if vp.returncode == 0 and (rep / "vivado_utilization.rpt").is_file():
            util = parse_vivado_utilization(rep / "vivado_utilization.rpt")
            if (rep / "vivado_timing.rpt").is_file():
                timing = parse_vivado_timing(rep / "vivado_timing.rpt")
    return SynthResult(
        tool.kind, tool_version(tool), tuple(steps), proc.returncode, csynth, util, timing, "\n".join(log_parts)
    )
