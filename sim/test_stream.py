"""cocotb testbench for an io_stream top: one packed word a vector in, one a result out, valid/ready handshakes.

Why its own bench: hls4ml's io_stream top (``hls::stream<nnet::array<T, N>>`` arguments) is exported with a
FIFO (``x_dout``/``x_empty_n``/``x_read``, ``y_din``/``y_full_n``/``y_write``) or AXI-Stream
(``x_TDATA``/``x_TVALID``/``x_TREADY`` ...) handshake per stream instead of the io_parallel ``_ap_vld`` ports
``test_network`` drives.  Both are valid/ready pairs (``PortMap.stream``), one per lane: one lane a stream when the
array is packed into one word (Vitis), one per element when Vivado HLS split it (``x_V_data_<i>_V``); each lane is
driven and stalled on its own, and a vector counts as taken (a result as delivered) when all its lanes are.  The
vectors, port map and reports are ``test_network``'s (same environment, test names and report fields), so
``verify`` reads them alike.

A FIFO's ``x_read``/``y_write`` are strobes the DUT raises only with ``x_empty_n``/``y_full_n`` high, an
AXI-Stream's ``TREADY``/``TVALID`` are levels: either way a word moves at a rising edge where valid and ready are
both high, which is what is sampled (1 ns after the falling-edge drive, when everything has settled).
``ap_start`` (``ap_ctrl_hs``) is held high while the stream runs, as a DATAFLOW top is run in a system.
Vitis 2023+ FIFO ports also take the FIFO's fill level and capacity (``x_num_data_valid``, ``x_fifo_cap``): the
capacity is held at its largest value, the level follows the word offered (1 or 0) and the consumer (0 when ready,
full when stalled).
"""

from __future__ import annotations

import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import Timer
from test_network import Bench, Stream, _uint, check_and_report


class StreamBench(Bench):
    """``Bench`` with the lanes of a stream top: each a valid/ready handshake carrying some of the elements."""

    def __init__(self, dut) -> None:
        super().__init__(dut)
        p = self.ports
        self.in_data = [self._h(n) for n in p["input_lanes"]]
        self.in_vld = [self._h(n) for n in p["input_lane_vlds"]]
        self.in_rdy = [self._h(n) for n in p["input_lane_readies"]]
        self.per_in_lane = self.n_in // len(self.in_data)
        # output lanes: the distinct output ports in order, each with its valid and the bench's ready
        names = list(dict.fromkeys(p["outputs"]))
        self.out_lane_of = [names.index(n) for n in p["outputs"]]
        first = [p["outputs"].index(n) for n in names]
        self.out_data = [self.outs[k] for k in first]
        self.out_vld = [self.out_vlds[k] for k in first]
        self.out_rdy = [self._h(p["output_readies"][k]) for k in first]
        # Vitis 2023+ FIFO ports' fill level and capacity (inputs of the DUT): driven as a FIFO of that capacity
        self.in_level = [self._h(n) for n in p.get("input_lane_levels", ())]
        self.in_cap = [self._h(n) for n in p.get("input_lane_caps", ())]
        self.out_level = [self._h(p["output_levels"][k]) for k in first] if p.get("output_levels") else []
        self.out_cap = [self._h(p["output_caps"][k]) for k in first] if p.get("output_caps") else []
        for c in self.in_cap + self.out_cap:
            c.value = (1 << len(c)) - 1

    def lane_word(self, bus: int, lane: int) -> int:
        """The bits of input lane ``lane`` of the packed vector ``bus`` (its elements, element 0 low)."""
        bits = self.per_in_lane * self.iw
        return (bus >> (lane * bits)) & ((1 << bits) - 1)

    def offer(self, words: list[int | None], sinks: list[bool]) -> None:
        """Present each input lane's word (None: nothing) and whether each output lane's consumer is ready."""
        if self.start is not None:
            self.start.value = 1
        if self.cont is not None:
            self.cont.value = 1
        for d, v, w in zip(self.in_data, self.in_vld, words):
            if w is not None:
                d.value = w
            v.value = 0 if w is None else 1
        for lvl, w in zip(self.in_level, words):  # one word waiting, or none
            lvl.value = 0 if w is None else 1
        for r, ok in zip(self.out_rdy, sinks):
            r.value = 1 if ok else 0
        for lvl, ok in zip(self.out_level, sinks):  # a ready consumer: an empty FIFO, else a full one
            lvl.value = 0 if ok else (1 << len(lvl)) - 1

    def moved(self) -> tuple[list[bool], list[int | None]]:
        """Per input lane: taken at the coming rising edge; per output lane: the word it delivers (None: none)."""
        taken = [_uint(v.value) == 1 and _uint(r.value) == 1 for v, r in zip(self.in_vld, self.in_rdy)]
        got = [
            _uint(d.value) if _uint(v.value) == 1 and _uint(r.value) == 1 else None
            for d, v, r in zip(self.out_data, self.out_vld, self.out_rdy)
        ]
        return taken, got

    def result(self, words: list[int | None]) -> tuple:
        """The output elements from one word of each output lane (packed: at ``output_offsets``)."""
        got = []
        for k, lane in enumerate(self.out_lane_of):
            w = words[lane]
            v = None if w is None else (w >> self.offs[k]) & ((1 << self.ows[k]) - 1)
            got.append(None if v is None else self._signed(v, self.ows[k], self.osg[k]))
        return tuple(got)

    async def reset(self, cycles: int = 3) -> None:
        self.rst.value = self.rst_on
        if self.start is not None:
            self.start.value = 0
        for v in self.in_vld:
            v.value = 0
        for r in self.out_rdy:
            r.value = 0
        for lvl in self.in_level:
            lvl.value = 0
        for lvl in self.out_level:
            lvl.value = (1 << len(lvl)) - 1
        for _ in range(cycles):
            await self.tick()
        self.rst.value = 1 - self.rst_on
        await self.tick()


class StreamRun(Stream):
    """Drive ``order`` through the stream top: random gaps on the input lanes, random stalls on the output lanes."""

    def __init__(self, b: StreamBench, order, rng, gap_prob=0.0, stall_prob=0.0, reset_after=None) -> None:
        super().__init__(b, order, rng, gap_prob=gap_prob, reset_after=reset_after)
        self.stall_prob = stall_prob

    async def run(self, timeout_idle: int = 2000) -> None:
        b: StreamBench = self.b  # type: ignore[assignment]
        n_in, n_out = len(b.in_data), len(b.out_data)
        lane_pos = [0] * n_in  # next vector (index into order) each input lane offers
        lane_got: list[deque[int]] = [deque() for _ in range(n_out)]  # words delivered, not yet a whole result
        pending: deque[tuple[int, int]] = deque()  # (vector, cycle every lane of it was taken)
        last_progress, accepted = b.cycle, 0
        while min(lane_pos) < len(self.order) or pending:
            words = [
                b.lane_word(b.inputs[self.order[p]], k)
                if p < len(self.order) and not (self.gap_prob and self.rng.random() < self.gap_prob)
                else None
                for k, p in enumerate(lane_pos)
            ]
            b.offer(words, [not (self.stall_prob and self.rng.random() < self.stall_prob) for _ in range(n_out)])
            await Timer(1, unit="ns")
            taken, got = b.moved()
            await b.tick()
            before = min(lane_pos)
            lane_pos = [p + 1 if t else p for p, t in zip(lane_pos, taken)]
            for _ in range(min(lane_pos) - before):  # a vector is in once every lane of it is
                pending.append((self.order[before], b.cycle - 1))
                self.accept_cycles.append(b.cycle - 1)
                before += 1
                accepted += 1
                last_progress = b.cycle
            for q, w in zip(lane_got, got):
                if w is not None:
                    q.append(w)
            while all(lane_got):
                words_out = [q.popleft() for q in lane_got]
                if pending:
                    idx, acc = pending.popleft()
                    self.results.append((idx, b.result(words_out), acc, b.cycle - 1))
                    last_progress = b.cycle
                else:
                    self.stale.append(b.cycle)
            if self.reset_after is not None and self.reset_cycle is None and accepted >= self.reset_after:
                self.reset_cycle = b.cycle
                lost = [idx for idx, _ in pending]  # taken, not delivered: lost with the reset, driven again
                self.dropped_by_reset.extend(lost)
                restart = self.order.index(lost[0]) if lost else min(lane_pos)
                lane_pos = [restart] * n_in
                pending.clear()
                for q in lane_got:
                    q.clear()
                await b.reset(2)
                continue
            if b.cycle - last_progress > timeout_idle:
                raise AssertionError(
                    f"timeout: {len(pending)} results never arrived"
                    + (f" (first pending vector {pending[0][0]})" if pending else f" (input lanes at {lane_pos})")
                )
        b.offer([None] * n_in, [True] * n_out)
        if b.start is not None:
            b.start.value = 0


async def _setup(dut) -> StreamBench:
    b = StreamBench(dut)
    Clock(b.clk, 10, unit="ns").start()
    for d in b.in_data:
        d.value = 0
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
