"""cocotb testbench of the AXI-Stream wrapper (``rtl.axis``) around our RTL of the network.

Why cocotbext-axi: its AxiStreamSource/Sink are an AXI-Stream master and slave written by someone else,
with TREADY/TVALID pause generators, so the wrapper's handshakes, framing and backpressure are checked
against an independent reading of the protocol.  The bytes of every transfer are packed and the results
unpacked by ``fpga_prune.arith.axis`` -- the same code the PYNQ driver and the C simulation's word files use.

Configuration (environment, set by ``fpga_prune.rtl.simulate.run_tests``):
  FPGA_PRUNE_AXIS        the project's axis.json (bus format)
  FPGA_PRUNE_RAW         directory with inputs_raw.dat / expected_raw.dat (raw integers, one sample a row)
  FPGA_PRUNE_REPORT_DIR  one ``<test>.json`` report per test goes here
  FPGA_PRUNE_NVEC        vectors of the batch test (default: all)
  FPGA_PRUNE_NAUX        vectors of the backpressure test (default 400)
  FPGA_PRUNE_SEED        seed of the pauses and batch sizes (default 1)
  FPGA_PRUNE_DRIVER      the project's PYNQ driver (driver/<top>_axi_driver.py) for the axis_driver test
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import bus_bench
import cocotb
import numpy as np
from cocotb.triggers import ClockCycles
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

from fpga_prune.arith import axis

#: batch sizes of the throughput test, in turn: one sample, odd sizes, large transfers
BATCHES = (1, 3, 16, 250, 1000)


class AxisBench:
    def __init__(self, dut) -> None:
        doc = json.loads(Path(os.environ["FPGA_PRUNE_AXIS"]).read_text())
        self.fin, self.fout = bus_bench.bus_layouts(doc)
        v = bus_bench.load_vectors("inputs_raw.dat", "expected_raw.dat", np.int64, default_aux=400)
        self.x, self.y, self.n, self.n_aux, self.seed, self.report_dir = v.x, v.y, v.n, v.n_aux, v.seed, v.report_dir
        self.dut = dut
        bus_bench.start_clock(dut)
        self.source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "in_r"), dut.ap_clk, dut.ap_rst_n, False)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "out_r"), dut.ap_clk, dut.ap_rst_n, False)

    async def reset(self, cycles: int = 3) -> None:
        await bus_bench.reset(self.dut, cycles)

    cycle = staticmethod(bus_bench.cycle)

    async def send(self, start: int, stop: int) -> None:
        await self.source.send(AxiStreamFrame(axis.pack(self.x[start:stop], self.fin)))

    async def receive(self, start: int, stop: int, result: dict) -> None:
        """One transfer back; compares it sample by sample (a wrong TLAST shows as a wrong length)."""
        frame = await self.sink.recv()
        data = bytes(frame.tdata)
        size = (stop - start) * self.fout.sample_bytes
        if len(data) != size:
            result["batches"] += 1
            result["vectors"] += stop - start
            result["framing_errors"].append(f"batch [{start}, {stop}): {len(data)} bytes up to TLAST, expected {size}")
            result["mismatches"] += stop - start
            return
        bus_bench.compare(result, start, axis.unpack(data, self.fout), self.y[start:stop])


@cocotb.test()
async def axis_batches(dut) -> None:
    """Batches of several sizes back to back, TREADY always high: cycles per batch and throughput."""
    b = AxisBench(dut)
    await b.reset()
    result = bus_bench.new_result("framing_errors")
    cycles_per_batch = {}
    pos = 0
    for size in sorted(set(BATCHES)):  # one transfer alone: its cycles from first beat in to TLAST out
        if pos + size > b.n:
            break
        t0 = b.cycle()
        await bus_bench.stream(b, [(pos, pos + size)], result)
        cycles_per_batch[str(size)] = b.cycle() - t0
        pos += size
    cuts = [(pos + s, pos + e) for s, e in axis.batches(b.n - pos, BATCHES)]
    t0 = b.cycle()
    await bus_bench.stream(b, cuts, result)
    cycles = b.cycle() - t0
    result["cycles_per_batch"] = cycles_per_batch
    result["stream_vectors"] = b.n - pos
    result["stream_cycles"] = cycles
    result["samples_per_cycle"] = round((b.n - pos) / cycles, 4) if cycles else None
    result["beats_per_sample"] = max(b.fin.words_per_sample, b.fout.words_per_sample)
    bus_bench.finish_stream(b, "axis_batches", result)


@cocotb.test()
async def axis_backpressure(dut) -> None:
    """Random TREADY low on the output and idle gaps on the input, batches of random sizes."""
    b = AxisBench(dut)
    rng = random.Random(b.seed)
    b.sink.set_pause_generator(iter(lambda: rng.random() < 0.4, None))
    b.source.set_pause_generator(iter(lambda: rng.random() < 0.3, None))
    await b.reset()
    n = min(b.n_aux, b.n)
    cuts, pos = [], 0
    while pos < n:
        size = min(n - pos, rng.choice((1, 2, 5, 13, 40)))
        cuts.append((pos, pos + size))
        pos += size
    result = bus_bench.new_result("framing_errors")
    t0 = b.cycle()
    await bus_bench.stream(b, cuts, result)
    result["cycles"] = b.cycle() - t0
    bus_bench.finish_stream(b, "axis_backpressure", result)


@cocotb.test()
async def axis_reset_mid_frame(dut) -> None:
    """ap_rst_n low while a transfer is half in and results are in flight: nothing stale after it."""
    b = AxisBench(dut)
    await b.reset()
    n = min(60, b.n)
    await b.send(0, n)
    beats = n * b.fin.words_per_sample
    await ClockCycles(dut.ap_clk, beats // 2)  # half the transfer's beats in, results in flight
    assert not b.source.empty() or b.source.active, "the transfer was over before the reset"
    mid = b.cycle()
    await b.reset(2)  # the source and sink drop what they hold on reset
    b.sink.clear()
    result = bus_bench.new_result("framing_errors")
    cuts = [(0, 1), (1, 9), (9, n)]  # the same samples again, from the start
    await bus_bench.stream(b, cuts, result)
    await ClockCycles(dut.ap_clk, 64)  # anything stale would arrive by now
    result["reset_cycle"] = mid
    bus_bench.finish_stream(b, "axis_reset_mid_frame", result)


@cocotb.test()
async def axis_driver(dut) -> None:
    """The PYNQ driver's encode/decode (floats and raw) against the simulated wrapper: the bytes it would put
    in the DMA buffer go in, the bytes the DMA would write come back."""
    b = AxisBench(dut)
    drv = bus_bench.load_module("axis_driver_under_test", "FPGA_PRUNE_DRIVER")
    await b.reset()
    n = min(200, b.n)
    result = bus_bench.new_result("framing_errors")
    result["float_mismatches"] = 0
    for start, stop in axis.batches(n, (1, 50, 149)):
        x = b.x[start:stop]
        data = drv.encode(x)
        floats = drv.fixed.to_float(x, drv.INPUT_TYPE)
        assert drv.encode_float(floats) == data, "encode_float(to_float(x)) is not encode(x)"
        await b.source.send(AxiStreamFrame(data))
        frame = await b.sink.recv()
        got = drv.decode(bytes(frame.tdata))
        want = b.y[start:stop]
        result["batches"] += 1
        result["vectors"] += stop - start
        if got.shape != want.shape:
            result["framing_errors"].append(f"batch [{start}, {stop}): {got.shape[0]} samples up to TLAST")
            result["mismatches"] += stop - start
            continue
        bad = np.flatnonzero((got != want).any(axis=1))
        result["mismatches"] += len(bad)
        result["first_mismatches"] += [
            {"index": int(start + i), "expected": want[i].tolist(), "got": got[i].tolist()} for i in bad[:10]
        ][: 10 - len(result["first_mismatches"])]
        fl = drv.decode_float(bytes(frame.tdata))
        result["float_mismatches"] += int((fl != drv.fixed.to_float(want, drv.OUTPUT_TYPE)).any(axis=1).sum())
    result["mismatches"] += result["float_mismatches"]
    bus_bench.finish_stream(b, "axis_driver", result)
