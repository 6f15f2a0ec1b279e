"""``HlsSettings``: how a Keras model becomes fixed-point firmware, as frozen, JSON-able settings.

Why apart from ``hls_adapter``: the settings are ours (written as
``hls_config.json`` in a pruned-model dir, chosen by ``fit``, read by
``generate``) and need neither hls4ml nor Keras; only ``hls_adapter`` turns
them into hls4ml's CamelCase config.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import DA, SOFTMAX_IMPLEMENTATIONS, STRATEGIES
from fpga_prune.errors import InputError
from fpga_prune.outdir import json_object, json_text

__all__ = [
    "DEFAULT_PART",
    "SETTINGS_FORMAT",
    "SOFTMAX_IMPLEMENTATIONS",
    "STRATEGIES",
    "HlsSettings",
    "LayerSettings",
    "to_fixed_type",
]

DEFAULT_PART = "xcu250-figd2104-2L-e"
SETTINGS_FORMAT = "fpga_prune.hls_settings/1"


def _check_precision(source: str, fld: str, text: str | None) -> None:
    if text is None or text == "auto":
        return
    try:
        to_fixed_type(text)
    except (ValueError, AttributeError):  # AttributeError: not a string (e.g. a JSON number)
        raise InputError(source, fld, f"not an ap_fixed/ap_int precision or 'auto': {text!r}") from None


def to_fixed_type(text: str) -> FixedType:
    """Parse our or hls4ml's spelling: ``ap_fixed<16,6>``, ``fixed<27,10,TRN,WRAP,0>``, ``ufixed<8,0,RND,SAT>``."""
    s = text.strip()
    if not s.startswith("ap_"):
        s = "ap_" + s
    m = re.match(r"^(ap_u?fixed|ap_u?int)\s*<([^>]*)>$", s)
    if not m:
        raise ValueError(f"not a fixed-point precision: {text!r}")
    args = [a.strip() for a in m.group(2).split(",") if a.strip()]
    fixed_args = []
    for a in args:
        if re.fullmatch(r"-?\d+", a):
            fixed_args.append(a)
        else:
            fixed_args.append(a if a.startswith("AP_") else "AP_" + a.upper())
    # hls4ml prints saturation_bits 0 explicitly; drop trailing 0 so str() is canonical
    if len(fixed_args) == 5 and fixed_args[4] == "0":
        fixed_args = fixed_args[:4]
    return FixedType.parse(f"{m.group(1)}<{','.join(fixed_args)}>")


@dataclass(frozen=True)
class LayerSettings:
    """Per-layer overrides (``None`` = use the model-wide setting / hls4ml's inference)."""

    weight: str | None = None
    bias: str | None = None
    result: str | None = None
    accum: str | None = None
    strategy: str | None = None
    reuse_factor: int | None = None
    table_size: int | None = None
    table_type: str | None = None
    softmax_implementation: str | None = None


@dataclass(frozen=True)
class HlsSettings:
    """How a Keras model becomes fixed-point firmware (Vitis backend, io_parallel).

    ``strategy`` (model-wide or per layer) is ``latency``, ``resource`` or
    ``distributed_arithmetic`` (hls4ml's name; Dense layers only, always
    reuse factor 1: a DA layer ignores a model-wide ``reuse_factor``).
    ``default_precision`` applies to inputs and to every weight/bias/result
    hls4ml does not infer; accumulators are inferred by hls4ml ('auto': wide
    enough never to round or overflow) unless a layer overrides ``accum``.
    """

    default_precision: str = "ap_fixed<16,6>"
    strategy: str = "latency"
    reuse_factor: int = 1
    io_type: str = "io_parallel"
    part: str = DEFAULT_PART
    clock_period_ns: float = 5.0
    table_size: int = 1024
    table_type: str | None = None  # None: hls4ml's default ap_fixed<18,8>
    softmax_implementation: str = "stable"
    input_precision: str | None = None  # None: default_precision
    layers: tuple[tuple[str, LayerSettings], ...] = ()

    def layer(self, name: str) -> LayerSettings:
        for n, s in self.layers:
            if n == name:
                return s
        return LayerSettings()

    def strategy_of(self, name: str) -> str:
        """Layer ``name``'s strategy (its override, else the model's)."""
        return self.layer(name).strategy or self.strategy

    def reuse_factor_of(self, name: str) -> int:
        """Layer ``name``'s reuse factor: 1 under distributed arithmetic (fully unrolled), else its setting."""
        if self.strategy_of(name) == DA:
            return 1
        return self.layer(name).reuse_factor or self.reuse_factor

    def with_layer(self, name: str, **overrides: Any) -> HlsSettings:
        """A copy with ``overrides`` merged into layer ``name``'s settings."""
        merged = replace(self.layer(name), **overrides)
        rest = tuple((n, s) for n, s in self.layers if n != name)
        return replace(self, layers=tuple(sorted(rest + ((name, merged),))))

    def validate(self, source: str = "hls settings") -> HlsSettings:
        _check_precision(source, "default_precision", self.default_precision)
        if self.default_precision == "auto":
            raise InputError(source, "default_precision", "must be an explicit precision, not 'auto'")
        _check_precision(source, "input_precision", self.input_precision)
        _check_precision(source, "table_type", self.table_type)
        if self.strategy not in STRATEGIES:
            raise InputError(source, "strategy", f"{self.strategy!r} is not one of {', '.join(STRATEGIES)}")
        if self.io_type != "io_parallel":
            raise InputError(source, "io_type", f"only io_parallel is supported, got {self.io_type!r}")
        if not isinstance(self.reuse_factor, int) or isinstance(self.reuse_factor, bool) or self.reuse_factor < 1:
            raise InputError(source, "reuse_factor", f"must be an integer >= 1, got {self.reuse_factor!r}")
        if self.strategy == DA and self.reuse_factor != 1:
            raise InputError(
                source,
                "reuse_factor",
                f"must be 1 with strategy {DA} (fully unrolled adder graphs), got {self.reuse_factor!r}",
            )
        if not (isinstance(self.table_size, int) and self.table_size >= 2):
            raise InputError(source, "table_size", f"must be an integer >= 2, got {self.table_size!r}")
        if not (isinstance(self.clock_period_ns, (int, float)) and self.clock_period_ns > 0):
            raise InputError(source, "clock_period_ns", f"must be > 0, got {self.clock_period_ns!r}")
        if self.softmax_implementation not in SOFTMAX_IMPLEMENTATIONS:
            raise InputError(
                source,
                "softmax_implementation",
                f"{self.softmax_implementation!r} is not one of {', '.join(SOFTMAX_IMPLEMENTATIONS)}",
            )
        for name, ls in self.layers:
            where = f"layers.{name}"
            for k in ("weight", "bias", "result", "accum", "table_type"):
                _check_precision(source, f"{where}.{k}", getattr(ls, k))
            if ls.strategy is not None and ls.strategy not in STRATEGIES:
                raise InputError(source, f"{where}.strategy", f"{ls.strategy!r} is not one of {', '.join(STRATEGIES)}")
            if ls.reuse_factor is not None and (not isinstance(ls.reuse_factor, int) or ls.reuse_factor < 1):
                raise InputError(source, f"{where}.reuse_factor", f"must be an integer >= 1, got {ls.reuse_factor!r}")
            if ls.strategy == DA and ls.reuse_factor not in (None, 1):
                raise InputError(
                    source, f"{where}.reuse_factor", f"must be 1 with strategy {DA}, got {ls.reuse_factor!r}"
                )
            if ls.table_size is not None and (not isinstance(ls.table_size, int) or ls.table_size < 2):
                raise InputError(source, f"{where}.table_size", f"must be an integer >= 2, got {ls.table_size!r}")
            if ls.softmax_implementation is not None and ls.softmax_implementation not in SOFTMAX_IMPLEMENTATIONS:
                raise InputError(
                    source,
                    f"{where}.softmax_implementation",
                    f"{ls.softmax_implementation!r} is not one of {', '.join(SOFTMAX_IMPLEMENTATIONS)}",
                )
        return self

    def to_json(self) -> str:
        doc = asdict(self)
        doc["layers"] = {n: {k: v for k, v in asdict(s).items() if v is not None} for n, s in self.layers}
        doc["format"] = SETTINGS_FORMAT
        return json_text(doc, indent=1)

    @classmethod
    def from_json(cls, text: str, source: str = "hls_config.json") -> HlsSettings:
        doc = json_object(text, source)
        fmt = doc.pop("format", SETTINGS_FORMAT)
        if fmt != SETTINGS_FORMAT:
            raise InputError(source, "format", f"expected {SETTINGS_FORMAT!r}, got {fmt!r}")
        known = {f for f in cls.__dataclass_fields__}
        for k in doc:
            if k not in known:
                raise InputError(source, k, f"unknown setting (valid: {', '.join(sorted(known))})")
        layer_fields = set(LayerSettings.__dataclass_fields__)
        layers = []
        raw_layers = doc.pop("layers", {}) or {}
        if not isinstance(raw_layers, dict):
            raise InputError(source, "layers", "expected an object of layer name -> settings")
        for name, d in sorted(raw_layers.items()):
            if not isinstance(d, dict):
                raise InputError(source, f"layers.{name}", "expected an object")
            for k in d:
                if k not in layer_fields:
                    raise InputError(
                        source,
                        f"layers.{name}.{k}",
                        f"unknown layer setting (valid: {', '.join(sorted(layer_fields))})",
                    )
            layers.append((name, LayerSettings(**d)))
        return cls(**doc, layers=tuple(layers)).validate(source)

    def write(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json())

    @classmethod
    def read(cls, path: str | Path) -> HlsSettings:
        p = Path(path)
        try:
            text = p.read_text()
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(p, None, f"cannot read ({getattr(e, 'strerror', None) or type(e).__name__})") from None
        return cls.from_json(text, str(p))
