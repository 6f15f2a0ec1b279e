"""The Verilog AXI-Stream wrapper of our RTL of the network (``--interface axi-stream``).

Why Verilog of our own and not only the HLS wrapper: the HLS wrapper's RTL exists only where Vitis runs;
this one wraps ``rtl.render``'s network in the same bus format (``arith.axis``) so the whole streaming path
-- unpacking, TLAST framing, backpressure, reset mid-frame -- is simulated under Verilator and Icarus by
``sim/test_axis.py`` without vendor tools.  The network is instantiated through its port map (``PortMap``),
the same contract the plain testbench drives.
"""

from __future__ import annotations

from fpga_prune.arith.axis import BusFormat
from fpga_prune.rtl.portmap import PortMap
from fpga_prune.templating import render


def _bits(n: int) -> int:
    """Bits of a counter of 0 .. n-1 (at least 1)."""
    return max(1, (n - 1).bit_length())


def fifo_depth(latency: int) -> int:
    """Results the wrapper can hold: a power of two above the pipeline's latency, so input never waits for
    the pipeline while out_r is ready, and nothing is lost while it is not (credits: issued, not yet sent)."""
    depth = 2
    while depth < latency + 2:
        depth *= 2
    return depth


def render_axis_wrapper(ports: PortMap, fmt: BusFormat, axi_top: str) -> dict[str, str]:
    """``<axi_top>.v``: the wrapper around ``ports.top`` (our RTL, whose port map gives its latency)."""
    if ports.latency is None:
        raise ValueError(f"{ports.top}: the port map has no latency (only our rendered RTL can be wrapped)")
    fin, fout = fmt.input, fmt.output
    w = fmt.word_bits
    in_elems = []
    used_lanes: set[tuple[int, int]] = set()
    for k in range(fin.n):
        word, lo = fin.place(k)
        src = "in_r_TDATA" if word == fin.words_per_sample - 1 else f"iword_{word}"
        in_elems.append(
            {"lo": k * fin.width, "hi": k * fin.width + fin.width - 1, "src": f"{src}[{lo + fin.width - 1}:{lo}]"}
        )
        used_lanes.add((word, lo))
    unused_in = []  # the input bits no element reads (lane tops, empty lanes): named so lint sees them used
    for word in range(fin.words_per_sample):
        src = "in_r_TDATA" if word == fin.words_per_sample - 1 else f"iword_{word}"
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
    outs = [{"port": p, "vld": v} for p, v in zip(ports.outputs, ports.output_vlds, strict=True)]
    depth = fifo_depth(ports.latency)
    ctx = {
        "axi_top": axi_top,
        "top": ports.top,
        "ports": ports,
        "w": w,
        "fin": fin,
        "fout": fout,
        "depth": depth,
        "aw": _bits(depth),
        "ibw": _bits(fin.words_per_sample),
        "obw": _bits(fout.words_per_sample),
        "in_elems": in_elems,
        "unused_in": unused_in,
        "outs": outs,
        "latency": ports.latency,
        "ew": fout.n * fout.width + 1,
        "out_words": out_words,
        "keep": format((1 << (w // 8)) - 1, "x"),
    }
    return {f"{axi_top}.v": render("rtl/axis_top.v.j2", ctx)}
