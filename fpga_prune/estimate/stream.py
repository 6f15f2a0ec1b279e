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
from fpga_prune.estimate.context import Context, LayerEstimate, bram18_count


def fifo_depths(network: FixedNetwork, ctx: Context, pragma_depths: tuple[int, ...] = ()) -> tuple[int, ...]:
    """The built depth of each FIFO between two layers: the project's STREAM pragma depth (else
    ``stream_fifo_depth``), at least the tool's ``stream_fifo_min_depth``."""
    n = max(0, len(network.layers) - 1)
    given = pragma_depths if len(pragma_depths) == n else (int(ctx.r["stream_fifo_depth"]),) * n
    return tuple(max(int(ctx.r["stream_fifo_min_depth"]), d) for d in given)


def fifo_estimates(
    network: FixedNetwork, ctx: Context, pragma_depths: tuple[int, ...] = ()
) -> tuple[LayerEstimate, ...]:
    """One FIFO between each pair of consecutive layers (the top's own input and output streams are its ports)."""
    r = ctx.r
    out = []
    for lay, depth in zip(network.layers[:-1], fifo_depths(network, ctx, pragma_depths), strict=True):
        n = lay.n_out if isinstance(lay, DenseLayer) else lay.n
        bits = n * lay.result_type.width  # the whole nnet::array word, dead neurons included
        addr = max(1, (depth - 1).bit_length())
        if depth <= r["stream_fifo_srl_max_depth"]:
            srl = int(math.ceil(depth / r["stream_fifo_srl_max_depth"]))  # SRLs a bit needs
            bram, lut = 0, bits * srl + int(r["stream_fifo_lut_control"])
            ff = int(r["stream_fifo_ff_control"]) + addr
        else:  # block RAM: an output register per bit, write/read addresses and the fill count
            bram, lut = bram18_count(depth, bits), int(r["stream_fifo_lut_control"])
            ff = bits + int(r["stream_fifo_bram_ff_per_addr_bit"]) * addr + int(r["stream_fifo_bram_ff_extra"])
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
