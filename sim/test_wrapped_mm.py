"""cocotb testbench of a VivadoAccelerator top on memory-mapped buses: hls4ml's ``axi_master`` (``in``/``out`` on
m_axi, ap_ctrl_hs on s_axilite) or ``axi_lite`` (``in``/``out`` as s_axilite memories, ap_ctrl_none).

Why its own bench beside ``test_wrapped`` (the AXI-Stream form): the same words move, but through a memory
(cocotbext-axi's AxiRamRead/AxiRamWrite behind the two masters, one memory) and registers (AxiLiteMaster per
s_axilite bundle), one sample a call; where each register sits is the export's own map (``wrapped_mm.json``, read
by ``fpga_prune.verify.wrapped`` from the exported ``*_s_axi.v``).  The words each element must carry are
computed beforehand (``arith.floatbus``, the bit-accurate model); this bench moves them and compares bits.

Configuration (environment, set by ``fpga_prune.verify.wrapped``):
  FPGA_PRUNE_WRAPPED     wrapped_mm.json: interface, n_in, n_out, in_bytes, out_bytes (an element in memory),
                         out_mask (compared bits), and the registers (axi_master) or memories (axi_lite)
  FPGA_PRUNE_RAW, FPGA_PRUNE_REPORT_DIR, FPGA_PRUNE_NVEC, FPGA_PRUNE_NAUX, FPGA_PRUNE_SEED: as ``bus_bench``
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

#: samples a batch in the batch test (axi_master: calls back to back on consecutive buffers), in turn
BATCHES = (1, 3, 16, 100)
MEM_BYTES = 1 << 20
GUARD = 64  # bytes around a sample's output that a call must leave alone
FILL = 0xA5


class MmBench:
    def __init__(self, dut) -> None:
        doc = json.loads(Path(os.environ["FPGA_PRUNE_WRAPPED"]).read_text())
        self.doc = doc
        self.lite = doc["interface"] == "axi_lite"
        self.n_in, self.n_out = int(doc["n_in"]), int(doc["n_out"])
        self.in_bytes, self.out_bytes = int(doc["in_bytes"]), int(doc["out_bytes"])
        self.mask = int(doc["out_mask"])
        v = bus_bench.load_vectors("inputs_words.dat", "expected_words.dat", np.uint64, default_aux=100)
        self.x, self.y, self.n, self.n_aux, self.seed, self.report_dir = v.x, v.y, v.n, v.n_aux, v.seed, v.report_dir
        self.dut = dut
        bus_bench.start_clock(dut)
        self.ctl = {
            b: AxiLiteMaster(AxiLiteBus.from_prefix(dut, f"s_axi_{b}"), dut.ap_clk, dut.ap_rst_n, False)
            for b in doc["bundles"]
        }
        if not self.lite:
            mi, mo = doc["m_axi"]["in"], doc["m_axi"]["out"]
            # the input master only reads, the output master only writes: the other channels' inputs held idle
            for prefix, sigs in ((mi, ("AWREADY", "WREADY", "BVALID")), (mo, ("ARREADY", "RVALID"))):
                for sig in sigs:
                    if hasattr(dut, f"{prefix}_{sig}"):
                        getattr(dut, f"{prefix}_{sig}").value = 0
            self.rd = AxiRamRead(AxiReadBus.from_prefix(dut, mi), dut.ap_clk, dut.ap_rst_n, False, size=MEM_BYTES)
            self.wr = AxiRamWrite(
                AxiWriteBus.from_prefix(dut, mo), dut.ap_clk, dut.ap_rst_n, False, size=MEM_BYTES, mem=self.rd.mem
            )

    cycle = staticmethod(bus_bench.cycle)

    async def reset(self) -> None:
        await bus_bench.reset(self.dut)
        if not self.lite:
            c = self.doc["control"]
            await self.ctl[c["bundle"]].write_dword(4, 1)  # global interrupt enable
            await self.ctl[c["bundle"]].write_dword(8, 3)  # ap_done and ap_ready

    def pauses(self, rng: random.Random, p: float) -> None:
        """Idle cycles on every AXI-Lite channel and, for the masters, every memory channel."""
        chans = []
        for m in self.ctl.values():
            w, r = m.write_if, m.read_if
            chans += [w.aw_channel, w.w_channel, w.b_channel, r.ar_channel, r.r_channel]
        if not self.lite:
            chans += [self.rd.ar_channel, self.rd.r_channel, self.wr.aw_channel, self.wr.w_channel]
            chans += [self.wr.b_channel]
        bus_bench.pause(chans, rng, p)

    def words(self, row: np.ndarray, nbytes: int) -> bytes:
        return b"".join(int(w).to_bytes(nbytes, "little") for w in row)

    def elements(self, data: bytes, nbytes: int) -> np.ndarray:
        vals = [int.from_bytes(data[i : i + nbytes], "little") & self.mask for i in range(0, len(data), nbytes)]
        return np.array(vals, dtype=np.uint64)

    async def call_master(self, k: int, x_addr: int, y_addr: int) -> tuple[np.ndarray, int, list[str]]:
        """Sample ``k`` at ``x_addr``, its results to ``y_addr``: one ap_start .. interrupt."""
        size = self.n_out * self.out_bytes
        self.rd.write(x_addr, self.words(self.x[k], self.in_bytes))
        self.rd.write(y_addr - GUARD, bytes([FILL]) * (size + 2 * GUARD))
        for name, addr in (("in", x_addr), ("out", y_addr)):
            reg = self.doc["pointers"][name]
            await bus_bench.write_pointer(self.ctl[reg["bundle"]], reg["offset"], addr, reg["bits"])
        c = self.doc["control"]
        cycles, problems = await bus_bench.ap_ctrl_hs_call(
            self.dut, self.ctl[c["bundle"]], {"control": 0, "isr": 12}, 400 * (self.n_in + self.n_out) + 20000
        )
        guard = self.rd.read(y_addr - GUARD, GUARD) + self.rd.read(y_addr + size, GUARD)
        if guard != bytes([FILL]) * (2 * GUARD):
            problems.append(f"sample {k}: a call wrote outside its output array")
        return self.elements(self.rd.read(y_addr, size), self.out_bytes), cycles, problems

    async def call_lite(self, k: int) -> tuple[np.ndarray, int]:
        """Sample ``k`` written into the ``in`` memory, ``settle_cycles`` waited (ap_ctrl_none: no handshake), the
        ``out`` memory read back."""
        mem = self.doc["memories"]
        ctl = self.ctl[mem["bundle"]]
        t0 = self.cycle()
        await ctl.write(mem["in_base"], _pad(self.words(self.x[k], self.in_bytes)))
        await ClockCycles(self.dut.ap_clk, int(mem["settle_cycles"]))
        data = (await ctl.read(mem["out_base"], -(-self.n_out * self.out_bytes // 4) * 4)).data
        return self.elements(bytes(data)[: self.n_out * self.out_bytes], self.out_bytes), self.cycle() - t0

    async def run(self, start: int, stop: int, result: dict, at: int) -> None:
        """Samples ``start``.. ``stop`` (buffers from ``at`` on, consecutive), compared as one batch."""
        got = []
        for k in range(start, stop):
            if self.lite:
                out, _ = await self.call_lite(k)
            else:
                x_addr = at + (k - start) * self.n_in * self.in_bytes
                y_addr = 0x80000 + at + (k - start) * (self.n_out * self.out_bytes + 2 * GUARD) + GUARD
                out, _, problems = await self.call_master(k, x_addr, y_addr)
                result["protocol_errors"] += problems
            got.append(out)
        bus_bench.compare(result, start, np.array(got), self.y[start:stop], show=lambda row: [hex(v) for v in row])


def _pad(data: bytes) -> bytes:
    return data + bytes(-len(data) % 4)


@cocotb.test()
async def wrapped_mm_batches(dut) -> None:
    """Batches of 1, 3, 16 and 100 samples, one call a sample, every bus always ready: cycles a sample."""
    b = MmBench(dut)
    await b.reset()
    result = bus_bench.new_result("protocol_errors")
    t0 = b.cycle()
    pos, k = 0, 0
    while pos < b.n:
        stop = min(b.n, pos + BATCHES[k % len(BATCHES)])
        await b.run(pos, stop, result, 0x1000 * (1 + k % 4))
        pos, k = stop, k + 1
    cycles = b.cycle() - t0
    result["cycles"] = cycles
    result["samples_per_cycle"] = round(b.n / cycles, 4) if cycles else None
    bus_bench.finish_mapped(b.report_dir, "wrapped_mm_batches", result)


@cocotb.test()
async def wrapped_mm_backpressure(dut) -> None:
    """Random idle cycles on every AXI-Lite and memory channel, batches of random sizes at odd addresses (a few
    elements short of a 4 KiB line)."""
    b = MmBench(dut)
    rng = random.Random(b.seed)
    b.pauses(rng, 0.35)
    await b.reset()
    n = min(b.n_aux, b.n)
    result = bus_bench.new_result("protocol_errors")
    t0 = b.cycle()
    pos, k = 0, 0
    while pos < n:
        stop = min(n, pos + rng.choice((1, 2, 5, 13)))
        await b.run(pos, stop, result, 0x1000 * (2 + k % 3) - b.in_bytes * rng.randint(1, 7))
        pos, k = stop, k + 1
    result["cycles"] = b.cycle() - t0
    bus_bench.finish_mapped(b.report_dir, "wrapped_mm_backpressure", result)
