"""cocotb testbench of a VivadoAccelerator top ``<project>_axi`` (one element a beat, TLAST), with cocotbext-axi.

Why its own bench: hls4ml's wrapper is not our bus format (``arith.axis``): each beat carries one element --
a float, or the network's own type -- and a sample is ``n_in`` beats in, ``n_out`` beats out.  The words each
beat must carry are computed beforehand by ``verify.wrapped`` with ``arith.floatbus`` (the wrapper's casts) and
the bit-accurate model; this bench only moves them and compares bits.

Configuration (environment, set by ``fpga_prune.verify.wrapped``):
  FPGA_PRUNE_WRAPPED     wrapped.json: n_in, n_out, in_bits, out_bits (TDATA widths), out_mask (compared bits)
  FPGA_PRUNE_RAW         directory with inputs_words.dat / expected_words.dat (one sample a row)
  FPGA_PRUNE_REPORT_DIR  one ``<test>.json`` report per test goes here
  FPGA_PRUNE_NVEC        vectors of the batch test (default: all); FPGA_PRUNE_NAUX those of the backpressure test
  FPGA_PRUNE_SEED        seed of the pauses and batch sizes
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import bus_bench
import cocotb
import numpy as np
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

BATCHES = (1, 3, 16, 100)


class WrappedBench:
    def __init__(self, dut) -> None:
        doc = json.loads(Path(os.environ["FPGA_PRUNE_WRAPPED"]).read_text())
        self.n_in, self.n_out = int(doc["n_in"]), int(doc["n_out"])
        self.in_bytes, self.out_bytes = int(doc["in_bits"]) // 8, int(doc["out_bits"]) // 8
        self.mask = int(doc["out_mask"])
        v = bus_bench.load_vectors("inputs_words.dat", "expected_words.dat", np.uint64, default_aux=200)
        self.x, self.y, self.n, self.n_aux, self.seed, self.report_dir = v.x, v.y, v.n, v.n_aux, v.seed, v.report_dir
        self.dut = dut
        bus_bench.start_clock(dut)
        self.source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "in_r"), dut.ap_clk, dut.ap_rst_n, False)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "out_r"), dut.ap_clk, dut.ap_rst_n, False)

    async def reset(self) -> None:
        await bus_bench.reset(self.dut)

    cycle = staticmethod(bus_bench.cycle)

    async def send(self, start: int, stop: int) -> None:
        data = b"".join(int(w).to_bytes(self.in_bytes, "little") for w in self.x[start:stop].reshape(-1))
        await self.source.send(AxiStreamFrame(data))

    async def receive(self, start: int, stop: int, result: dict) -> None:
        """One transfer back (up to TLAST), compared beat by beat on the ``out_mask`` bits."""
        frame = await self.sink.recv()
        data = bytes(frame.tdata)
        if len(data) != (stop - start) * self.n_out * self.out_bytes:
            result["batches"] += 1
            result["vectors"] += stop - start
            result["framing_errors"].append(
                f"batch [{start}, {stop}): {len(data)} bytes up to TLAST, expected "
                f"{(stop - start) * self.n_out * self.out_bytes}"
            )
            result["mismatches"] += stop - start
            return
        got = np.array(
            [
                int.from_bytes(data[i : i + self.out_bytes], "little") & self.mask
                for i in range(0, len(data), self.out_bytes)
            ],
            dtype=np.uint64,
        ).reshape(-1, self.n_out)
        bus_bench.compare(result, start, got, self.y[start:stop], show=lambda row: [hex(v) for v in row])


def _cuts(start: int, n: int, sizes) -> list[tuple[int, int]]:
    cuts, pos, k = [], start, 0
    while pos < start + n:
        size = min(start + n - pos, sizes[k % len(sizes)])
        cuts.append((pos, pos + size))
        pos, k = pos + size, k + 1
    return cuts


@cocotb.test()
async def wrapped_batches(dut) -> None:
    """Transfers of 1, 3, 16 and 100 samples back to back, TREADY always high: cycles per sample."""
    b = WrappedBench(dut)
    await b.reset()
    result = bus_bench.new_result("framing_errors")
    t0 = b.cycle()
    await bus_bench.stream(b, _cuts(0, b.n, BATCHES), result)
    cycles = b.cycle() - t0
    result["cycles"] = cycles
    result["samples_per_cycle"] = round(b.n / cycles, 4) if cycles else None
    bus_bench.finish_stream(b, "wrapped_batches", result)


@cocotb.test()
async def wrapped_backpressure(dut) -> None:
    """Random TREADY low on out_r and idle gaps on in_r, transfers of random sizes."""
    b = WrappedBench(dut)
    rng = random.Random(b.seed)
    b.sink.set_pause_generator(iter(lambda: rng.random() < 0.4, None))
    b.source.set_pause_generator(iter(lambda: rng.random() < 0.3, None))
    await b.reset()
    n = min(b.n_aux, b.n)
    sizes = [rng.choice((1, 2, 5, 13)) for _ in range(n)]
    result = bus_bench.new_result("framing_errors")
    t0 = b.cycle()
    await bus_bench.stream(b, _cuts(0, n, sizes), result)
    result["cycles"] = b.cycle() - t0
    bus_bench.finish_stream(b, "wrapped_backpressure", result)
