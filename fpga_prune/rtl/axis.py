"""The Verilog AXI-Stream wrapper of our RTL of the network (``--interface axi-stream``).

Why Verilog of our own and not only the HLS wrapper: the HLS wrapper's RTL exists only where Vitis runs;
this one wraps ``rtl.render``'s network in the same bus format (``arith.axis``) so the whole streaming path
-- unpacking, TLAST framing, backpressure, reset mid-frame -- is simulated under Verilator and Icarus by
``sim/test_axis.py`` without vendor tools.  The network is instantiated through its port map (``PortMap``),
the same contract the plain testbench drives.
"""

from __future__ import annotations

from dataclasses import dataclass

from fpga_prune.arith.axis import BusFormat
from fpga_prune.rtl.portmap import PortMap
from fpga_prune.templating import render


def counter_bits(n: int) -> int:
    """Bits of a counter of 0 .. n-1 (at least 1)."""
    return max(1, (n - 1).bit_length())


def fifo_depth(latency: int) -> int:
    """Results the wrapper can hold: a power of two above the pipeline's latency, so input never waits for
    the pipeline while out_r is ready, and nothing is lost while it is not (credits: issued, not yet sent)."""
    depth = 2
    while depth < latency + 2:
        depth *= 2
    return depth


@dataclass(frozen=True)
class LaneWiring:
    """The Verilog slices of one bus format: which input-word bits feed each network input, the input bits
    no element reads, and each output word assembled from a result row ``head``."""

    in_elems: tuple[dict[str, object], ...]  # {"lo", "hi"} of the network's input bus, "src" word slice
    unused_in: tuple[str, ...]  # lane tops and empty lanes: named so lint sees them read
    out_words: tuple[str, ...]  # per output word, the concatenation (most significant lane first)


def lane_wiring(fmt: BusFormat, last_word: str) -> LaneWiring:
    """The slices of ``fmt`` (``arith.axis``); a sample's last input word is ``last_word`` (the bus itself, taken
    on the beat it arrives), earlier ones the registers ``iword_<k>``; results are read from ``head``."""
    fin, fout = fmt.input, fmt.output
    in_elems = []
    used_lanes: set[tuple[int, int]] = set()
    for k in range(fin.n):
        word, lo = fin.place(k)
        src = last_word if word == fin.words_per_sample - 1 else f"iword_{word}"
        in_elems.append(
            {"lo": k * fin.width, "hi": k * fin.width + fin.width - 1, "src": f"{src}[{lo + fin.width - 1}:{lo}]"}
        )
        used_lanes.add((word, lo))
    unused_in = []
    for word in range(fin.words_per_sample):
        src = last_word if word == fin.words_per_sample - 1 else f"iword_{word}"
        for lane in range(fin.lanes_per_word):
            lo = lane * fin.lane_bits
            if (word, lo) not in used_lanes:
                unused_in.append(f"{src}[{lo + fin.lane_bits - 1}:{lo}]")
            elif fin.lane_bits > fin.width:
                unused_in.append(f"{src}[{lo + fin.lane_bits - 1}:{lo + fin.width}]")
    out_words = []
    for word in range(fout.words_per_sample):
        parts = []  # most significant first
        for lane in reversed(range(fout.lanes_per_word)):
            k = word * fout.lanes_per_word + lane
            if k >= fout.n:
                parts.append(f"{fout.lane_bits}'d0")
                continue
            src = f"head[{k * fout.width + fout.width - 1}:{k * fout.width}]"
            ext = fout.lane_bits - fout.width
            if ext == 0:
                parts.append(src)
            elif fout.signed:
                parts.append(f"{{{{{ext}{{head[{k * fout.width + fout.width - 1}]}}}}, {src}}}")
            else:
                parts.append(f"{{{ext}'d0, {src}}}")
        out_words.append("{" + ", ".join(parts) + "}")
    return LaneWiring(tuple(in_elems), tuple(unused_in), tuple(out_words))


def render_axis_wrapper(ports: PortMap, fmt: BusFormat, axi_top: str) -> dict[str, str]:
    """``<axi_top>.v``: the wrapper around ``ports.top`` (our RTL, whose port map gives its latency)."""
    if ports.latency is None:
        raise ValueError(f"{ports.top}: the port map has no latency (only our rendered RTL can be wrapped)")
    fin, fout = fmt.input, fmt.output
    w = fmt.word_bits
    wi, wo = fin.word_bits, fout.word_bits  # the same for our wrappers; a foreign wrapper's inner one may differ
    lanes = lane_wiring(fmt, "in_r_TDATA")
    outs = [{"port": p, "vld": v} for p, v in zip(ports.outputs, ports.output_vlds, strict=True)]
    depth = fifo_depth(ports.latency)
    ctx = {
        "axi_top": axi_top,
        "top": ports.top,
        "ports": ports,
        "w": w,
        "wi": wi,
        "wo": wo,
        "fin": fin,
        "fout": fout,
        "depth": depth,
        "aw": counter_bits(depth),
        "ibw": counter_bits(fin.words_per_sample),
        "obw": counter_bits(fout.words_per_sample),
        "in_elems": list(lanes.in_elems),
        "unused_in": list(lanes.unused_in),
        "outs": outs,
        "latency": ports.latency,
        "ew": fout.n * fout.width + 1,
        "out_words": list(lanes.out_words),
        "keep": format((1 << (wo // 8)) - 1, "x"),
    }
    return {f"{axi_top}.v": render("rtl/axis_top.v.j2", ctx)}
