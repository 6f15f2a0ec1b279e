"""``verify DIR --rtl EXPORT`` of a project whose synthesized top wraps the network (VivadoAccelerator).

Why apart from ``verify.foreign``: the export's top is hls4ml's ``<project>_axi`` (AXI-Stream, one element a
beat, often floats), not the network, so the vectors are floats, the reference is the project's own C
simulation of the network on what the wrapper's input cast makes of them, and the expected beats are what its
output cast makes of the results (``arith.floatbus``, refused by name where that is not bit-exact).  The
testbench (``sim/test_wrapped.py``) drives the ports with cocotbext-axi under each simulator.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fpga_prune.arith import floatbus
from fpga_prune.arith.fixed import FixedType, cast
from fpga_prune.errors import InputError
from fpga_prune.hls.project import AxiWrapper, TopSignature
from fpga_prune.hls.vectors import drawn_inputs
from fpga_prune.outdir import write_tree
from fpga_prune.rtl.portmap import PortMap
from fpga_prune.verify.checks import Check, VerifyOptions

#: the testbench's tests (sim/test_wrapped.py)
WRAPPED_TESTS = ("wrapped_batches", "wrapped_backpressure")
#: vectors of the backpressure test (the batch test runs every vector)
BACKPRESSURE_VECTORS = 300


@dataclass(frozen=True)
class WrappedBus:
    """How the wrapper's beats carry the network's arrays: ``in_bus``/``out_bus`` the ``T_in``/``T_out`` fixed
    types hls4ml chose (widths rounded up to bytes), None for ``float``."""

    wrapper: AxiWrapper
    in_t: FixedType
    out_t: FixedType
    in_bus: FixedType | None
    out_bus: FixedType | None

    @property
    def float_in(self) -> bool:
        return self.in_bus is None

    @property
    def float_out(self) -> bool:
        return self.out_bus is None

    @property
    def in_bits(self) -> int:
        return 32 if self.in_bus is None else 8 * -(-self.in_bus.width // 8)

    @property
    def out_bits(self) -> int:
        return 32 if self.out_bus is None else 8 * -(-self.out_bus.width // 8)

    def inputs(self, beats: np.ndarray) -> np.ndarray:
        """What the wrapper's input cast (``in_local[i] = in[i].data``) makes of the beats: raw ``input_t``."""
        if self.in_bus is None:
            return floatbus.inputs(beats, self.in_t)
        return np.asarray(cast(np.asarray(beats, dtype=np.int64), self.in_bus, self.in_t), dtype=np.int64)

    def outputs(self, ref: np.ndarray) -> np.ndarray:
        """What its output cast makes of the network's raw results: float32 values or raw ``T_out``."""
        if self.out_bus is None:
            return floatbus.outputs(ref, self.out_t)
        return np.asarray(cast(np.asarray(ref, dtype=np.int64), self.out_t, self.out_bus), dtype=np.int64)

    @staticmethod
    def words(values: np.ndarray, bus: FixedType | None) -> np.ndarray:
        """TDATA words (unsigned) of float32 values (``bus`` None) or raw values of ``bus``."""
        if bus is None:
            return np.asarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
        return (np.asarray(values, dtype=np.int64) & ((1 << bus.width) - 1)).astype(np.uint64)


def _bus_type(ctype: str, own: FixedType, where: Path, name: str) -> FixedType | None:
    if ctype == "float":
        return None
    if ctype == "double":
        raise InputError(where, name, "double beats (64-bit TDATA): not modelled (float or an ap_fixed type are)")
    if not ctype.startswith(("ap_fixed<", "ap_ufixed<", "ap_int<", "ap_uint<")):
        # hls4ml 1.3 writes an AcceleratorConfig precision in its own spelling (fixed<16,6,TRN,WRAP,0>)
        raise InputError(where, name, f"{ctype} is not a C++ type: the wrapper does not compile; not modelled")
    try:
        return FixedType.parse(ctype)
    except ValueError:
        raise InputError(where, name, f"{ctype}: float or an ap_fixed type is modelled (not {ctype})") from None


def wrapped_bus(wrapper: AxiWrapper, sig: TopSignature) -> WrappedBus:
    """The bus of ``wrapper`` around the network top ``sig``; what cannot be modelled bit-exactly is refused."""
    where = wrapper.source
    if wrapper.interface != "axi_stream":
        raise InputError(where, wrapper.top, f"{wrapper.interface} wrapper: only axi_stream tops are driven")
    if wrapper.ap_ctrl != "ap_ctrl_none":
        raise InputError(where, f"{wrapper.top} port=return", f"{wrapper.ap_ctrl}: only ap_ctrl_none is driven")
    if len(sig.outputs) != 1:
        raise InputError(where, wrapper.top, f"{len(sig.outputs)} output arrays: one is modelled")
    in_t, out_t = sig.input.type, sig.outputs[0].type
    if (wrapper.n_in, wrapper.n_out) != (sig.input.size, sig.outputs[0].size):
        raise InputError(
            where,
            "N_IN/N_OUT",
            f"{wrapper.n_in}/{wrapper.n_out}, the network has {sig.input.size}/{sig.outputs[0].size}",
        )
    header = where.with_suffix(".h")
    in_bus = _bus_type(wrapper.in_ctype, in_t, header, "T_in")
    out_bus = _bus_type(wrapper.out_ctype, out_t, header, "T_out")
    for t, d, bus in ((in_t, "in", in_bus), (out_t, "out", out_bus)):
        why = floatbus.refusal(t, d) if bus is None else None
        if why:
            raise InputError(where, wrapper.top, f"{why}; not modelled bit-exactly")
    return WrappedBus(wrapper, in_t, out_t, in_bus, out_bus)


def export_has_top(rtl_dir: Path, top: str) -> bool:
    """Whether the export's Verilog declares module ``top`` (the wrapper, not only the network)."""
    pat = re.compile(rf"^\s*module\s+{re.escape(top)}\b", re.M)
    return any(pat.search(p.read_text(errors="replace")) for p in sorted(Path(rtl_dir).glob("*.v")))


def wrapped_inputs(bus: WrappedBus, raw: np.ndarray, seed: int) -> np.ndarray:
    """The beats sent: floats around (and off) the input type's grid, or its raw values."""
    if bus.in_bus is None:
        return floatbus.draw(bus.in_t, raw, seed)
    return drawn_inputs(bus.in_bus, bus.wrapper.n_in, len(raw), seed)


def check_wrapper_csim(project: Path, bus: WrappedBus, beats: np.ndarray, ref: np.ndarray) -> Check:
    """hls4ml's own wrapper (``<top>_axi.cpp`` compiled with g++) on the float beats vs the network's C simulation
    on what ``arith.floatbus`` says the input cast makes of them, its results cast out the same way."""
    import time  # noqa: PLC0415

    from fpga_prune.hls.project_csim import run_wrapper_csim  # noqa: PLC0415

    t0 = time.perf_counter()
    run = run_wrapper_csim(project, bus.wrapper, bus.words(beats, None), project / "build" / "verify" / "wrapper_csim")
    want = bus.words(bus.outputs(ref), None)
    bad = np.flatnonzero((run.outputs_bits != want).any(axis=1))
    first = [
        f"sample {int(i)}: wrapper {[hex(int(v)) for v in run.outputs_bits[i]]} model {[hex(int(v)) for v in want[i]]}"
        for i in bad[:5]
    ]
    return Check(
        "wrapper_csim",
        "csim",
        len(beats),
        len(bad),
        time.perf_counter() - t0,
        {
            "top": bus.wrapper.top,
            "compared_with": "hls4ml_csim through arith.floatbus",
            "compile_seconds": round(run.compile_seconds, 2),
            "run_seconds": round(run.run_seconds, 2),
            "first_mismatches": first,
        },
    )


def not_compared(wrapper: AxiWrapper, why: str) -> Check:
    """The wrapper check of a project whose wrapper cannot be modelled bit-exactly: says why, fails nothing."""
    return Check("wrapper_csim", "csim", 0, 0, 0.0, {"top": wrapper.top, "modelled": False, "not_modelled": why})


def check_wrapped_rtl(
    project: Path,
    bus: WrappedBus,
    beats: np.ndarray,
    ref: np.ndarray,
    sim: str,
    opts: VerifyOptions,
    vectors_dir: Path,
    network_ports: PortMap,
    clock_ns: float | None = None,
) -> Check:
    """The export's wrapper top under ``sim``: ``beats`` in, the C simulation's results ``ref`` cast out."""
    from fpga_prune.rtl import simulate  # noqa: PLC0415

    rtl_dir = Path(opts.rtl_dir or project)
    w = bus.wrapper
    data = project / "build" / "verify" / "wrapped"
    x_words = bus.words(beats, bus.in_bus)
    y_words = bus.words(bus.outputs(ref), bus.out_bus)
    mask = (1 << 32) - 1 if bus.out_bus is None else (1 << bus.out_bus.width) - 1
    doc = {"n_in": w.n_in, "n_out": w.n_out, "in_bits": bus.in_bits, "out_bits": bus.out_bits, "out_mask": mask}
    rows = lambda a: "".join(" ".join(str(int(v)) for v in r) + "\n" for r in a)  # noqa: E731
    write_tree(
        data,
        {
            "wrapped.json": json.dumps(doc, indent=1, sort_keys=True) + "\n",
            "inputs_words.dat": rows(x_words),
            "expected_words.dat": rows(y_words),
        },
    )
    build = simulate.build_rtl(
        rtl_dir,
        sim,
        ports=network_ports,
        waves=opts.waves,
        build_dir=project / "build" / "verify" / f"wrapped_{sim}",
        wrapper=(rtl_dir, w.top),
    )
    env = {"FPGA_PRUNE_WRAPPED": str((data / "wrapped.json").resolve()), "FPGA_PRUNE_RAW": str(data.resolve())}
    n = len(beats)
    res = simulate.run_tests(
        build,
        vectors_dir,
        WRAPPED_TESTS,
        vectors=n,
        aux_vectors=min(n, BACKPRESSURE_VECTORS),
        test_module="test_wrapped",
        extra_env=env,
    )
    failing = [f"{name}: {rep['failure']}" for name, rep in sorted(res.tests.items()) if not rep.get("passed")]
    keys = ("passed", "vectors", "batches", "mismatches", "framing_errors", "stale_outputs", "cycles", "failure")
    main = res.tests.get(WRAPPED_TESTS[0], {})
    details = {
        "simulator": res.simulator,
        "version": res.version,
        "top": w.top,
        "wrapper": w.to_dict(),
        "bus": {"in": str(bus.in_bus or "float"), "out": str(bus.out_bus or "float")},
        "compared_with": "hls4ml_csim",
        "samples_per_cycle": main.get("samples_per_cycle"),
        "samples_per_s": round(main["samples_per_cycle"] * 1e9 / clock_ns)
        if clock_ns and main.get("samples_per_cycle")
        else None,
        "cycles_per_batch": {f"{n} samples in batches of (1, 3, 16, 100)": main.get("cycles")},
        "build_seconds": round(res.build_seconds, 2),
        "first_mismatches": list(res.first_mismatches),
        "tests": {name: {k: rep.get(k) for k in keys} for name, rep in sorted(res.tests.items())},
        "rtl_dir": str(rtl_dir),
        "junit": res.junit,
    }
    failure = "" if res.mismatches or not failing else "; ".join(failing)[:2000]
    vectors = sum(int(rep.get("vectors") or 0) for rep in res.tests.values())
    return Check(f"rtl_wrapped_{sim}", "rtl", vectors, res.mismatches, res.seconds, details, failure)
