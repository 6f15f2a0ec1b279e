"""cocotb testbench of the Vitis kernel wrapper (``rtl.kernel``) around our RTL of the network.

Why cocotbext-axi: its AxiRamRead/AxiRamWrite are the memory (one memory behind both m_axi masters, as both
buffers sit in one bank) and its AxiLiteMaster the host's register writes -- an independent reading of AXI4
and AXI-Lite, with pause generators on every memory channel for backpressure and idle cycles.  The bytes of
every buffer are packed and the results unpacked by ``fpga_prune.arith.axis`` -- the code the pyxrt host
and the C simulation's word files use; the register map is the project's ``kernel.json``.

Configuration (environment, set by ``fpga_prune.rtl.simulate.run_tests``):
  FPGA_PRUNE_KERNEL      the project's kernel.json (bus format, register map)
  FPGA_PRUNE_RAW         directory with inputs_raw.dat / expected_raw.dat (raw integers, one sample a row)
  FPGA_PRUNE_REPORT_DIR  one ``<test>.json`` report per test goes here
  FPGA_PRUNE_NVEC        vectors of the batch test (default: all)
  FPGA_PRUNE_NAUX        vectors of the backpressure test (default 400)
  FPGA_PRUNE_SEED        seed of the pauses and batch sizes (default 1)
  FPGA_PRUNE_HOST        the project's pyxrt host (host/<kernel>_host.py) for the kernel_host test
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
from cocotbext.axi import AxiLiteBus, AxiLiteMaster, AxiRamRead, AxiRamWrite, AxiReadBus, AxiWriteBus

from fpga_prune.arith import axis

#: run sizes (samples a kernel call) of the batch test, in turn: one sample, odd sizes, large runs
BATCHES = (1, 3, 16, 250, 1000)
MEM_BYTES = 1 << 22
GUARD = 64  # bytes around the output buffer that a run must leave alone
FILL = 0xA5


class KernelBench:
    def __init__(self, dut) -> None:
        doc = json.loads(Path(os.environ["FPGA_PRUNE_KERNEL"]).read_text())
        self.fin, self.fout = bus_bench.bus_layouts(doc)
        self.regs = doc["registers"]
        v = bus_bench.load_vectors("inputs_raw.dat", "expected_raw.dat", np.int64, default_aux=400)
        self.x, self.y, self.n, self.n_aux, self.seed, self.report_dir = v.x, v.y, v.n, v.n_aux, v.seed, v.report_dir
        self.dut = dut
        bus_bench.start_clock(dut)
        # gmem0 only reads, gmem1 only writes: the other channels' inputs are held idle
        for sig in ("AWREADY", "WREADY", "BVALID", "BRESP", "BID"):
            getattr(dut, f"m_axi_gmem0_{sig}").value = 0
        for sig in ("ARREADY", "RVALID", "RDATA", "RLAST", "RID", "RRESP"):
            getattr(dut, f"m_axi_gmem1_{sig}").value = 0
        rd = AxiRamRead(AxiReadBus.from_prefix(dut, "m_axi_gmem0"), dut.ap_clk, dut.ap_rst_n, False, size=MEM_BYTES)
        wr = AxiRamWrite(
            AxiWriteBus.from_prefix(dut, "m_axi_gmem1"), dut.ap_clk, dut.ap_rst_n, False, size=MEM_BYTES, mem=rd.mem
        )
        self.rd, self.wr = rd, wr
        self.ctl = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axi_control"), dut.ap_clk, dut.ap_rst_n, False)

    async def reset(self, cycles: int = 3) -> None:
        await bus_bench.reset(self.dut, cycles)
        await self.ctl.write_dword(self.regs["gie"], 1)
        await self.ctl.write_dword(self.regs["ier"], 1)  # ap_done

    cycle = staticmethod(bus_bench.cycle)

    def pauses(self, rng: random.Random, p: float) -> None:
        """Random idle cycles on every memory channel: address and data accepted late, data given late."""
        rd, wr = self.rd, self.wr
        bus_bench.pause((rd.ar_channel, rd.r_channel, wr.aw_channel, wr.w_channel, wr.b_channel), rng, p)

    async def run(self, data: bytes, samples: int, x_addr: int, y_addr: int) -> tuple[bytes, int, list[str]]:
        """One kernel call on ``data`` at ``x_addr``, results at ``y_addr``: (result bytes, cycles from ap_start to
        the interrupt, protocol problems seen)."""
        problems = []
        size = samples * self.fout.sample_bytes
        self.rd.write(x_addr, data)
        self.rd.write(y_addr - GUARD, bytes([FILL]) * (size + 2 * GUARD))
        for name, value in (("x", x_addr), ("y", y_addr)):
            await bus_bench.write_pointer(self.ctl, self.regs[name], value)
        await self.ctl.write_dword(self.regs["n"], samples)
        if await self.ctl.read_dword(self.regs["n"]) != samples:
            problems.append("the n register does not read back")
        beats = samples * max(self.fin.words_per_sample, self.fout.words_per_sample)
        cycles, called = await bus_bench.ap_ctrl_hs_call(self.dut, self.ctl, self.regs, 200 * beats + 2000)
        problems += called
        out = self.rd.read(y_addr, size)
        guard = self.rd.read(y_addr - GUARD, GUARD) + self.rd.read(y_addr + size, GUARD)
        if guard != bytes([FILL]) * (2 * GUARD):
            problems.append(f"a run of {samples} wrote outside its output buffer")
        return out, cycles, problems

    def compare(self, out: bytes, start: int, stop: int, result: dict) -> None:
        bus_bench.compare(result, start, axis.unpack(out, self.fout), self.y[start:stop])


def _addresses(b: KernelBench, k: int) -> tuple[int, int]:
    """Buffers of the k-th run: 4 KiB aligned as XRT allocates them, in turn at the two ends of the memory."""
    half = MEM_BYTES // 2
    return (0x1000, half + 0x1000) if k % 2 == 0 else (half + 0x1000, 0x1000)


@cocotb.test()
async def kernel_batches(dut) -> None:
    """Runs of several sizes, the memory always ready: cycles per run and throughput."""
    b = KernelBench(dut)
    await b.reset()
    result = bus_bench.new_result("protocol_errors")
    cycles_per_batch = {}
    cuts = axis.batches(b.n, BATCHES)
    big = (0, 0)  # (samples, cycles) of the largest run
    for k, (start, stop) in enumerate(cuts):
        x_addr, y_addr = _addresses(b, k)
        out, cycles, problems = await b.run(axis.pack(b.x[start:stop], b.fin), stop - start, x_addr, y_addr)
        result["protocol_errors"] += problems
        b.compare(out, start, stop, result)
        cycles_per_batch.setdefault(str(stop - start), cycles)
        if stop - start > big[0]:
            big = (stop - start, cycles)
    result["cycles_per_batch"] = cycles_per_batch
    result["samples_per_cycle"] = round(big[0] / big[1], 4) if big[1] else None
    result["beats_per_sample"] = max(b.fin.words_per_sample, b.fout.words_per_sample)
    bus_bench.finish_mapped(b.report_dir, "kernel_batches", result)


@cocotb.test()
async def kernel_backpressure(dut) -> None:
    """Random idle cycles on all five memory channels, runs of random sizes on buffers that cross 4 KiB lines,
    and a run of 0 samples (done at once, nothing written)."""
    b = KernelBench(dut)
    rng = random.Random(b.seed)
    b.pauses(rng, 0.35)
    await b.reset()
    n = min(b.n_aux, b.n)
    result = bus_bench.new_result("protocol_errors")
    t0 = b.cycle()
    pos, k = 0, 0
    wi, wo = b.fin.word_bytes, b.fout.word_bytes
    while pos < n:
        size = min(n - pos, rng.choice((1, 2, 5, 13, 40, 97)))
        # a few words short of a 4 KiB line: the kernel's bursts must split there
        x_addr = 0x10000 + 0x1000 * (k % 3) - wi * rng.randint(1, 7)
        y_addr = 0x200000 + 0x1000 * (k % 5) - wo * rng.randint(1, 7)
        out, _, problems = await b.run(axis.pack(b.x[pos : pos + size], b.fin), size, x_addr, y_addr)
        result["protocol_errors"] += problems
        b.compare(out, pos, pos + size, result)
        pos, k = pos + size, k + 1
    out, _, problems = await b.run(b"", 0, 0x10000, 0x200000)
    result["protocol_errors"] += problems + (["a run of 0 samples wrote"] if out else [])
    result["cycles"] = b.cycle() - t0
    bus_bench.finish_mapped(b.report_dir, "kernel_backpressure", result)


@cocotb.test()
async def kernel_reset_mid_run(dut) -> None:
    """ap_rst_n low while a run is reading and writing: idle after it, and the next runs are whole."""
    b = KernelBench(dut)
    await b.reset()
    n = min(200, b.n)
    x_addr, y_addr = _addresses(b, 0)
    b.rd.write(x_addr, axis.pack(b.x[:n], b.fin))
    for name, value in (("x", x_addr), ("y", y_addr)):
        await b.ctl.write_dword(b.regs[name], value)
        await b.ctl.write_dword(b.regs[name] + 4, 0)
    await b.ctl.write_dword(b.regs["n"], n)
    await b.ctl.write_dword(b.regs["control"], 1)
    await ClockCycles(dut.ap_clk, n // 2)  # half the run's beats
    mid = b.cycle()
    await b.reset(2)
    result = bus_bench.new_result("protocol_errors")
    ctrl = await b.ctl.read_dword(b.regs["control"])
    if ctrl & 0x05 != 0x04:
        result["protocol_errors"].append(f"control reads 0x{ctrl:02x} after the reset, expected idle and not started")
    for k, (start, stop) in enumerate(((0, 1), (1, 9), (9, n))):
        out, _, problems = await b.run(axis.pack(b.x[start:stop], b.fin), stop - start, *_addresses(b, k + 1))
        result["protocol_errors"] += problems
        b.compare(out, start, stop, result)
    result["reset_cycle"] = mid
    bus_bench.finish_mapped(b.report_dir, "kernel_reset_mid_run", result)


@cocotb.test()
async def kernel_host(dut) -> None:
    """The pyxrt host's encode/decode (floats and raw) against the simulated kernel: the bytes it would write into
    the input buffer object go in, the bytes it would read back from the output one come out."""
    b = KernelBench(dut)
    host = bus_bench.load_module("kernel_host_under_test", "FPGA_PRUNE_HOST")
    await b.reset()
    n = min(200, b.n)
    result = bus_bench.new_result("protocol_errors")
    result["float_mismatches"] = 0
    for k, (start, stop) in enumerate(axis.batches(n, (1, 50, 149))):
        x = b.x[start:stop]
        data = host.encode(x)
        floats = host.fixed.to_float(x, host.INPUT_TYPE)
        assert host.encode_float(floats) == data, "encode_float(to_float(x)) is not encode(x)"
        assert len(data) == host.input_bytes(stop - start), "the input buffer object's size is not the data's"
        out, _, problems = await b.run(data, stop - start, *_addresses(b, k))
        result["protocol_errors"] += problems
        got = host.decode(out)
        want = b.y[start:stop]
        result["batches"] += 1
        result["vectors"] += stop - start
        bad = np.flatnonzero((got != want).any(axis=1))
        result["mismatches"] += len(bad)
        result["first_mismatches"] += [
            {"index": int(start + i), "expected": want[i].tolist(), "got": got[i].tolist()} for i in bad[:10]
        ][: 10 - len(result["first_mismatches"])]
        fl = host.decode_float(out)
        result["float_mismatches"] += int((fl != host.fixed.to_float(want, host.OUTPUT_TYPE)).any(axis=1).sum())
    result["mismatches"] += result["float_mismatches"]
    bus_bench.finish_mapped(b.report_dir, "kernel_host", result)
