"""Reading the files hls4ml writes: its YAML config, the C++ typedefs, defines and config structs, weights.

Why a module of its own: ``hls_project`` turns a firmware directory into the
IR; the text it parses (``typedef ap_fixed<16,6> layer2_t;``, ``struct config2
: nnet::dense_config {...}``, ``#define N_INPUT_1_1 16``, weight text and
header literals) is a job of its own, and the tool of every reader of hls4ml
output (the project importer, the top-signature reader, the C simulation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from fpga_prune.arith import fixed
from fpga_prune.arith.fixed import FixedType
from fpga_prune.errors import InputError
from fpga_prune.hls.settings import to_fixed_type


class _Loader(yaml.SafeLoader):
    """hls4ml_config.yml holds ``!keras_model`` tags and, written from a PyTorch model,
    ``!!python/tuple`` shapes; their values are plain strings and lists to us (nothing is
    constructed as a Python object)."""


def _plain(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> object:
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    return loader.construct_scalar(node)


_Loader.add_multi_constructor("!", _plain)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _plain)


def read_yaml(path: Path) -> dict:
    """``hls4ml_config.yml`` as plain dicts and lists (an empty dict when it is not a mapping)."""
    try:
        doc = yaml.load(path.read_text(errors="replace"), Loader=_Loader)
    except yaml.YAMLError as exc:
        raise InputError(path, None, f"not valid YAML ({str(exc).splitlines()[0]})") from None
    return doc if isinstance(doc, dict) else {}


def strip_comments(text: str) -> str:
    """C++ text without its ``/* ... */`` comments (hls4ml writes commented-out code in them)."""
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


#: blocks of a top function that only the C simulation compiles: hls4ml's weight loading and, with
#: ``Trace: True``, ``nnet::save_layer_output(layerN_out, ...)`` after each layer (0.5-0.8 under
#: ``#ifndef __SYNTHESIS__``, 1.x also under ``#ifdef __HLS4ML_LOAD_TXT_WEIGHTS__``)
_HOST_ONLY = re.compile(r"#\s*if(?:ndef\s+__SYNTHESIS__|def\s+__HLS4ML_LOAD_TXT_WEIGHTS__)\b.*?#\s*endif", re.S)


def synthesized(text: str) -> str:
    """A top function's source without its host-only blocks: what synthesis sees (the layer calls)."""
    return _HOST_ONLY.sub("", text)


def weight_arguments(top_text: str, names: list[str]) -> list[str]:
    """Which of the top function's argument ``names`` its layer calls take as weights.

    Why: some hand-made hls4ml 0.x tops pass ``model_default_t w2[216]`` in as arguments (to load weights
    at run time); such an array is neither the network's input nor an output.  Weights are the arguments
    after (input, output) of a call with weight and bias (``dense(x, y, w, b)``, ``normalize(x, y, s, b)``);
    a merge's third argument (``add(a, b, y)``) is its output.
    """
    used: set[str] = set()
    for m in re.finditer(r"nnet::\w+\s*<[^;]*?>\s*\(([^;]*?)\)\s*;", synthesized(top_text)):
        args = [a.strip() for a in split_args(m.group(1))]
        if len(args) >= 4:
            used.update(args[2:])
    return [n for n in names if n in used]


def read_typedefs(text: str) -> dict[str, str]:
    """``typedef SPELLING name;`` -> {name: spelling}."""
    return {m.group(2): m.group(1).strip() for m in re.finditer(r"typedef\s+([^;]+?)\s+(\w+)\s*;", text)}


def read_defines(text: str) -> dict[str, str]:
    """``#define NAME VALUE`` and ``[inline] constexpr int NAME = VALUE;`` (hls4ml 1.x namespaces) -> {name: value}."""
    # the rest of the line without a // comment (N_A * N_B); a define without a value (an include guard) has none
    out = {
        m.group(1): re.sub(r"//.*", "", m.group(2)).strip()
        for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+([^\n]+)", text, re.M)
    }
    for m in re.finditer(
        r"^[ \t]*(?:inline\s+)?constexpr\s+(?:unsigned\s+|signed\s+)?(?:int|long|size_t|unsigned)?\s*"
        r"(\w+)\s*=\s*([^;]+);",
        text,
        re.M,
    ):
        out.setdefault(m.group(1), m.group(2).strip())
    return out


#: hls4ml's io_stream element type: ``nnet::array<ap_fixed<16,6>, 6*1>`` (``nnet_types.h``), a pack of N values
#: moved through an ``hls::stream`` as one word
_NNET_ARRAY = re.compile(r"(?:nnet::)?array\s*<\s*(.+)\s*,\s*([\w* ]+?)\s*>")


def nnet_array(spelling: str) -> tuple[str, str] | None:
    """(element spelling, pack size text) of ``nnet::array<T, N>``, else None."""
    m = _NNET_ARRAY.fullmatch(spelling.strip())
    return (m.group(1).strip(), m.group(2).strip()) if m else None


class TypeTable:
    """Typedef names -> FixedType, following chains (``typedef fc1_accum_t accum_t``).

    An io_stream pack ``nnet::array<T, N>`` resolves to its element type ``T`` (what every element
    computes in); :meth:`pack_size` gives its ``N``."""

    def __init__(self, table: dict[str, str], source: Path) -> None:
        self.table, self.source = table, source

    def _follow(self, name: str, local: dict[str, str] | None = None) -> str:
        seen = 0
        spelling = name.strip()
        while seen < 16:
            if local and spelling in local:
                spelling, local = local[spelling], None
            elif spelling in self.table:
                spelling = self.table[spelling]
            else:
                break
            seen += 1
        return spelling

    def pack_size(self, name: str) -> str | None:
        """The ``N`` of ``name`` when it is (a typedef of) an io_stream pack ``nnet::array<T, N>``, else None."""
        arr = nnet_array(self._follow(name))
        return arr[1] if arr else None

    def resolve(self, name: str, local: dict[str, str] | None = None, where: str = "") -> FixedType:
        spelling = self._follow(name, local)
        arr = nnet_array(spelling)
        if arr is not None:
            spelling = self._follow(arr[0])
        try:
            return to_fixed_type(spelling)
        except ValueError:
            raise InputError(
                self.source, where or name, f"type {spelling!r} is not an ap_fixed/ap_int type this tool models"
            ) from None


@dataclass(frozen=True)
class Symbols:
    """The typedefs and integer defines of a firmware directory, wherever the hls4ml version put them.

    Later hls4ml writes sizes and typedefs in ``defines.h``; early 0.x wrote both in
    ``parameters.h`` (no ``defines.h``), 1.x with a namespace as ``constexpr`` integers, and
    the top's header or a user's own header may hold more.  Every top-level ``*.h`` of
    ``firmware/`` is read; ``parameters.h`` wins over ``defines.h`` wins over the others.
    """

    types: TypeTable
    defines: dict[str, str]
    source: Path  # the file a missing type or size is reported against

    def size(self, value: str, where: str, source: Path | None = None) -> int:
        """``value`` as an integer (literal, define or product), else a one-line InputError."""
        try:
            return define_int(value, self.defines)
        except ValueError:
            raise InputError(
                source or self.source,
                where,
                f"{value!r} is not an integer, nor a #define/constexpr of one found in the firmware's headers",
            ) from None


def read_symbols(fw: Path) -> Symbols:
    """The :class:`Symbols` of ``fw`` (the project's ``firmware/``)."""
    canonical = [fw / "defines.h", fw / "parameters.h"]
    others = [f for f in sorted(fw.glob("*.h")) if f not in canonical]
    typedefs: dict[str, str] = {}
    defines: dict[str, str] = {}
    for f in others + canonical:
        if f.is_file():
            text = strip_comments(f.read_text(errors="replace"))
            typedefs.update(read_typedefs(text))
            defines.update(read_defines(text))
    source = next((f for f in canonical if f.is_file()), fw / "parameters.h")
    return Symbols(TypeTable(typedefs, source), defines, source)


def define_int(value: str, defines: dict[str, str]) -> int:
    """An integer as hls4ml writes sizes: a literal, a define, or a product of them."""
    v = value.strip()
    for _ in range(8):
        if v in defines:
            v = defines[v]
    try:
        return int(v)
    except ValueError:
        # a product of numbers and defines, as hls4ml writes sizes: 5*5, N_INPUT_1_1*N_INPUT_2_1
        factors = [f.strip() for f in v.split("*")]
        if len(factors) > 1 and all(f for f in factors):
            out = 1
            for f in factors:
                out *= define_int(f, defines)
            return out
        raise


@dataclass(frozen=True)
class ConfigStruct:
    """One ``struct configN : nnet::..._config {...}`` of ``parameters.h``."""

    name: str  # struct name, e.g. config2
    layer: str  # the comment naming the layer above the struct, else the struct name
    values: dict[str, str]
    types: dict[str, str]


def read_configs(text: str) -> dict[str, ConfigStruct]:
    """Every config struct of ``parameters.h`` by struct name."""
    out = {}
    pat = re.compile(
        r"(?://\s*(?P<layer>\S+)\s*\n\s*)?struct\s+(?P<name>\w+)\s*:\s*(?:public\s+)?nnet::\w+\s*\{"
        r"(?P<body>.*?)\n\s*\};",
        re.S,
    )
    for m in pat.finditer(text):
        body = m.group("body")
        values = {
            k: v.strip()
            for k, v in re.findall(r"static\s+(?:const|constexpr)\s+(?:const\s+)?[\w:]+\s+(\w+)\s*=\s*([^;]+);", body)
        }
        out[m.group("name")] = ConfigStruct(
            m.group("name"), m.group("layer") or m.group("name"), values, read_typedefs(body)
        )
    return out


def split_args(text: str) -> list[str]:
    """A C++ argument list split at top-level commas (not inside ``<...>`` template arguments)."""
    args, depth, cur = [], 0, ""
    for ch in text:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        if ch == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        args.append(cur.strip())
    return args


def _read_floats(path: Path) -> np.ndarray:
    text = path.read_text(errors="replace")
    if path.suffix == ".h":
        m = re.search(r"#else.*?=\s*\{(.*?)\}\s*;", text, re.S) or re.search(r"=\s*\{(.*?)\}\s*;", text, re.S)
        if not m:
            raise InputError(path, None, "no initializer list {...} found")
        text = m.group(1)
    else:
        text = text.splitlines()[0] if text else ""  # load_weights_from_txt reads one line
    try:
        return np.array([float(t) for t in text.split(",") if t.strip()], dtype=np.float64)
    except ValueError as exc:
        raise InputError(path, None, f"not a list of numbers ({exc})") from None


def read_weights(weights_dir: Path, var: str, t: FixedType, size: int) -> np.ndarray:
    """Raw values of weight array ``var`` as the C++ holds them (double text -> ``t``)."""
    for cand in (weights_dir / f"{var}.txt", weights_dir / f"{var}.h"):
        if cand.is_file():
            vals = _read_floats(cand)
            if vals.size != size:
                raise InputError(cand, None, f"{vals.size} values, the layer needs {size}")
            return np.asarray(fixed.from_float(vals, t), dtype=np.int64)
    raise InputError(weights_dir, var, "weight file not found (neither .txt nor .h)")
