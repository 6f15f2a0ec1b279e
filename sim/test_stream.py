"""cocotb testbench for an io_stream top: one packed word a vector in, one a result out, valid/ready handshakes.

Why its own bench: hls4ml's io_stream top (``hls::stream<nnet::array<T, N>>`` arguments) is exported with a
FIFO (``x_dout``/``x_empty_n``/``x_read``, ``y_din``/``y_full_n``/``y_write``) or AXI-Stream
(``x_TDATA``/``x_TVALID``/``x_TREADY`` ...) handshake per stream instead of the io_parallel ``_ap_vld`` ports
``test_network`` drives.  Both are valid/ready pairs (``PortMap.stream``); the vectors, port map and reports are
``test_network``'s (same environment, same test names, same report fields), so ``verify`` reads them alike.

A FIFO's ``x_read``/``y_write`` are strobes the DUT raises only with ``x_empty_n``/``y_full_n`` high, an
AXI-Stream's ``TREADY``/``TVALID`` are levels: either way a word moves at a rising edge where valid and ready are
both high, which is what is sampled (1 ns after the falling-edge drive, when everything has settled).
``ap_start`` (``ap_ctrl_hs``) is held high while the stream runs, as a DATAFLOW top is run in a system.
"""

from __future__ import annotations

import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import Timer
from test_network import Bench, Stream, _uint, check_and_report


class StreamBench(Bench):
    """``Bench`` with the two handshakes of a stream top."""

    def __init__(self, dut) -> None:
        super().__init__(dut)
        self.in_ready = self._h(self.ports["input_ready"])
        self.out_ready = self._h(self.ports["output_ready"])

    def offer(self, bus: int | None, out_ready: bool) -> None:
        """Present ``bus`` (None: no word) and whether the sink takes a result this cycle."""
        if self.start is not None:
            self.start.value = 1
        if self.cont is not None:
            self.cont.value = 1
        if bus is not None:
            self.din.value = bus
        self.din_vld.value = 0 if bus is None else 1
        self.out_ready.value = 1 if out_ready else 0

    def moved(self) -> tuple[bool, tuple | None]:
        """(input word taken, result delivered) at the coming rising edge (read after the drive settled)."""
        taken = _uint(self.din_vld.value) == 1 and _uint(self.in_ready.value) == 1
        got = None
        if _uint(self.out_vlds[0].value) == 1 and _uint(self.out_ready.value) == 1:
            got = self.read_outputs()
        return taken, got

    async def reset(self, cycles: int = 3) -> None:
        self.rst.value = self.rst_on
        if self.start is not None:
            self.start.value = 0
        self.din_vld.value = 0
        self.out_ready.value = 0
        for _ in range(cycles):
            await self.tick()
        self.rst.value = 1 - self.rst_on
        await self.tick()


class StreamRun(Stream):
    """Drive ``order`` through the stream top: random gaps on the input, random stalls on the output."""

    def __init__(self, b: StreamBench, order, rng, gap_prob=0.0, stall_prob=0.0, reset_after=None) -> None:
        super().__init__(b, order, rng, gap_prob=gap_prob, reset_after=reset_after)
        self.stall_prob = stall_prob

    async def run(self, timeout_idle: int = 2000) -> None:
        b: StreamBench = self.b  # type: ignore[assignment]
        pending: deque[tuple[int, int]] = deque()
        pos, last_progress, accepted = 0, b.cycle, 0
        while pos < len(self.order) or pending:
            offer = pos < len(self.order) and not (self.gap_prob and self.rng.random() < self.gap_prob)
            sink = not (self.stall_prob and self.rng.random() < self.stall_prob)
            b.offer(b.inputs[self.order[pos]] if offer else None, sink)
            await Timer(1, unit="ns")
            taken, got = b.moved()
            await b.tick()
            if taken:
                pending.append((self.order[pos], b.cycle - 1))
                self.accept_cycles.append(b.cycle - 1)
                pos += 1
                accepted += 1
                last_progress = b.cycle
            if got is not None:
                if pending:
                    idx, acc = pending.popleft()
                    self.results.append((idx, got, acc, b.cycle - 1))
                    last_progress = b.cycle
                else:
                    self.stale.append(b.cycle)
            if self.reset_after is not None and self.reset_cycle is None and accepted >= self.reset_after:
                self.reset_cycle = b.cycle
                lost = [idx for idx, _ in pending]  # accepted, not delivered: lost with the reset, driven again
                self.dropped_by_reset.extend(lost)
                if lost:
                    pos = self.order.index(lost[0])
                pending.clear()
                await b.reset(2)
                continue
            if b.cycle - last_progress > timeout_idle:
                raise AssertionError(
                    f"timeout: {len(pending)} results never arrived"
                    + (f" (first pending vector {pending[0][0]})" if pending else f" (input {pos} never taken)")
                )
        b.offer(None, True)
        if b.start is not None:
            b.start.value = 0


async def _setup(dut) -> StreamBench:
    b = StreamBench(dut)
    Clock(b.clk, 10, unit="ns").start()
    b.din.value = 0
    await b.reset(3)
    return b


@cocotb.test()
async def back_to_back(dut) -> None:
    """A word offered every cycle and every result taken at once: all vectors; measures latency and II."""
    b = await _setup(dut)
    idle_ok = b.idle is None or _uint(b.idle.value) == 1
    s = StreamRun(b, list(range(len(b.inputs))), random.Random(b.seed))
    await s.run()
    await check_and_report(b, "back_to_back", s, {"idle_after_reset": idle_ok, "stream": b.ports["stream"]})
    assert idle_ok, "ap_idle was not high after reset with ap_start low"


@cocotb.test()
async def idle_gaps(dut) -> None:
    """Random gaps in the input stream and random stalls of the output's consumer (backpressure)."""
    b = await _setup(dut)
    rng = random.Random(b.seed + 1)
    n = min(b.n_aux, len(b.inputs))
    s = StreamRun(b, rng.sample(range(len(b.inputs)), n), rng, gap_prob=0.3, stall_prob=0.4)
    await s.run()
    await check_and_report(b, "idle_gaps", s)


@cocotb.test()
async def reset_mid_stream(dut) -> None:
    """Reset while results are in flight: nothing stale after it, all correct again."""
    b = await _setup(dut)
    rng = random.Random(b.seed + 2)
    n = min(b.n_aux, len(b.inputs))
    s = StreamRun(b, list(range(n)), rng, gap_prob=0.1, stall_prob=0.2, reset_after=max(1, n // 2))
    await s.run()
    await check_and_report(
        b, "reset_mid_stream", s, {"reset_cycle": s.reset_cycle, "dropped_by_reset": len(s.dropped_by_reset)}
    )
    assert s.reset_cycle is not None, "the reset was never applied"
