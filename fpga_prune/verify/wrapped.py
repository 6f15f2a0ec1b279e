"""``verify DIR --rtl EXPORT`` of a project whose synthesized top wraps the network (VivadoAccelerator).

Why apart from ``verify.foreign``: the export's top is hls4ml's ``<project>_axi`` (one element a beat or a
memory word, often floats), not the network, so the vectors are floats, the reference is the project's own C
simulation of the network on what the wrapper's input cast makes of them, and the expected words are what its
output cast makes of the results (``arith.floatbus``, refused by name where that is not bit-exact).  Three forms
are driven with cocotbext-axi under each simulator: ``axi_stream`` (``sim/test_wrapped.py``: AXI-Stream beats),
``axi_master`` and ``axi_lite`` (``sim/test_wrapped_mm.py``: AxiRam behind the m_axi masters, AxiLiteMaster on the
s_axilite bundles, whose register map is read from the export's ``*_s_axi.v``, ``rtl.s_axi_map``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fpga_prune.arith import floatbus
from fpga_prune.arith.axil import Memory, Register, SAxiMap
from fpga_prune.arith.fixed import FixedType, cast
from fpga_prune.errors import InputError
from fpga_prune.hls.project import AxiWrapper, TopSignature
from fpga_prune.hls.vectors import drawn_inputs
from fpga_prune.outdir import write_tree
from fpga_prune.rtl.portmap import PortMap
from fpga_prune.rtl.s_axi_map import read_s_axi_maps
from fpga_prune.rtl.wrapped import element_bytes
from fpga_prune.verify.checks import Check, VerifyOptions

#: the testbench's tests (sim/test_wrapped.py)
WRAPPED_TESTS = ("wrapped_batches", "wrapped_backpressure")
#: the memory-mapped forms' tests (sim/test_wrapped_mm.py)
WRAPPED_MM_TESTS = ("wrapped_mm_batches", "wrapped_mm_backpressure")
#: vectors of the backpressure test (the batch test runs every vector)
BACKPRESSURE_VECTORS = 300
#: the forms of hls4ml's VivadoAccelerator top (``AcceleratorConfig: Interface``) and how each is driven
INTERFACES = ("axi_stream", "axi_master", "axi_lite")
#: the names Vitis / Vivado HLS give the top's ``in`` and ``out`` arguments (VHDL/Verilog words renamed, ``_V``
#: of an ap_fixed array in Vivado HLS)
EXPORT_NAMES = {"in": ("in_r", "in_V", "in_r_V"), "out": ("out_r", "out_V", "out_r_V")}
#: cycles an ap_ctrl_none axi_lite top is given between a sample's last register write and reading its results,
#: when the project has no csynth report of the wrapper (twice its latency then): it has no handshake to wait on
LITE_SETTLE_CYCLES = 1000


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
    def in_bytes(self) -> int:
        """Bytes of an input element in memory (``sizeof``: a power of two; the m_axi and s_axilite forms)."""
        return element_bytes(self.in_bits)

    @property
    def out_bytes(self) -> int:
        return element_bytes(self.out_bits)

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
    modes = {p: m for p, m, _ in wrapper.pragmas}
    want = {
        "axi_stream": ("ap_ctrl_none", "axis"),
        "axi_master": ("s_axilite", "m_axi"),
        "axi_lite": ("ap_ctrl_none", "s_axilite"),
    }.get(wrapper.interface)
    if want is None:
        raise InputError(where, wrapper.top, f"{wrapper.interface} wrapper: driven are {', '.join(INTERFACES)}")
    if wrapper.ap_ctrl != want[0]:
        raise InputError(
            where, f"{wrapper.top} port=return", f"{wrapper.ap_ctrl}: only {want[0]} is driven for {wrapper.interface}"
        )
    for port in ("in", "out"):
        if modes.get(port, want[1]) != want[1]:
            raise InputError(
                where, f"{wrapper.top} port={port}", f"{modes[port]}: {wrapper.interface} drives {want[1]} arrays"
            )
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
    names = ("T_in", "T_out") if wrapper.interface == "axi_stream" else ("input_axi_t", "output_axi_t")
    in_bus = _bus_type(wrapper.in_ctype, in_t, header, names[0])
    out_bus = _bus_type(wrapper.out_ctype, out_t, header, names[1])
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
    doc: dict[str, object] = {
        "n_in": w.n_in, "n_out": w.n_out, "in_bits": bus.in_bits, "out_bits": bus.out_bits, "out_mask": mask,
    }  # fmt: skip
    tests, module = WRAPPED_TESTS, "test_wrapped"
    if w.interface != "axi_stream":
        doc |= mm_layout(project, bus, rtl_dir)
        tests, module = WRAPPED_MM_TESTS, "test_wrapped_mm"
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
        tests,
        vectors=n,
        aux_vectors=min(n, BACKPRESSURE_VECTORS),
        test_module=module,
        extra_env=env,
    )
    failing = [f"{name}: {rep['failure']}" for name, rep in sorted(res.tests.items()) if not rep.get("passed")]
    keys = ("passed", "vectors", "batches", "mismatches", "framing_errors", "stale_outputs", "protocol_errors")
    keys += ("cycles", "failure")
    main = res.tests.get(tests[0], {})
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
        "registers": {k: doc[k] for k in ("control", "pointers", "memories") if k in doc},
        "build_seconds": round(res.build_seconds, 2),
        "first_mismatches": list(res.first_mismatches),
        "tests": {name: {k: rep.get(k) for k in keys} for name, rep in sorted(res.tests.items())},
        "rtl_dir": str(rtl_dir),
        "junit": res.junit,
    }
    failure = "" if res.mismatches or not failing else "; ".join(failing)[:2000]
    vectors = sum(int(rep.get("vectors") or 0) for rep in res.tests.values())
    return Check(f"rtl_wrapped_{sim}", "rtl", vectors, res.mismatches, res.seconds, details, failure)


def _register(maps: dict[str, SAxiMap], port: str) -> tuple[str, Register] | None:
    """The bundle and register of the ``port`` argument's pointer, by the names the export gives it."""
    hits = [(b, r) for b, m in maps.items() for n in EXPORT_NAMES[port] if (r := m.register(n)) is not None]
    return hits[0] if hits else None


def _memory(maps: dict[str, SAxiMap], port: str) -> tuple[str, Memory] | None:
    hits = [(b, r) for b, m in maps.items() for n in EXPORT_NAMES[port] if (r := m.memory(n)) is not None]
    return hits[0] if hits else None


def lite_settle_cycles(project: Path, top: str) -> tuple[int, str]:
    """Cycles to wait for an ap_ctrl_none ``axi_lite`` top's results, and why that many: twice the worst latency of
    the wrapper's csynth report plus 64 when the project has one, else ``LITE_SETTLE_CYCLES``."""
    from fpga_prune.hls.vitis import csynth_xml_path, parse_csynth_report  # noqa: PLC0415

    path = csynth_xml_path(project, top.removesuffix("_axi"))
    if path.is_file():
        rep = parse_csynth_report(path)
        worst = (rep.get("latency_cycles") or {}).get("worst")
        if rep.get("top") == top and worst:
            return 2 * int(worst) + 64, f"2 x worst latency {worst} of {path.name} + 64"
    return LITE_SETTLE_CYCLES, "no csynth report of the wrapper: the default"


def mm_layout(project: Path, bus: WrappedBus, rtl_dir: Path) -> dict[str, object]:
    """Where the bench finds the ``axi_master``/``axi_lite`` top's registers, memories and masters: the export's own
    ``*_s_axi.v`` maps and ports; what they do not say (or say otherwise than modelled) is refused by name."""
    w = bus.wrapper
    maps = read_s_axi_maps(rtl_dir, w.top)
    if not maps:
        raise InputError(rtl_dir, f"{w.top}_<bundle>_s_axi.v", "missing: the s_axilite register map is read from it")
    text = "".join(p.read_text(errors="replace") for p in sorted(Path(rtl_dir).glob("*.v")))
    doc: dict[str, object] = {
        "interface": w.interface, "bundles": sorted(maps), "in_bytes": bus.in_bytes, "out_bytes": bus.out_bytes,
    }  # fmt: skip
    if w.interface == "axi_master":
        ctrl = [b for b, m in maps.items() if m.ap_ctrl]
        if len(ctrl) != 1:
            raise InputError(rtl_dir, w.top, f"{len(ctrl)} s_axilite bundles with ap_ctrl registers: one is driven")
        if ctrl[0].lower() != (w.bundle("return") or "control").lower():
            raise InputError(rtl_dir, ctrl[0], f"ap_ctrl registers here, the pragma says {w.bundle('return')}")
        pointers, m_axi = {}, {}
        for port in ("in", "out"):
            hit = _register(maps, port)
            if hit is None:
                raise InputError(
                    rtl_dir, w.top, f"no register of the {port} pointer ({'/'.join(EXPORT_NAMES[port])}) in any map"
                )
            bundle, reg = hit
            pointers[port] = {"bundle": bundle, "offset": reg.offset, "bits": reg.bits}
            prefix = f"m_axi_{w.bundle(port) or 'gmem'}"
            if not re.search(rf"\b{re.escape(prefix)}_ARADDR\b", text):
                raise InputError(rtl_dir, w.top, f"no {prefix}_* master: the m_axi bundle layout is not the pragma's")
            m_axi[port] = prefix
            width = re.search(rf"\[(\d+):0\]\s*{re.escape(prefix)}_{'R' if port == 'in' else 'W'}DATA\b", text)
            nbytes = bus.in_bytes if port == "in" else bus.out_bytes
            if width and int(width.group(1)) + 1 != 8 * nbytes:
                raise InputError(
                    rtl_dir,
                    f"{prefix}_{'R' if port == 'in' else 'W'}DATA",
                    f"{int(width.group(1)) + 1} bits: one {8 * nbytes}-bit element a beat is driven",
                )
        doc |= {"control": {"bundle": ctrl[0]}, "pointers": pointers, "m_axi": m_axi}
        return doc
    mems = {}
    for port, n, nbytes in (("in", w.n_in, bus.in_bytes), ("out", w.n_out, bus.out_bytes)):
        hit = _memory(maps, port)
        if hit is None:
            raise InputError(rtl_dir, w.top, f"no s_axilite memory of {port} ({'/'.join(EXPORT_NAMES[port])})")
        bundle, mem = hit
        if (mem.depth, mem.elem_bits) != (n, 8 * nbytes):
            raise InputError(
                rtl_dir, f"memory {mem.name}", f"{mem.depth} x {mem.elem_bits}b, the wrapper has {n} x {8 * nbytes}b"
            )
        mems[port] = (bundle, mem.base)
    if mems["in"][0] != mems["out"][0]:
        raise InputError(rtl_dir, w.top, "in and out memories in two bundles: one is driven")
    settle, basis = lite_settle_cycles(project, w.top)
    doc["memories"] = {
        "bundle": mems["in"][0], "in_base": mems["in"][1], "out_base": mems["out"][1],
        "settle_cycles": settle, "settle_basis": basis,
    }  # fmt: skip
    return doc
