"""The checks of a project, each a ``Check`` as verify.json and the JUnit file show it.

Why one module for the checks and their options: the generated project's
verification (``fpga_prune.verify.project``) and a foreign hls4ml project's
(``fpga_prune.verify.foreign``) run the same bit-accurate, C simulation and
RTL checks with the same ``VerifyOptions``; the verifiers choose which checks
run and against which reference.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from fpga_prune.arith.axis import BusFormat
from fpga_prune.errors import InputError
from fpga_prune.outdir import JsonObject
from fpga_prune.rtl.simulate import SIMULATORS as SIMULATOR_SPECS

if TYPE_CHECKING:
    from fpga_prune.hls.csim import BusCsimRun

#: simulator names in the order ``all`` runs them (the registry is verify_rtl's)
SIMULATORS: tuple[str, ...] = tuple(SIMULATOR_SPECS)


@dataclass(frozen=True)
class VerifyOptions:
    """What to run.  ``vectors`` limits the bit-accurate and RTL checks (the C
    simulation always runs every vector of the project: it takes seconds)."""

    sims: tuple[str, ...] = SIMULATORS
    rtl_dir: Path | None = None
    ports: Path | None = None
    vectors: int | None = None
    waves: bool = False
    csim: bool = True
    top: str = "myproject"
    rtl_top: str | None = None  # --top: the RTL's top module (and an hls4ml project's top function)
    seed: int = 0  # of the inputs drawn for an hls4ml project


@dataclass(frozen=True)
class Check:
    """One verification result, as it appears in verify.json and the JUnit file."""

    name: str
    kind: str  # bit_accurate | csim | rtl
    vectors: int
    mismatches: int
    seconds: float
    details: JsonObject = field(default_factory=dict)
    failure: str = ""

    @property
    def passed(self) -> bool:
        return self.mismatches == 0 and not self.failure

    def to_dict(self) -> JsonObject:
        return {
            "name": self.name,
            "kind": self.kind,
            "vectors": self.vectors,
            "mismatches": self.mismatches,
            "passed": self.passed,
            "seconds": round(self.seconds, 3),
            "failure": self.failure,
            **self.details,
        }


def _load_raw(path: Path) -> np.ndarray:
    if not path.is_file():
        raise InputError(path, None, "missing; not a project written by `fpga-prune generate`")
    try:
        return np.loadtxt(path, dtype=np.int64, ndmin=2)
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # numpy names the row and column
        raise InputError(path, None, f"not raw integer vectors: {str(exc).splitlines()[0]}") from None


def load_project(project: Path):
    """The project's network and vectors (inputs and expected outputs, raw integers)."""
    from fpga_prune.arith.ir import FixedNetwork  # noqa: PLC0415

    project = Path(project)
    if not project.is_dir():
        raise InputError(project, None, "no such project directory")
    net_file = project / "network.json"
    if not net_file.is_file():
        raise InputError(project, "network.json", "missing; not a project written by `fpga-prune generate`")
    try:
        network = FixedNetwork.from_json(net_file.read_text())
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise InputError(net_file, None, f"unreadable network: {type(exc).__name__}: {exc}") from None
    x = _load_raw(project / "tb_data" / "inputs_raw.dat")
    y = _load_raw(project / "tb_data" / "expected_raw.dat")
    if x.shape[0] != y.shape[0] or x.shape[1] != network.n_inputs or y.shape[1] != network.n_outputs:
        raise InputError(
            project / "tb_data",
            None,
            f"vector files have shapes {x.shape} / {y.shape}, the network "
            f"{network.n_inputs} inputs / {network.n_outputs} outputs",
        )
    return network, x, y


def check_bit_accurate(network, x: np.ndarray, y: np.ndarray) -> Check:
    """Recompute the expected outputs with the bit-accurate model."""
    from fpga_prune.arith import emulate  # noqa: PLC0415

    t0 = time.perf_counter()
    got = emulate.predict_raw(network, x)
    seconds = time.perf_counter() - t0
    bad = np.flatnonzero((got != y).any(axis=1))
    first = [{"vector": int(i), "expected": y[i].tolist(), "got": got[i].tolist()} for i in bad[:10]]
    return Check(
        "bit_accurate_model",
        "bit_accurate",
        int(len(x)),
        int(len(bad)),
        seconds,
        {"first_mismatches": first, "inferences_per_s": round(len(x) / seconds) if seconds > 0 else None},
    )


def check_csim(project: Path, top: str, build_dir: Path | None = None) -> Check:
    """Compile and run the project's C simulation (hls4ml firmware + our testbench); its objects stay in
    ``build_dir`` when given (the AXI-Stream C simulation links the same firmware object)."""
    from fpga_prune.hls.csim import run_csim  # noqa: PLC0415

    for rel in (f"firmware/{top}.cpp", "tb/tb_main.cpp"):
        if not (project / rel).is_file():
            raise InputError(project, rel, "missing, so there is no C simulation to run (pass --no-csim to skip it)")
    t0 = time.perf_counter()
    res = run_csim(project, top=top, build_dir=build_dir)
    return Check(
        "hls4ml_csim",
        "csim",
        res.n_vectors,
        res.mismatching_vectors,
        time.perf_counter() - t0,
        {
            "first_mismatches": list(res.first),
            "testbench": res.tb_summary,
            "compile_seconds": round(res.compile_seconds, 2),
            "run_seconds": round(res.run_seconds, 2),
        },
    )


def check_rtl(project: Path, sim: str, opts: VerifyOptions, vectors_dir: Path | None = None) -> Check:
    """Drive the RTL with the cocotb testbench under ``sim``.

    ``vectors`` and ``mismatches`` count every test's vectors (each test's own
    counts are in ``details["tests"]``), so the two numbers always belong together.
    """
    from fpga_prune.rtl import simulate as verify_rtl  # noqa: PLC0415

    rtl_dir = opts.rtl_dir or project / "rtl"
    vectors_dir = vectors_dir or project / "vectors"
    if not Path(rtl_dir).is_dir():
        raise InputError(rtl_dir, None, "no RTL directory (give --rtl DIR with Verilog from Vitis)")
    build = verify_rtl.build_rtl(
        rtl_dir,
        sim,
        ports=opts.ports,
        waves=opts.waves,
        build_dir=project / "build" / "verify" / sim,
        vectors_dir=vectors_dir,
        top=opts.rtl_top,
        key_by_sources=True,
    )
    res = verify_rtl.run_tests(
        build, vectors_dir, vectors=opts.vectors, test_module=verify_rtl.testbench_for(build.ports)
    )
    failing = [f"{name}: {rep['failure']}" for name, rep in sorted(res.tests.items()) if not rep.get("passed")]
    details = {
        "simulator": res.simulator,
        "version": res.version,
        "latency_cycles": res.latency_cycles,
        "ii": res.ii,
        "build_seconds": round(res.build_seconds, 2),
        "inferences_per_s": round(res.inferences_per_second, 1),
        "first_mismatches": [verify_rtl.format_mismatch(m) for m in res.first_mismatches],
        "tests": {
            name: {
                k: rep.get(k)
                for k in (
                    "passed",
                    "vectors",
                    "mismatches",
                    "mismatches_by_output",
                    "missing",
                    "latency_cycles",
                    "ii",
                    "failure",
                )
            }
            for name, rep in sorted(res.tests.items())
        },
        "vector_set": res.vectors,
        "junit": res.junit,
        "rtl_dir": str(rtl_dir),
        "top": build.top,
        "ports": {
            "block_protocol": build.ports.block_protocol,
            "input": build.ports.input,
            "input_vld": build.ports.input_vld,
            "outputs": list(build.ports.outputs),
            **({"stream": build.ports.stream} if build.ports.stream else {}),
            **({"extra_inputs": list(build.ports.extra_inputs)} if build.ports.extra_inputs else {}),
        },
        "waves": list(res.waves),
    }
    failure = "" if res.mismatches or not failing else "; ".join(failing)[:2000]
    vectors = sum(int(rep.get("vectors") or 0) for rep in res.tests.values())
    return Check(f"rtl_{sim}", "rtl", vectors, res.mismatches, res.seconds, details, failure)


def check_axis_csim(project: Path, firmware_object: Path | None = None) -> Check:
    """The AXI-Stream wrapper's C simulation (g++) against the model's outputs packed in the bus format
    (``firmware_object``: the firmware as :func:`check_csim` compiled it, linked instead of compiled again)."""
    from fpga_prune.hls.axis_project import read_axis_design  # noqa: PLC0415
    from fpga_prune.hls.csim import run_axis_csim  # noqa: PLC0415

    design = read_axis_design(project / "axis.json")
    t0 = time.perf_counter()
    run = run_axis_csim(project, top=design.top, axi_top=design.axi_top, firmware_object=firmware_object)
    return _bus_csim_check("axis_csim", project, design.axi_top, design.fmt, run, t0)


def check_kernel_csim(project: Path, firmware_object: Path | None = None) -> Check:
    """The Vitis kernel's C simulation (g++: a call a run on packed buffers with guard words) against the model's
    outputs packed in the bus format (``firmware_object`` as for :func:`check_axis_csim`)."""
    from fpga_prune.hls.csim import run_kernel_csim  # noqa: PLC0415
    from fpga_prune.hls.kernel_project import read_kernel_design  # noqa: PLC0415

    design = read_kernel_design(project / "kernel.json")
    t0 = time.perf_counter()
    run = run_kernel_csim(project, top=design.top, kernel=design.kernel, firmware_object=firmware_object)
    return _bus_csim_check("kernel_csim", project, design.kernel, design.fmt, run, t0)


def check_axil_csim(project: Path, firmware_object: Path | None = None) -> Check:
    """The AXI-Lite top's C simulation (g++: a call a sample on its register words) against the model's outputs
    packed in the word format (``firmware_object`` as for :func:`check_axis_csim`)."""
    from fpga_prune.hls.axil_project import CSIM_BATCHES, read_axil_design  # noqa: PLC0415
    from fpga_prune.hls.csim import run_axil_csim  # noqa: PLC0415

    design = read_axil_design(project / "axil.json")
    t0 = time.perf_counter()
    run = run_axil_csim(project, top=design.top, axil_top=design.axil_top, firmware_object=firmware_object)
    return _bus_csim_check("axil_csim", project, design.axil_top, design.fmt, run, t0, CSIM_BATCHES)


def _bus_csim_check(
    name: str, project: Path, top: str, fmt: BusFormat, run: BusCsimRun, t0: float, sizes: tuple[int, ...] = ()
) -> Check:
    """A wrapper's written words compared sample by sample with the model's outputs packed in ``fmt`` (batches
    as the word files cut them: ``sizes``, the AXI-Stream wrapper's by default); a testbench that fails for another
    reason (guard words, unused words not 0) is a failure."""
    from fpga_prune.hls.axis_project import CSIM_BATCHES, compare_words, read_word_lines, word_lines  # noqa: PLC0415

    expected = _load_raw(project / "tb_data" / "expected_raw.dat")
    want = read_word_lines(word_lines(expected, fmt.output, sizes or CSIM_BATCHES))
    got = read_word_lines(run.words_text)
    n_bad, bad = compare_words(got, want, fmt.output)
    failure = ""
    clobbered = re.search(r"(\d+) guard words overwritten", run.tb_summary)
    dirty = re.search(r"(\d+) unused result words not 0", run.tb_summary)
    if clobbered and int(clobbered.group(1)):
        failure = f"the kernel wrote outside its output buffer ({run.tb_summary!r})"
    elif dirty and int(dirty.group(1)):
        failure = f"the top wrote its unused result words ({run.tb_summary!r})"
    elif (run.returncode == 0) != (n_bad == 0):
        failure = f"the testbench ({run.tb_summary!r}) and the word comparison ({n_bad} samples) disagree"
    return Check(
        name,
        "csim",
        int(len(expected)),
        n_bad,
        time.perf_counter() - t0,
        {
            "top": top,
            "bus": fmt.to_dict(),
            "batches": len([w for w in want if w[1]]),
            "words": {"expected": len(want), "got": len(got)},
            "first_mismatches": bad[:10],
            "testbench": run.tb_summary,
            "compile_seconds": round(run.compile_seconds, 2),
            "run_seconds": round(run.run_seconds, 2),
        },
        failure,
    )


def _at_clock(project: Path, per_cycle: float | None) -> float | None:
    """Samples a second at the clock the project was generated for (``manifest.json``'s board)."""
    import json  # noqa: PLC0415

    try:
        period = float(json.loads((project / "manifest.json").read_text())["board"]["clock_period_ns"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return None if per_cycle is None else round(per_cycle * 1e9 / period)


#: the wrapped RTL's tests (sim/test_axis.py)
AXIS_TESTS = ("axis_batches", "axis_backpressure", "axis_reset_mid_frame", "axis_driver")
#: at most this many vectors in the wrapped RTL's batch test: a sample takes several beats and Icarus spends
#: ~1.6 ms a cycle with cocotbext-axi (the pynq-z2 design: 4 beats a sample), so the check's share of a run
#: stays small; with the backpressure (400), driver (200) and reset (60) tests a check still counts 3,060
#: vectors, and the plain RTL checks run every vector through the same network
AXIS_VECTORS = 2400


#: the Vitis kernel wrapper's tests (sim/test_kernel.py)
KERNEL_TESTS = ("kernel_batches", "kernel_backpressure", "kernel_reset_mid_run", "kernel_host")
#: at most this many vectors in the kernel's batch test (runs of 1, 3, 16, 250 and 1,000 samples in turn); with
#: the backpressure (400), reset (200) and host (200) tests a check counts 3,000 vectors.  Why a cap: Icarus with
#: cocotbext-axi's five memory channels and AXI-Lite spends ~5 ms of CPU a cycle (a sample a cycle on alveo-u55c's
#: 256-bit words), ~30 s a check; the plain RTL checks run every vector through the same network
KERNEL_VECTORS = 2200


#: the AXI-Lite top's tests (sim/test_axil.py)
AXIL_TESTS = ("axil_samples", "axil_pauses", "axil_reset_mid_run", "axil_driver")
#: at most this many vectors in the AXI-Lite top's sample test; with the pauses (240), driver (120) and reset (40)
#: tests a check counts 1,000 vectors.  Why a cap: a sample is a handful of AXI-Lite transactions (the pynq-z2
#: design: 8 input writes, ap_start, 4 polls, a result read: 42 cycles), which cocotbext-axi drives at ~0.5 ms of
#: CPU a cycle under Icarus on this 2-core machine (1,640 vectors took 39 s of CPU, 1,000 take ~25 s), Verilator
#: several times faster; the plain RTL checks run every vector through the same network
AXIL_VECTORS = 600
#: vectors of its pause test (random idle cycles on all five channels: ~1.4x the cycles of a sample)
AXIL_AUX_VECTORS = 240


def check_axis_rtl(project: Path, sim: str, opts: VerifyOptions) -> Check:
    """Our RTL of the network inside its AXI-Stream wrapper (``rtl_axi/``), driven by cocotbext-axi under ``sim``."""
    from fpga_prune.hls.axis_project import read_axis_design  # noqa: PLC0415

    design = read_axis_design(project / "axis.json")
    env = {
        "FPGA_PRUNE_AXIS": str((project / "axis.json").resolve()),
        "FPGA_PRUNE_DRIVER": str((project / "driver" / f"{design.axi_top}_driver.py").resolve()),
    }
    n = AXIS_VECTORS if opts.vectors is None else min(opts.vectors, AXIS_VECTORS)
    keys = ("passed", "vectors", "batches", "mismatches", "framing_errors", "stale_outputs", "cycles", "failure")
    check, reports = _wrapped_rtl_check(
        project, sim, opts, ("axis", "rtl_axi", design.axi_top, design.fmt), AXIS_TESTS, n, env, keys
    )
    main = reports.get("axis_batches", {})
    check.details.update(stream_vectors=main.get("stream_vectors"), stream_cycles=main.get("stream_cycles"))
    return check


def check_kernel_rtl(project: Path, sim: str, opts: VerifyOptions) -> Check:
    """Our RTL of the network inside its Vitis kernel wrapper (``rtl_kernel/``): cocotbext-axi's AxiRam as the
    memory, AxiLiteMaster as the host, under ``sim``."""
    from fpga_prune.hls.kernel_project import read_kernel_design  # noqa: PLC0415

    design = read_kernel_design(project / "kernel.json")
    env = {
        "FPGA_PRUNE_KERNEL": str((project / "kernel.json").resolve()),
        "FPGA_PRUNE_HOST": str((project / "host" / f"{design.kernel}_host.py").resolve()),
    }
    n = KERNEL_VECTORS if opts.vectors is None else min(opts.vectors, KERNEL_VECTORS)
    keys = ("passed", "vectors", "batches", "mismatches", "protocol_errors", "cycles", "failure")
    check, _ = _wrapped_rtl_check(
        project, sim, opts, ("kernel", "rtl_kernel", design.kernel, design.fmt), KERNEL_TESTS, n, env, keys
    )
    check.details.update(platform=design.platform, memory=design.memory)
    return check


def check_axil_rtl(project: Path, sim: str, opts: VerifyOptions) -> Check:
    """Our RTL of the network inside its AXI-Lite top (``rtl_axil/``): cocotbext-axi's AxiLiteMaster as the host,
    with pauses on its channels, under ``sim``."""
    from fpga_prune.hls.axil_project import read_axil_design  # noqa: PLC0415

    design = read_axil_design(project / "axil.json")
    env = {
        "FPGA_PRUNE_AXIL": str((project / "axil.json").resolve()),
        "FPGA_PRUNE_DRIVER": str((project / "driver" / f"{design.axil_top}_driver.py").resolve()),
        "FPGA_PRUNE_NAUX": str(AXIL_AUX_VECTORS),
    }
    n = AXIL_VECTORS if opts.vectors is None else min(opts.vectors, AXIL_VECTORS)
    keys = ("passed", "vectors", "batches", "mismatches", "protocol_errors", "cycles", "failure")
    check, reports = _wrapped_rtl_check(
        project, sim, opts, ("axil", "rtl_axil", design.axil_top, design.fmt), AXIL_TESTS, n, env, keys
    )
    main = reports.get(AXIL_TESTS[0], {})
    check.details.update(
        registers=design.regs.to_dict(),
        cycles_per_sample=main.get("cycles_per_sample"),
        polls_per_sample=main.get("polls_per_sample"),
    )
    return check


def _wrapped_rtl_check(
    project: Path,
    sim: str,
    opts: VerifyOptions,
    wrapper: tuple[str, str, str, BusFormat],
    tests: tuple[str, ...],
    n: int,
    env: dict[str, str],
    keys: tuple[str, ...],
) -> tuple[Check, dict[str, JsonObject]]:
    """Our RTL inside a wrapper (``wrapper``: kind, directory, top module, bus format) under ``sim``: the testbench
    ``sim/test_<kind>.py``, whose first test's report gives cycles per batch and samples per cycle; the check is
    ``rtl_<kind>_<sim>``, returned with every test's whole report (``keys`` of each go into the check)."""
    from fpga_prune.rtl import simulate  # noqa: PLC0415

    kind, directory, top, fmt = wrapper
    wdir = project / directory
    if not (wdir / f"{top}.v").is_file():
        raise InputError(wdir, f"{top}.v", "missing (the network had no RTL rendering to wrap)")
    build = simulate.build_rtl(
        project / "rtl",
        sim,
        waves=opts.waves,
        build_dir=project / "build" / "verify" / f"{kind}_{sim}",
        wrapper=(wdir, top),
        key_by_sources=True,
    )
    env = {"FPGA_PRUNE_RAW": str((project / "tb_data").resolve()), **env}
    res = simulate.run_tests(build, project / "vectors", tests, vectors=n, test_module=f"test_{kind}", extra_env=env)
    failing = [f"{name}: {rep['failure']}" for name, rep in sorted(res.tests.items()) if not rep.get("passed")]
    main = res.tests.get(tests[0], {})
    details = {
        "simulator": res.simulator,
        "version": res.version,
        "top": top,
        "bus": fmt.to_dict(),
        "cycles_per_batch": main.get("cycles_per_batch"),
        "samples_per_cycle": main.get("samples_per_cycle"),
        "samples_per_s": _at_clock(project, main.get("samples_per_cycle")),
        "build_seconds": round(res.build_seconds, 2),
        "first_mismatches": list(res.first_mismatches),
        "tests": {name: {k: rep.get(k) for k in keys} for name, rep in sorted(res.tests.items())},
        "vector_set": main.get("vectors"),
        "junit": res.junit,
    }
    failure = "" if res.mismatches or not failing else "; ".join(failing)[:2000]
    vectors = sum(int(rep.get("vectors") or 0) for rep in res.tests.values())
    return Check(f"rtl_{kind}_{sim}", "rtl", vectors, res.mismatches, res.seconds, details, failure), res.tests


def parse_sims(value: str) -> tuple[str, ...]:
    """``all`` -> every simulator; ``verilator,icarus`` -> those."""
    if value == "all":
        return SIMULATORS
    sims = tuple(s.strip() for s in value.split(",") if s.strip())
    for s in sims:
        if s not in SIMULATORS:
            raise InputError("--sim", None, f"unknown simulator {s!r}; valid: {', '.join(SIMULATORS)}, all")
    return sims
