"""The bus format: how the raw ``ap_fixed`` values of a network's input and output arrays travel
as bus words, N samples per transfer.

Why one module, standalone (numpy and the standard library only): the HLS wrapper
(``hls_templates/project/axi_top.cpp.j2``), the Verilog wrapper (``rtl.axis``), the cocotb testbench
(``sim/test_axis.py``), the C simulation's word files and the PYNQ driver all read the layout from here;
the driver ships this very file (copied byte for byte into the project), so a board without fpga_prune
packs exactly as the testbench did.  The Vitis kernel's buffers (``hls.kernel_project``, ``rtl.kernel``,
``sim/test_kernel.py``, the pyxrt host) hold the same bytes: a buffer object is a transfer without TLAST,
its length given by the kernel's sample count.  The AXI-Lite top (``hls.axil_project``, ``rtl.axil``,
``sim/test_axil.py``) holds one sample's words, on 32-bit words, in its registers.

The format, one direction (``Layout``):

- a sample's ``n`` elements go to lanes of ``lane_bits`` = the smallest of 8/16/32/64 bits that holds
  ``width``; element k is lane ``k % lanes_per_word`` of word ``k // lanes_per_word`` of the sample,
  lane 0 in the least significant bits (bytes little-end first, as a DMA buffer holds them);
- each value is sign-extended (unsigned: zero-extended) to its lane; unused lanes of a sample's last word
  are 0; a sample starts on a new word (``words_per_sample`` words);
- a transfer (a batch) is N samples back to back; TLAST is set on the last word of its last sample.  The
  wrappers end a batch at the sample whose last word carries TLAST (TLAST on another word is ignored)
  and set TLAST on that sample's last output word.

Why lanes of 8/16/32/64 bits and not tight packing: a host reads and writes the DMA buffer as a numpy
int8/16/32/64 array with no bit shuffling (the driver's pack/unpack are views and reshapes), the
wrappers' slices are constants, and a sign-extended lane is the value itself; the cost is the unused
top bits of a lane (4 of 16 for a 12-bit type), small beside a one-sample-per-cycle network's
appetite for beats.  Why a sample starts on a word: the wrappers count words per sample, not bits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: lane sizes in bits, the numpy integer types a host views them as
LANE_BITS = (8, 16, 32, 64)


@dataclass(frozen=True)
class Layout:
    """One direction of the stream: ``n`` elements of ``width`` bits (``signed``) on ``word_bits`` words."""

    n: int
    width: int
    signed: bool
    word_bits: int

    def __post_init__(self) -> None:
        if self.word_bits % 8 or self.word_bits < 8:
            raise ValueError(f"bus width {self.word_bits} is not a whole number of bytes")
        if not 1 <= self.width <= (64 if self.signed else 63):  # raw values are int64, as in arith.fixed
            raise ValueError(f"element width {self.width} is not in 1..{64 if self.signed else 63} bits")
        if self.lane_bits > self.word_bits:
            raise ValueError(f"a {self.lane_bits}-bit lane does not fit a {self.word_bits}-bit bus word")
        if self.n < 1:
            raise ValueError(f"{self.n} elements per sample")

    @property
    def lane_bits(self) -> int:
        return next(b for b in LANE_BITS if b >= self.width)

    @property
    def lanes_per_word(self) -> int:
        return self.word_bits // self.lane_bits

    @property
    def words_per_sample(self) -> int:
        return -(-self.n // self.lanes_per_word)

    @property
    def word_bytes(self) -> int:
        return self.word_bits // 8

    @property
    def sample_bytes(self) -> int:
        return self.words_per_sample * self.word_bytes

    def place(self, k: int) -> tuple[int, int]:
        """Element ``k`` -> (word of the sample, lowest bit in that word)."""
        return k // self.lanes_per_word, (k % self.lanes_per_word) * self.lane_bits

    @property
    def dtype(self) -> np.dtype:
        """The numpy type a host views the lanes as (little-endian)."""
        return np.dtype(f"<{'i' if self.signed else 'u'}{self.lane_bits // 8}")

    def to_dict(self) -> dict[str, int | bool]:
        return {
            "n": self.n,
            "width": self.width,
            "signed": self.signed,
            "word_bits": self.word_bits,
            "lane_bits": self.lane_bits,
            "lanes_per_word": self.lanes_per_word,
            "words_per_sample": self.words_per_sample,
        }


@dataclass(frozen=True)
class BusFormat:
    """Both directions of one wrapper: what the DMA sends (``input``) and receives (``output``)."""

    input: Layout
    output: Layout

    @property
    def word_bits(self) -> int:
        return self.input.word_bits

    def to_dict(self) -> dict[str, object]:
        return {"word_bits": self.word_bits, "input": self.input.to_dict(), "output": self.output.to_dict()}


def bus_format(
    word_bits: int, n_in: int, in_width: int, in_signed: bool, n_out: int, out_width: int, out_signed: bool
) -> BusFormat:
    """Both directions on one bus width (the AXI DMA has one stream width each way; we use the same)."""
    return BusFormat(Layout(n_in, in_width, in_signed, word_bits), Layout(n_out, out_width, out_signed, word_bits))


def pack(raw: np.ndarray, layout: Layout) -> bytes:
    """Raw values (samples x ``n``, integers in the type's range) -> the bytes of one transfer."""
    raw = np.asarray(raw, dtype=np.int64).reshape(-1, layout.n)
    lo, hi = (
        (-(1 << (layout.width - 1)), (1 << (layout.width - 1)) - 1) if layout.signed else (0, (1 << layout.width) - 1)
    )
    if raw.size and (raw.min() < lo or raw.max() > hi):
        raise ValueError(
            f"raw values outside [{lo}, {hi}] of a {layout.width}-bit {'' if layout.signed else 'un'}signed type"
        )
    lanes = layout.words_per_sample * layout.lanes_per_word
    buf = np.zeros((raw.shape[0], lanes), dtype=layout.dtype)
    buf[:, : layout.n] = raw
    return buf.tobytes()


def unpack(data: bytes, layout: Layout) -> np.ndarray:
    """The bytes of a transfer -> raw values (samples x ``n``, int64), each lane read as its full signed/unsigned
    integer (a lane that is not the sign extension of its value reads as a different value)."""
    if len(data) % layout.sample_bytes:
        raise ValueError(f"{len(data)} bytes is not a whole number of {layout.sample_bytes}-byte samples")
    lanes = layout.words_per_sample * layout.lanes_per_word
    arr = np.frombuffer(data, dtype=layout.dtype).reshape(-1, lanes)
    return arr[:, : layout.n].astype(np.int64)


def words(data: bytes, layout: Layout) -> list[int]:
    """The bytes of a transfer as bus words (unsigned integers, the first byte in the least significant bits)."""
    b = layout.word_bytes
    return [int.from_bytes(data[i : i + b], "little") for i in range(0, len(data), b)]


def batches(n: int, sizes: tuple[int, ...]) -> list[tuple[int, int]]:
    """``n`` samples cut into transfers of ``sizes`` in turn (the last one what is left): (start, stop) pairs."""
    if not sizes or min(sizes) < 1:
        raise ValueError(f"batch sizes must be >= 1, got {sizes}")
    out, start, i = [], 0, 0
    while start < n:
        stop = min(n, start + sizes[i % len(sizes)])
        out.append((start, stop))
        start, i = stop, i + 1
    return out
