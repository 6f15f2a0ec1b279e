"""Boards (FPGA parts with their resource counts) and the budget caps applied to them.

Why YAML files and not a Python table: users add their own board by writing one
file (``--board path/to/board.yaml``) in exactly the format of the shipped ones
in ``boards/``; the shipped registry is simply those files.  Every field is
validated and a bad one is reported in one line naming the file and the field.

Why the interface fields: ``interface`` is what ``generate`` wraps the network
in when ``--interface`` is not given (axi-stream on Zynq and Kria boards,
vitis-kernel on Alveo cards, none elsewhere); ``ps`` (the processing system's
Vivado IP, zynq or zynq_ultra) and ``dma_width`` (the AXI DMA's stream width in
bits) are what the AXI-Stream wrapper, its block design and its driver need
(the AXI-Lite top, ``--interface axi-lite``, needs only ``ps``: no DMA),
``vivado_board`` the Vivado board part whose preset configures the PS.
``platform`` (the Vitis platform ``v++`` links against), ``memory`` (the bank
the kernel's buffers sit in, ``HBM[0]``/``DDR[0]``) and ``m_axi_width`` (the
kernel's memory-port width in bits) are what the Vitis kernel needs; its clock
is the board's ``clock_period_ns`` (one fact: the kernel is built and linked
at it).  All are optional, so a user's board file from before them still loads
(interface none).

Why caps: a design that uses 100% of a resource never closes timing.  The
defaults follow FINN's build-flow resource limits (80% of DSP/BRAM/URAM, 70% of
LUT, 50% of FF) and are overridable per run (``--cap dsp=0.6``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, TypedDict

import yaml

from fpga_prune.errors import InputError
from fpga_prune.resources import asset_dir

#: Device families whose DSP/BRAM architecture the estimator knows.
FAMILIES = ("7series", "ultrascale", "ultrascale+")

#: The resource fields every board file carries, in display order.
RESOURCES = ("dsp", "bram18k", "uram", "lut", "ff")

_STR_FIELDS = ("name", "part", "family", "source")
_INT_FIELDS = RESOURCES
_ALL_FIELDS = _STR_FIELDS[:3] + RESOURCES + ("clock_period_ns", "dsp_width", "source")
#: optional fields (absent: interface none, no processing system)
_SOC_FIELDS = ("interface", "ps", "dma_width", "vivado_board", "platform", "memory", "m_axi_width")

#: ``--interface`` values that are built: what ``generate`` can wrap the network in
INTERFACES = ("axi-stream", "axi-lite", "vitis-kernel", "none")
#: interfaces of issue 21 that are not built yet: refused by name (none left)
PLANNED_INTERFACES: tuple[str, ...] = ()
#: processing systems the block designs know (Vivado IP processing_system7 / zynq_ultra_ps_e)
PS_TYPES = ("zynq", "zynq_ultra")
#: AXI DMA stream widths the wrapper packs into (bits)
DMA_WIDTHS = (32, 64, 128, 256, 512, 1024)
#: Vitis kernel m_axi data widths (bits): AXI4 up to the 512 bits of an Alveo memory port
M_AXI_WIDTHS = (32, 64, 128, 256, 512)
#: a Vitis memory bank as ``v++ --connectivity.sp`` names it: HBM[0], DDR[1], PLRAM[0], HBM[0:3]
_MEMORY_RE = re.compile(r"^(HBM|DDR|PLRAM)\[\d+(:\d+)?\]$")
_WIDTH_RE = re.compile(r"^\s*(\d+)\s*[xX*]\s*(\d+)\s*$")


class BoardDoc(TypedDict):
    """``Board.to_dict``: a board file's fields, ``dsp_width`` spelled ``27x18`` as in the YAML."""

    name: str
    part: str
    family: str
    dsp: int
    bram18k: int
    uram: int
    lut: int
    ff: int
    clock_period_ns: float
    dsp_width: str
    source: str


@dataclass(frozen=True)
class Board:
    """One FPGA part on one board: what the estimator compares a design against."""

    name: str
    part: str
    family: str
    dsp: int
    bram18k: int
    uram: int
    lut: int
    ff: int
    clock_period_ns: float
    dsp_width: tuple[int, int]  # signed multiplier operand widths (a, b), a >= b
    source: str
    interface: str = "none"  # the default of generate --interface
    ps: str | None = None  # PS_TYPES; None: no processing system
    dma_width: int | None = None  # AXI DMA stream width in bits
    vivado_board: str | None = (
        None  # Vivado board part pattern (the PS's DDR/MIO preset), e.g. xilinx.com:zcu104:part0:*
    )
    platform: str | None = None  # Vitis platform of v++ --platform, e.g. xilinx_u55c_gen3x16_xdma_3_202210_1
    memory: str | None = None  # the bank of the kernel's buffers (v++ sp=), e.g. HBM[0]
    m_axi_width: int | None = None  # the Vitis kernel's m_axi data width in bits

    @property
    def clock_mhz(self) -> float:
        return 1000.0 / self.clock_period_ns

    def available(self) -> dict[str, int]:
        """Resource name -> count on the device."""
        return {r: int(getattr(self, r)) for r in RESOURCES}

    def to_dict(self) -> BoardDoc:
        return {
            "name": self.name,
            "part": self.part,
            "family": self.family,
            "dsp": self.dsp,
            "bram18k": self.bram18k,
            "uram": self.uram,
            "lut": self.lut,
            "ff": self.ff,
            "clock_period_ns": self.clock_period_ns,
            "dsp_width": f"{self.dsp_width[0]}x{self.dsp_width[1]}",
            "source": self.source,
        }

    def soc_dict(self) -> dict[str, object]:
        """The interface fields (kept out of :meth:`to_dict`, whose digest the prune step and manifests record)."""
        return {
            "interface": self.interface,
            "ps": self.ps,
            "dma_width": self.dma_width,
            "vivado_board": self.vivado_board,
            "platform": self.platform,
            "memory": self.memory,
            "m_axi_width": self.m_axi_width,
        }


def check_interface(value: str, where: str = "--interface") -> str:
    """A built interface name; a planned one (``PLANNED_INTERFACES``) or an unknown one -> one-line InputError."""
    if value in PLANNED_INTERFACES:
        raise InputError(
            where, None, f"interface {value!r} is not built yet (issue 21); valid: {', '.join(INTERFACES)}"
        )
    if value not in INTERFACES:
        raise InputError(where, None, f"unknown interface {value!r}; valid: {', '.join(INTERFACES)}")
    return value


def resolve_interface(board: Board, interface: str | None) -> str:
    """The interface a design on ``board`` gets: ``interface`` (``--interface``), else the board's default;
    refused when the board lacks what it needs."""
    chosen = interface or board.interface
    require_interface(board, chosen)
    return chosen


def require_interface(board: Board, interface: str) -> None:
    """An interface needs its board fields: axi-stream the processing system and DMA width, axi-lite the
    processing system (no DMA), vitis-kernel the Vitis platform, memory bank and m_axi width; a board without
    them is refused."""
    if interface == "vitis-kernel":
        if board.platform is None or board.memory is None or board.m_axi_width is None:
            raise InputError(
                "--interface",
                None,
                f"vitis-kernel needs an Alveo board with a Vitis platform; {board.name} has no "
                "'platform'/'memory'/'m_axi_width' in its board file (use --interface none)",
            )
        return
    if interface == "axi-lite" and board.ps is None:
        raise InputError(
            "--interface",
            None,
            f"axi-lite needs a board with a processing system; {board.name} has no 'ps' in its board file "
            "(use --interface none)",
        )
    if interface == "axi-stream" and (board.ps is None or board.dma_width is None):
        raise InputError(
            "--interface",
            None,
            f"{interface} needs a board with a processing system; {board.name} has no 'ps'/'dma_width' "
            "in its board file (use --interface none)",
        )


@dataclass(frozen=True)
class Caps:
    """Fraction of each resource a design may use (timing-closure headroom).

    ``bram`` caps BRAM_18K; the names are the ones users type in ``--cap``.
    """

    dsp: float = 0.8
    bram: float = 0.8
    uram: float = 0.8
    lut: float = 0.7
    ff: float = 0.5
    #: (resource, amount) taken from the capped budget before the network: what wraps it on the board (the
    #: interface's wrapper, DMA and interconnects, ``estimate.interface``), which must fit beside it
    reserved: tuple[tuple[str, int], ...] = ()

    def fraction(self, resource: str) -> float:
        """Cap for a board resource name (``bram18k`` maps to ``bram``)."""
        return float(getattr(self, "bram" if resource == "bram18k" else resource))

    def budget(self, board: Board) -> dict[str, int]:
        """Resource name -> the most a design may use on ``board`` (floor of cap x available, less ``reserved``)."""
        held = dict(self.reserved)
        return {r: int(math.floor(self.fraction(r) * n + 1e-9)) - held.get(r, 0) for r, n in board.available().items()}

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = asdict(self)
        if self.reserved:
            doc["reserved"] = dict(self.reserved)
        else:  # a run without a wrapper records what it always did
            del doc["reserved"]
        return doc


DEFAULT_CAPS = Caps()
_CAP_KEYS = tuple(f.name for f in fields(Caps) if f.name != "reserved")
_CAP_ALIASES = {"bram18k": "bram", "bram_18k": "bram"}


def parse_caps(items: Iterable[str] | None, base: Caps = DEFAULT_CAPS) -> Caps:
    """``["dsp=0.6", "lut=0.5,ff=0.4"]`` -> ``Caps``; unknown key or bad value -> InputError."""
    changes: dict[str, Any] = {}
    for item in items or ():
        for part in str(item).split(","):
            part = part.strip()
            if not part:
                continue
            key, sep, value = part.partition("=")
            key = key.strip().lower()
            key = _CAP_ALIASES.get(key, key)
            if not sep:
                raise InputError("--cap", part, "expected RESOURCE=FRACTION, e.g. dsp=0.6")
            if key not in _CAP_KEYS:
                raise InputError("--cap", f"cap {key!r}", f"unknown resource; valid: {', '.join(_CAP_KEYS)}")
            try:
                frac = float(value)
            except ValueError:
                raise InputError("--cap", f"cap {key}", f"must be a number in (0, 1], got {value.strip()!r}") from None
            if not (0.0 < frac <= 1.0) or math.isnan(frac):
                raise InputError("--cap", f"cap {key}", f"must be a number in (0, 1], got {value.strip()}")
            changes[key] = frac
    return replace(base, **changes)


# --------------------------------------------------------------------------- loading


def _registry_dir() -> Path:
    return Path(str(asset_dir("boards")))


def _registry() -> dict[str, Path]:
    """Shipped board name (file stem) -> file."""
    return {p.stem: p for p in sorted(_registry_dir().glob("*.yaml"))}


def board_names() -> list[str]:
    return sorted(_registry())


def _fail(path: object, field: str | None, message: str) -> InputError:
    return InputError(path, None if field is None else f"field {field}", message)


def _check_int(path: object, key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(path, key, f"must be a non-negative integer, got {value!r}")
    return int(value)


def _check_str(path: object, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, key, f"must be a non-empty string, got {value!r}")
    return " ".join(value.split()) if key == "source" else value.strip()


def _check_width(path: object, value: object) -> tuple[int, int]:
    pair: list[object] | None = None
    if isinstance(value, str):
        m = _WIDTH_RE.match(value)
        if m:
            pair = [int(m.group(1)), int(m.group(2))]
    elif isinstance(value, (list, tuple)) and len(value) == 2:
        pair = list(value)
    ints = [v for v in pair or () if isinstance(v, int) and not isinstance(v, bool) and v >= 2]
    if pair is None or len(ints) != len(pair):
        raise _fail(path, "dsp_width", f"must look like 27x18 (two integers >= 2), got {value!r}")
    a, b = sorted((int(ints[0]), int(ints[1])), reverse=True)
    return (a, b)


def check_clock_ns(value: object, source: object, fld: str | None) -> float:
    """A clock period in ns (a board's ``clock_period_ns``, ``--clock``): finite, > 0 and < 1000 (1 MHz)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 < value < 1000) or math.isnan(value):
        raise InputError(source, fld, f"must be a positive number of nanoseconds (< 1000), got {value!r}")
    return float(value)


def at_clock(board: Board, clock_ns: float | None) -> Board:
    """``board`` with the design built at ``clock_ns`` (``--clock``) instead of its own period; None keeps it.

    Why a copy of the board: every clock-dependent rule of the estimator reads ``board.clock_period_ns``,
    and the board (clock included) is what budgets, step hashes and reports record.
    """
    return board if clock_ns is None else replace(board, clock_period_ns=float(clock_ns))


def board_from_mapping(doc: object, path: object) -> Board:
    """Validate a parsed board document; ``path`` only names the source in errors."""
    if not isinstance(doc, Mapping):
        raise InputError(path, None, f"must be a YAML mapping of board fields, got {type(doc).__name__}")
    unknown = sorted(str(k) for k in doc if k not in _ALL_FIELDS + _SOC_FIELDS)
    if unknown:
        raise _fail(path, unknown[0], f"unknown field; valid fields: {', '.join(_ALL_FIELDS + _SOC_FIELDS)}")
    for key in _ALL_FIELDS:
        if key not in doc or doc[key] is None:
            raise _fail(path, key, "missing")
    strs = {k: _check_str(path, k, doc[k]) for k in _STR_FIELDS}
    if strs["family"] not in FAMILIES:
        raise _fail(path, "family", f"must be one of {', '.join(FAMILIES)}, got {strs['family']!r}")
    ints = {key: _check_int(path, key, doc[key]) for key in _INT_FIELDS}
    clock = check_clock_ns(doc["clock_period_ns"], path, "field clock_period_ns")
    interface, ps, dma_width = _soc_fields(doc, path)
    platform, memory, m_axi_width = _kernel_fields(doc, path, interface)
    return Board(
        name=strs["name"],
        part=strs["part"],
        family=strs["family"],
        dsp=ints["dsp"],
        bram18k=ints["bram18k"],
        uram=ints["uram"],
        lut=ints["lut"],
        ff=ints["ff"],
        clock_period_ns=float(clock),
        dsp_width=_check_width(path, doc["dsp_width"]),
        source=strs["source"],
        interface=interface,
        ps=ps,
        dma_width=dma_width,
        vivado_board=None if doc.get("vivado_board") is None else _check_str(path, "vivado_board", doc["vivado_board"]),
        platform=platform,
        memory=memory,
        m_axi_width=m_axi_width,
    )


def _soc_fields(doc: Mapping[object, object], path: object) -> tuple[str, str | None, int | None]:
    """``interface``, ``ps``, ``dma_width``: optional; an AXI interface needs the other two."""
    interface = doc.get("interface", "none")
    if not isinstance(interface, str):
        raise _fail(path, "interface", f"must be one of {', '.join(INTERFACES)}, got {interface!r}")
    try:
        check_interface(interface)
    except InputError as exc:
        raise _fail(path, "interface", exc.detail) from None
    ps = doc.get("ps")
    if ps is not None and ps not in PS_TYPES:
        raise _fail(path, "ps", f"must be one of {', '.join(PS_TYPES)}, got {ps!r}")
    width = doc.get("dma_width")
    if width is not None and (isinstance(width, bool) or width not in DMA_WIDTHS):
        raise _fail(path, "dma_width", f"must be one of {', '.join(map(str, DMA_WIDTHS))} (bits), got {width!r}")
    if interface == "axi-stream" and (ps is None or width is None):
        raise _fail(path, "ps" if ps is None else "dma_width", f"missing (interface {interface} needs it)")
    if interface == "axi-lite" and ps is None:
        raise _fail(path, "ps", f"missing (interface {interface} needs it)")
    return interface, None if ps is None else str(ps), None if width is None else int(width)


def _kernel_fields(
    doc: Mapping[object, object], path: object, interface: str
) -> tuple[str | None, str | None, int | None]:
    """``platform``, ``memory``, ``m_axi_width``: optional; interface vitis-kernel needs all three."""
    platform = None if doc.get("platform") is None else _check_str(path, "platform", doc["platform"])
    memory = doc.get("memory")
    if memory is not None and (not isinstance(memory, str) or not _MEMORY_RE.match(memory)):
        raise _fail(path, "memory", f"must be a Vitis memory bank like HBM[0] or DDR[0], got {memory!r}")
    width = doc.get("m_axi_width")
    if width is not None and (isinstance(width, bool) or width not in M_AXI_WIDTHS):
        raise _fail(path, "m_axi_width", f"must be one of {', '.join(map(str, M_AXI_WIDTHS))} (bits), got {width!r}")
    if interface == "vitis-kernel":
        for key, value in (("platform", platform), ("memory", memory), ("m_axi_width", width)):
            if value is None:
                raise _fail(path, key, f"missing (interface {interface} needs it)")
    return platform, None if memory is None else str(memory), None if width is None else int(width)


def load_board_file(path: str | Path) -> Board:
    """Read and validate one board YAML file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(p, None, "no such board file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(p, None, f"cannot read board file ({exc.__class__.__name__})") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "parse error"
        raise InputError(p, None, f"not valid YAML{where}: {problem}") from None
    return board_from_mapping(doc, p)


def _looks_like_path(text: str) -> bool:
    return text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text or Path(text).is_file()


def load_board(name_or_path: str | Path) -> Board:
    """A shipped board by name (``pynq-z2``) or a user's board file by path."""
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or _looks_like_path(text):
        return load_board_file(text)
    registry = _registry()
    key = text.strip().lower()
    if key not in registry:
        raise InputError(
            "--board",
            None,
            f"unknown board {text!r}; valid: {', '.join(sorted(registry))} (or a path to a board .yaml file)",
        )
    return load_board_file(registry[key])


def list_boards() -> list[Board]:
    """Every shipped board, sorted by name."""
    return [load_board_file(p) for _, p in sorted(_registry().items())]


def _part_key(part: str) -> str:
    return re.sub(r"[^a-z0-9]", "", part.lower())


def family_of_part(part: str) -> str | None:
    """Device family from an AMD part name (xc7* 7-series; xcku/xcvu without 'p' UltraScale; rest UltraScale+)."""
    p = part.lower()
    if p.startswith("xc7"):
        return "7series"
    if re.match(r"xc(ku|vu)\d+-", p) or re.match(r"xc(ku|vu)0?\d{2,3}-", p):
        return "ultrascale"
    if re.match(r"xc(zu|ku\d+p|vu\d+p|u\d|k26|ve|vc|vm|vp|vh)", p) or "p-" in p:
        return "ultrascale+"
    return None


def speed_grade(part: str) -> int | None:
    """The speed grade of an AMD part name (``xc7z020clg400-1`` -> 1, ``xc7vx690t-3ffg1930`` -> 3,
    ``xcu250-figd2104-2L-e`` -> 2); None when the name carries none. Why: Vivado HLS picks its multiplier
    cores by it (``estimate.rules.RULES['mul_core_ff']``)."""
    p = part.lower()
    m = re.search(r"-(\d)l?(?:-[a-z])?$", p) or re.search(r"-(\d)[a-z]+\d+", p)
    return int(m.group(1)) if m else None


def board_for_part(part: str, clock_period_ns: float | None = None) -> Board:
    """A shipped board whose part matches ``part``, else a board of the part's family with unknown (0) resources.

    Why: an hls4ml project names its part, not a board; the estimate needs the
    family (DSP width, speed) and, when known, the device totals for utilization.
    """
    key = _part_key(part)
    for b in list_boards():
        if _part_key(b.part) == key:
            return replace(b, clock_period_ns=float(clock_period_ns or b.clock_period_ns))
    family = family_of_part(part)
    if family is None:
        raise InputError(
            "--part",
            None,
            f"unknown part family for {part!r} (expected an AMD xc7*, xcku*, xcvu*, xczu*, xcu* ... part)",
        )
    width = (25, 18) if family == "7series" else (27, 18)
    return Board(
        name=part,
        part=part,
        family=family,
        dsp=0,
        bram18k=0,
        uram=0,
        lut=0,
        ff=0,
        clock_period_ns=float(clock_period_ns or 5.0),
        dsp_width=width,
        source="family from the part name; device resources unknown (0)",
    )
