"""What hls4ml's io_stream changes in a Dense/activation chain: FIFOs between layers, DATAFLOW latency and interval.

Why its own module: an io_stream top (``hls::stream<nnet::array<T, N>>`` arguments, ``#pragma HLS DATAFLOW``)
runs each layer as a process of its own, joined by a FIFO of one ``nnet::array`` word of the layer's N outputs;
the layers' own hardware is what io_parallel builds (the stream kernels call the same ``dense_latency`` /
activation code), so ``core.estimate`` prices the layers and this adds the FIFOs and replaces the pipeline's
latency and interval with the DATAFLOW ones.  Every constant is in ``rules.RULES`` (``stream_*``).
"""

from __future__ import annotations

import math

from fpga_prune.arith.ir import DenseLayer, FixedNetwork
from fpga_prune.estimate.context import BRAM18_SHAPES, Context, LayerEstimate


def fifo_depths(network: FixedNetwork, ctx: Context, pragma_depths: tuple[int, ...] = ()) -> tuple[int, ...]:
    """The built depth of each FIFO between two layers: the project's STREAM pragma depth (else
    ``stream_fifo_depth``), at least the tool's ``stream_fifo_min_depth``."""
    n = max(0, len(network.layers) - 1)
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
        words = int(r["stream_fifo_ff_words"]) + (1 if depth > 1 and r["stream_fifo_ff_words"] else 0)
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
    """One FIFO between each pair of consecutive layers (the top's own input and output streams are its ports)."""
    out = []
    for lay, depth in zip(network.layers[:-1], fifo_depths(network, ctx, pragma_depths), strict=True):
        n = lay.n_out if isinstance(lay, DenseLayer) else lay.n
        bram, lut, ff = fifo_cost(depth, n * lay.result_type.width, ctx)  # the whole word, dead neurons included
        out.append(
            LayerEstimate(
                name=f"fifo {lay.name}",
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


def dataflow_timing(layers: tuple[LayerEstimate, ...], ctx: Context) -> tuple[int, int]:
    """(latency, interval) of the layers run as DATAFLOW processes (FIFO rows, if any, are skipped)."""
    procs = [le for le in layers if le.kind != "fifo"]
    per = int(ctx.r["stream_cycles_per_layer"])
    latency = sum(le.latency_cycles + per for le in procs) + int(round(ctx.r["cal_latency"]))
    interval = max((max(le.latency_cycles, le.interval_cycles) for le in procs), default=0)
    return max(0, latency), interval + int(ctx.r["stream_interval_extra"])
