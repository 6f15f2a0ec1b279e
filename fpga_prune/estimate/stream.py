"""What hls4ml's io_stream changes in a Dense/activation chain: FIFOs between layers, DATAFLOW latency and interval.

Why its own module: an io_stream top (``hls::stream<nnet::array<T, N>>`` arguments, ``#pragma HLS DATAFLOW``)
runs each layer as a process of its own, joined by a FIFO of one ``nnet::array`` word of the layer's N outputs;
the layers' own hardware is what io_parallel builds (the stream kernels call the same ``dense_latency`` /
activation code), so ``core.estimate`` prices the layers and this adds the FIFOs and replaces the pipeline's
latency and interval with the DATAFLOW ones.  Every constant is in ``rules.RULES`` (``stream_*``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fpga_prune.arith.ir import FixedNetwork
from fpga_prune.estimate.context import BRAM18_SHAPES, Context, LayerEstimate


@dataclass(frozen=True)
class StreamFifo:
    """One FIFO of an io_stream top: who writes it (a layer, the input's clone, a clone's copy) and its word."""

    name: str
    bits: int


def stream_clones(network: FixedNetwork) -> dict[int, int]:
    """Source index (-1: the input) -> copies of each source hls4ml's clone pass gives a ``nnet::clone_stream``:
    one per layer that reads it and one when it is also a top output (an ``hls::stream`` is read once)."""
    outs = network.output_indices
    readers = network.consumers()
    uses = {j: len(readers[j]) + outs.count(j) for j in network.source_indices}
    return {j: k for j, k in uses.items() if k > 1}


def _source_name(network: FixedNetwork, j: int) -> str:
    """What a FIFO or clone row calls source ``j``: ``input`` (one input array), the input's or the layer's name."""
    if j >= 0:
        return network.layers[j].name
    return network.inputs[-1 - j].name if network.input_arrays else "input"


def stream_fifos(network: FixedNetwork) -> tuple[StreamFifo, ...]:
    """Every FIFO between two processes of the io_stream top, in hls4ml's declaration order: a layer's output
    read by one layer, or written to its clone, then each of the clone's copies a layer reads (a copy that is a
    top output, and the top's own input and outputs, are its ports).  A chain: one FIFO after each layer but the
    last, named ``fifo <layer>`` as before graphs."""
    clones = stream_clones(network)
    readers = network.consumers()
    out: list[StreamFifo] = []
    for j in (*range(-1, -len(network.inputs) - 1, -1), *range(len(network.layers))):
        name = _source_name(network, j)
        bits = network.source_size(j) * network.source_type(j).width  # the whole word, dead neurons included
        if j >= 0 and (j in clones or readers[j]):
            out.append(StreamFifo(f"fifo {name}", bits))
        if j in clones:
            out.extend(StreamFifo(f"fifo {name} cpy{c + 1}", bits) for c in range(len(readers[j])))
    return tuple(out)


def fifo_depths(network: FixedNetwork, ctx: Context, pragma_depths: tuple[int, ...] = ()) -> tuple[int, ...]:
    """The built depth of each FIFO of :func:`stream_fifos`: the project's STREAM pragma depth (else
    ``stream_fifo_depth``), at least the tool's ``stream_fifo_min_depth``."""
    n = len(stream_fifos(network))
    given = pragma_depths if len(pragma_depths) == n else (int(ctx.r["stream_fifo_depth"]),) * n
    return tuple(max(int(ctx.r["stream_fifo_min_depth"]), d) for d in given)


def fifo_bram18(depth: int, bits: int, max_width: int) -> int:
    """BRAM_18K blocks of a block-RAM FIFO of ``depth`` words of ``bits``: the best BRAM_18K aspect no wider than
    ``max_width`` (``rules.stream_fifo_bram_width``; HLS FIFOs do not use the 512 x 36 one)."""
    return min(-(-depth // d) * -(-bits // w) for d, w in BRAM18_SHAPES if w <= max_width)


def fifo_cost(depth: int, bits: int, ctx: Context) -> tuple[int, int, int]:
    """(BRAM_18K, LUT, FF) of one FIFO of ``depth`` words of ``bits`` as csynth prices it (shift register or block
    RAM; ``rules.stream_fifo_*``)."""
    r = ctx.r
    addr = max(1, (depth - 1).bit_length())
    if depth <= r["stream_fifo_srl_max_depth"]:
        width = 1 << max(0, bits - 1).bit_length() if r["stream_fifo_pow2_width"] else bits
        srl = int(math.ceil(depth / r["stream_fifo_srl_max_depth"]))  # SRLs a bit needs
        words = int(r["stream_fifo_ff_words"]) + (1 if depth > 2 and r["stream_fifo_ff_words"] else 0)
        ff = words * width + int(r["stream_fifo_ff_per_addr_bit"]) * addr + int(r["stream_fifo_ff_control"])
        return 0, width * srl + int(r["stream_fifo_lut_control"]), ff
    built = 1 << (depth - 1).bit_length() if r["stream_fifo_bram_pow2_depth"] else depth
    bram = fifo_bram18(built, bits, int(r["stream_fifo_bram_width"]))
    ff = (
        int(r["stream_fifo_bram_ff_base"])
        + int(r["stream_fifo_bram_ff_per_addr_bit"]) * addr
        + int(r["stream_fifo_bram_ff_per_data_bit"]) * bits
    )
    return bram, int(r["stream_fifo_bram_lut"] + r["stream_fifo_bram_lut_per_block"] * max(0, bram - 2)), ff


def fifo_estimates(
    network: FixedNetwork, ctx: Context, pragma_depths: tuple[int, ...] = ()
) -> tuple[LayerEstimate, ...]:
    """One row per FIFO of :func:`stream_fifos` (the top's own input and output streams are its ports)."""
    out = []
    for fifo, depth in zip(stream_fifos(network), fifo_depths(network, ctx, pragma_depths), strict=True):
        bram, lut, ff = fifo_cost(depth, fifo.bits, ctx)
        out.append(
            LayerEstimate(
                name=fifo.name,
                kind="fifo",
                strategy=f"fifo d{depth}",
                reuse_factor=1,
                dsp=0,
                bram18k=bram,
                lut=lut,
                ff=ff,
                latency_cycles=0,
                interval_cycles=1,
            )
        )
    return tuple(out)


def dataflow_channels(
    network: FixedNetwork, ctx: Context, live: list[list[int]] | None = None
) -> tuple[LayerEstimate, ...]:
    """An io_parallel DATAFLOW top (``EstimateOptions.dataflow``): one row per layer whose output another layer
    reads, each of its elements (``live``: only those something reads; HLS removes the others' FIFOs) a FIFO of
    ``dataflow_channel_depth`` words of the element's width (``fifo_cost``) plus the top's handshake per FIFO
    (``dataflow_channel_lut``); the top's outputs are its ports."""
    r = ctx.r
    depth = int(r["dataflow_channel_depth"])
    readers = network.consumers()
    out = []
    for j, lay in enumerate(network.layers):
        if not readers[j]:
            continue
        n = network.source_size(j) if live is None else len(live[j])
        bram, lut, ff = fifo_cost(depth, network.source_type(j).width, ctx)
        out.append(
            LayerEstimate(
                name=f"channels {lay.name}",
                kind="fifo",
                strategy=f"fifo d{depth} x{n}",
                reuse_factor=1,
                dsp=0,
                bram18k=n * bram,
                lut=n * (lut + int(r["dataflow_channel_lut"])),
                ff=n * ff,
                latency_cycles=0,
                interval_cycles=1,
            )
        )
    return tuple(out)


def clone_estimates(network: FixedNetwork, ctx: Context) -> tuple[LayerEstimate, ...]:
    """One row per ``nnet::clone_stream`` process (:func:`stream_clones`): a word copied to each of its outputs
    (``rules.stream_clone_*``)."""
    r = ctx.r
    return tuple(
        LayerEstimate(
            name=f"clone {_source_name(network, j)}",
            kind="clone",
            strategy=f"clone x{k}",
            reuse_factor=1,
            dsp=0,
            bram18k=0,
            lut=int(r["stream_clone_lut"]),
            ff=int(r["stream_clone_ff"]),
            latency_cycles=int(r["stream_clone_latency"]),
            interval_cycles=1,
        )
        for j, k in sorted(stream_clones(network).items())
    )


def dataflow_timing(layers: tuple[LayerEstimate, ...], ctx: Context, network: FixedNetwork) -> tuple[int, int]:
    """(latency, interval) of the DATAFLOW processes: ``layers`` is one row per network layer, then FIFO and
    clone rows (:func:`clone_estimates`).  Latency: the longest path from the input to an output, each process
    adding its own latency and ``stream_cycles_per_layer`` (a clone on the way adds its own); interval: the
    slowest process' plus ``stream_interval_extra`` (UG1399: a DATAFLOW region's interval is its slowest
    process')."""
    per = int(ctx.r["stream_cycles_per_layer"])
    procs = [le for le in layers if le.kind not in ("fifo", "clone")]
    clone_rows = [le for le in layers if le.kind == "clone"]
    clone_lat = {j: clone_rows[i].latency_cycles + per for i, j in enumerate(sorted(stream_clones(network)))}
    done: dict[int, int] = dict.fromkeys(range(-len(network.inputs), 0), 0)
    for k, (le, srcs) in enumerate(zip(procs, network.sources, strict=True)):
        done[k] = max(done[j] + clone_lat.get(j, 0) for j in srcs) + le.latency_cycles + per
    latency = max(done[o] + clone_lat.get(o, 0) for o in network.output_indices) + int(round(ctx.r["cal_latency"]))
    interval = max((max(le.latency_cycles, le.interval_cycles) for le in procs + clone_rows), default=0)
    return max(0, latency), interval + int(ctx.r["stream_interval_extra"])
