"""``verify`` of one project directory: bit-accurate model == C simulation == RTL.

Why all three in one command: each alone can be wrong in the same way as the
thing it checks.  The project's expected outputs come from the bit-accurate
model (``network.json``); ``verify`` recomputes them, compiles and runs the
project's own C simulation (hls4ml's firmware + our testbench), and drives the
RTL with the cocotb testbench under each simulator.  Exit 0 only when every
check saw 0 mismatches.

Build products go to ``PROJECT/build/verify/<simulator>-<digest of the RTL
sources>`` so a second run on the same RTL reuses the Verilator build and
another ``--rtl`` directory builds afresh; ``verify.json`` and ``verify.xml`` (JUnit) are
written at the top of the project.

A project this tool did not write (any hls4ml output directory) is verified
by ``fpga_prune.verify.foreign`` against its own C simulation; both use the
same checks (``fpga_prune.verify.checks``).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fpga_prune.errors import InputError
from fpga_prune.outdir import write_bytes_atomic, write_json_atomic
from fpga_prune.progress import Progress
from fpga_prune.verify.checks import (
    SIMULATORS,
    Check,
    VerifyOptions,
    check_axil_csim,
    check_axil_rtl,
    check_axis_csim,
    check_axis_rtl,
    check_bit_accurate,
    check_csim,
    check_kernel_csim,
    check_kernel_rtl,
    check_rtl,
    load_project,
)

VERIFY_FORMAT = "fpga_prune.verify/1"


@dataclass(frozen=True)
class VerifyResult:
    project: Path
    checks: tuple[Check, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(c.passed for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        rtl = [c for c in self.checks if c.kind == "rtl"]
        return {
            "format": VERIFY_FORMAT,
            "project": str(self.project),
            "ok": self.ok,
            # the vector set's size (an RTL check counts its vectors over all three tests)
            "vectors": max((int(c.details.get("vector_set", c.vectors)) for c in self.checks), default=0),
            "mismatches": sum(c.mismatches for c in self.checks),
            "latency_cycles": next((c.details.get("latency_cycles") for c in rtl), None),
            "ii": next((c.details.get("ii") for c in rtl), None),
            "seconds": round(self.seconds, 2),
            "checks": [c.to_dict() for c in self.checks],
        }


def junit_xml(result: VerifyResult) -> str:
    from fpga_prune.templating import render  # noqa: PLC0415

    return render("reports/verify_junit.xml.j2", {"r": result, "checks": result.checks})


def verify(project: str | Path, opts: VerifyOptions | None = None, progress: Progress | None = None) -> VerifyResult:
    """Run every check and write ``verify.json`` + ``verify.xml`` into the project."""
    opts = opts or VerifyOptions()
    say = progress or (lambda _m: None)
    project = Path(project)
    for sim in opts.sims:
        if sim not in SIMULATORS:
            raise InputError("--sim", None, f"unknown simulator {sim!r}; valid: {', '.join(SIMULATORS)}, all")
    if opts.vectors is not None and opts.vectors < 1:
        raise InputError("--vectors", None, f"must be >= 1, got {opts.vectors}")
    t0 = time.perf_counter()
    from fpga_prune.verify.foreign import is_hls_project, verify_hls_project  # noqa: PLC0415

    if project.is_dir() and is_hls_project(project):
        result = VerifyResult(project, tuple(verify_hls_project(project, opts, say)), time.perf_counter() - t0)
        write_json_atomic(project / "verify.json", result.to_dict())
        write_bytes_atomic(project / "verify.xml", junit_xml(result).encode("utf-8"))
        return result
    network, x, y = load_project(project)
    if opts.vectors is not None:
        x, y = x[: opts.vectors], y[: opts.vectors]
    checks = [check_bit_accurate(network, x, y)]
    say(f"bit-accurate model: {checks[-1].mismatches} mismatches on {checks[-1].vectors} vectors")
    axis = (project / "axis.json").is_file()  # generate --interface axi-stream
    axil = (project / "axil.json").is_file()  # generate --interface axi-lite
    kernel = (project / "kernel.json").is_file()  # generate --interface vitis-kernel
    if opts.csim:
        with tempfile.TemporaryDirectory(prefix="fpga_prune_csim_") as tmp:
            checks.append(check_csim(project, opts.top, Path(tmp)))
            say(f"C simulation:       {checks[-1].mismatches} mismatches on {checks[-1].vectors} vectors")
            if axis:
                checks.append(check_axis_csim(project, Path(tmp) / f"{opts.top}.o"))
                say(f"AXI-Stream C sim:   {checks[-1].mismatches} mismatches on {checks[-1].vectors} vectors")
            if axil:
                checks.append(check_axil_csim(project, Path(tmp) / f"{opts.top}.o"))
                say(f"AXI-Lite C sim:     {checks[-1].mismatches} mismatches on {checks[-1].vectors} vectors")
            if kernel:
                checks.append(check_kernel_csim(project, Path(tmp) / f"{opts.top}.o"))
                say(f"Vitis kernel C sim: {checks[-1].mismatches} mismatches on {checks[-1].vectors} vectors")
    for sim in opts.sims:
        say(f"RTL simulation under {sim} ...")
        checks.append(check_rtl(project, sim, opts))
        c = checks[-1]
        say(
            f"RTL {sim:<15} {c.mismatches} mismatches on {c.vectors} vectors, latency "
            f"{c.details.get('latency_cycles')} cycles, II {c.details.get('ii')}"
        )
        if axis and opts.rtl_dir is None:  # the wrapper wraps our RTL, not an export given with --rtl
            say(f"AXI-Stream RTL simulation under {sim} ...")
            checks.append(check_axis_rtl(project, sim, opts))
            c = checks[-1]
            say(
                f"RTL axis {sim:<10} {c.mismatches} mismatches on {c.vectors} vectors, "
                f"{c.details.get('samples_per_cycle')} samples/cycle, "
                f"cycles per batch {c.details.get('cycles_per_batch')}"
            )
        if axil and opts.rtl_dir is None:
            say(f"AXI-Lite RTL simulation under {sim} ...")
            checks.append(check_axil_rtl(project, sim, opts))
            c = checks[-1]
            say(
                f"RTL axil {sim:<10} {c.mismatches} mismatches on {c.vectors} vectors, "
                f"{c.details.get('cycles_per_sample')} cycles a sample ({c.details.get('polls_per_sample')} polls)"
            )
        if kernel and opts.rtl_dir is None:
            say(f"Vitis kernel RTL simulation under {sim} ...")
            checks.append(check_kernel_rtl(project, sim, opts))
            c = checks[-1]
            say(
                f"RTL kernel {sim:<8} {c.mismatches} mismatches on {c.vectors} vectors, "
                f"{c.details.get('samples_per_cycle')} samples/cycle, "
                f"cycles per run {c.details.get('cycles_per_batch')}"
            )
    result = VerifyResult(project, tuple(checks), time.perf_counter() - t0)
    write_json_atomic(project / "verify.json", result.to_dict())
    write_bytes_atomic(project / "verify.xml", junit_xml(result).encode("utf-8"))
    return result


def summary_lines(result: VerifyResult) -> Sequence[str]:
    lines = [f"{'PASS' if result.ok else 'FAIL'}: {result.project}"]
    for c in result.checks:
        extra = ""
        if c.kind == "rtl" and "samples_per_cycle" in c.details:  # a wrapper (AXI-Stream, AXI-Lite, Vitis kernel)
            extra = (
                f"  {c.details['simulator']} {c.details['version']}, {c.details['samples_per_cycle']} samples/cycle "
                f"({c.details['samples_per_s']}/s at the board clock), "
                f"cycles per batch {c.details['cycles_per_batch']}"
            )
        elif c.kind == "rtl":
            extra = (
                f"  {c.details['simulator']} {c.details['version']}, latency {c.details['latency_cycles']} "
                f"cycles, II {c.details['ii']}, {c.details['inferences_per_s']:.0f} inferences/s"
            )
        if c.details.get("role") == "reference":
            ins = c.details.get("inputs") or []  # several input arrays, or a top's scalar arguments
            over = ", ".join(ins) if len(ins) > 1 else c.details["input_type"]
            if "glue" in c.details:
                top = c.details["glue"]["top"]
                over = f"{len(ins)} scalar arguments of {top} (its own code fills the network's input)"
            lines.append(f"  {c.name:<20} reference: {c.vectors} vectors drawn over {over} ({c.seconds:.1f} s)")
            continue
        if c.details.get("modelled") is False:
            lines.append(f"  {c.name:<20} not compared: {c.details['not_modelled']}")
            continue
        lines.append(f"  {c.name:<20} {c.mismatches:>6} mismatches / {c.vectors} vectors  ({c.seconds:.1f} s){extra}")
        for name, t in c.details.get("tests", {}).items():
            by = t.get("mismatches_by_output") or {}
            lines.append(
                f"      {name:<18} {t.get('mismatches') or 0:>6} mismatches / {t.get('vectors')} vectors"
                + (f"  (outputs: {', '.join(f'{k} {v}' for k, v in sorted(by.items()))})" if by else "")
            )
        by = c.details.get("mismatches_by_output") or {}
        if by:
            lines.append(f"      outputs: {', '.join(f'{k} {v}' for k, v in sorted(by.items()))}")
        for m in c.details.get("first_mismatches", [])[:5]:
            lines.append(f"      {m}")
        if c.failure:
            lines.append(f"      {c.failure}")
    lines.append(f"  wrote {result.project / 'verify.json'} and {result.project / 'verify.xml'}")
    return lines


__all__ = ["VERIFY_FORMAT", "VerifyResult", "junit_xml", "summary_lines", "verify"]
