"""The one module that speaks hls4ml: settings -> CamelCase config -> ModelGraph -> FixedNetwork.

Why one module: hls4ml's config dicts (``Model``/``LayerName``/``Precision``,
CamelCase keys) and its types API change between releases; everything else in
fpga_prune sees ``HlsSettings`` (our frozen, JSON-able settings, written as
``hls_config.json`` in a pruned-model dir) and ``fpga_prune.ir.FixedNetwork``
(resolved fixed-point types, raw integer weights, lookup tables).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import math
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from fpga_prune import fixed
from fpga_prune.errors import InputError
from fpga_prune.fixed import FixedType
from fpga_prune.ir import ActivationLayer, DenseLayer, FixedNetwork, Layer

STRATEGIES = ("latency", "resource")
SOFTMAX_IMPLEMENTATIONS = ("stable", "latency", "legacy", "argmax")
DEFAULT_PART = "xcu250-figd2104-2L-e"
SETTINGS_FORMAT = "fpga_prune.hls_settings/1"


# ----------------------------------------------------------------------------- settings
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
        if not (isinstance(self.table_size, int) and self.table_size >= 2):
            raise InputError(source, "table_size", f"must be an integer >= 2, got {self.table_size!r}")
        if not (isinstance(self.clock_period_ns, (int, float)) and self.clock_period_ns > 0):
            raise InputError(source, "clock_period_ns", f"must be > 0, got {self.clock_period_ns!r}")
        if self.softmax_implementation not in SOFTMAX_IMPLEMENTATIONS:
            raise InputError(source, "softmax_implementation",
                             f"{self.softmax_implementation!r} is not one of {', '.join(SOFTMAX_IMPLEMENTATIONS)}")
        for name, ls in self.layers:
            where = f"layers.{name}"
            for k in ("weight", "bias", "result", "accum", "table_type"):
                _check_precision(source, f"{where}.{k}", getattr(ls, k))
            if ls.strategy is not None and ls.strategy not in STRATEGIES:
                raise InputError(source, f"{where}.strategy", f"{ls.strategy!r} is not one of {', '.join(STRATEGIES)}")
            if ls.reuse_factor is not None and (not isinstance(ls.reuse_factor, int) or ls.reuse_factor < 1):
                raise InputError(source, f"{where}.reuse_factor", f"must be an integer >= 1, got {ls.reuse_factor!r}")
            if ls.table_size is not None and (not isinstance(ls.table_size, int) or ls.table_size < 2):
                raise InputError(source, f"{where}.table_size", f"must be an integer >= 2, got {ls.table_size!r}")
            if ls.softmax_implementation is not None and ls.softmax_implementation not in SOFTMAX_IMPLEMENTATIONS:
                raise InputError(source, f"{where}.softmax_implementation",
                                 f"{ls.softmax_implementation!r} is not one of {', '.join(SOFTMAX_IMPLEMENTATIONS)}")
        return self

    def to_json(self) -> str:
        doc = asdict(self)
        doc["layers"] = {n: {k: v for k, v in asdict(s).items() if v is not None} for n, s in self.layers}
        doc["format"] = SETTINGS_FORMAT
        return json.dumps(doc, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "hls_config.json") -> HlsSettings:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(source, None, f"not valid JSON ({e.msg} at line {e.lineno})") from None
        if not isinstance(doc, dict):
            raise InputError(source, None, "expected a JSON object")
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
                    raise InputError(source, f"layers.{name}.{k}",
                                     f"unknown layer setting (valid: {', '.join(sorted(layer_fields))})")
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


# ----------------------------------------------------------------------------- hls4ml config
def _hls_precision(text: str) -> str:
    return text if text == "auto" else str(to_fixed_type(text))


def to_hls4ml_config(model, settings: HlsSettings) -> dict:
    """hls4ml's ``hls_config`` dict (granularity 'name') for ``model`` under ``settings``.

    Starts from ``hls4ml.utils.config_from_keras_model`` so QKeras quantizers
    give their own weight types and 'auto' types stay 'auto' for hls4ml to
    infer; then applies the model-wide and per-layer settings.
    """
    import hls4ml

    settings.validate()
    cfg = hls4ml.utils.config_from_keras_model(
        model, granularity="name", default_precision=_hls_precision(settings.default_precision),
        default_reuse_factor=settings.reuse_factor, backend="Vitis")
    cfg["Model"]["Strategy"] = settings.strategy.capitalize()
    cfg["Model"]["ReuseFactor"] = settings.reuse_factor
    layer_cfgs = cfg["LayerName"]
    known = set(layer_cfgs)
    for name, _ in settings.layers:
        if name not in known:
            raise InputError("hls settings", f"layers.{name}",
                             f"no such layer in the model (layers: {', '.join(sorted(known))})")
    class_of = {layer.name: type(layer).__name__ for layer in model.layers}
    for name, lc in layer_cfgs.items():
        ls = settings.layer(name)
        prec = lc.setdefault("Precision", {})
        if class_of.get(name) == "InputLayer" or name not in class_of and "weight" not in prec:
            if settings.input_precision is not None and class_of.get(name) == "InputLayer":
                prec["result"] = _hls_precision(settings.input_precision)
        if "ReuseFactor" in lc:
            lc["ReuseFactor"] = ls.reuse_factor or settings.reuse_factor
        if "weight" in prec:  # a layer with a kernel: strategy applies
            lc["Strategy"] = (ls.strategy or settings.strategy).capitalize()
            lc["ReuseFactor"] = ls.reuse_factor or settings.reuse_factor
        for key in ("weight", "bias", "result", "accum"):
            val = getattr(ls, key)
            if val is not None:
                prec[key] = _hls_precision(val)
        if "TableSize" in lc or "table" in prec:
            lc["TableSize"] = ls.table_size or settings.table_size
            ttype = ls.table_type or settings.table_type
            if ttype is not None:
                prec["table"] = _hls_precision(ttype)
        if class_of.get(name) == "Softmax" or _is_softmax_cfg(model, name):
            lc["Implementation"] = ls.softmax_implementation or settings.softmax_implementation
            lc["TableSize"] = ls.table_size or settings.table_size
            ttype = ls.table_type or settings.table_type
            if ttype is not None:
                prec["exp_table"] = _hls_precision(ttype)
                prec["inv_table"] = _hls_precision(ttype)
    return cfg


def _is_softmax_cfg(model, name: str) -> bool:
    """hls4ml splits ``Dense(activation='softmax')`` into a layer named ``<dense>_softmax``."""
    for layer in model.layers:
        act = getattr(layer, "activation", None)
        act_name = getattr(act, "__name__", None) or str(getattr(layer, "get_config", lambda: {})().get("activation"))
        if layer.name == name and type(layer).__name__ == "Activation" and act_name == "softmax":
            return True
        if name == f"{layer.name}_softmax" and act_name == "softmax":
            return True
    return False


def convert(model, settings: HlsSettings, output_dir: str | Path, part: str | None = None,
            clock_period: float | None = None):
    """Convert ``model`` to an hls4ml ``ModelGraph`` (Vitis backend, io_parallel); nothing is compiled."""
    import hls4ml

    cfg = to_hls4ml_config(model, settings)
    return hls4ml.converters.convert_from_keras_model(
        model, hls_config=cfg, output_dir=str(output_dir), backend="Vitis", io_type=settings.io_type,
        part=part or settings.part, clock_period=clock_period or settings.clock_period_ns)


# ----------------------------------------------------------------------------- ModelGraph -> IR
def _prec(p) -> FixedType:
    """An hls4ml precision object -> FixedType, via the C++ spelling the writer emits."""
    from hls4ml.model.types import ExponentPrecisionType, FixedPrecisionType, IntegerPrecisionType, XnorPrecisionType

    if isinstance(p, (XnorPrecisionType, ExponentPrecisionType)):
        raise InputError("hls4ml model", type(p).__name__, "binary/exponent (power-of-2) types are not supported")
    if isinstance(p, IntegerPrecisionType) and not isinstance(p, FixedPrecisionType):
        return FixedType(bool(p.signed), int(p.width), int(p.width))
    if isinstance(p, FixedPrecisionType):
        rnd = "AP_" + str(p.rounding_mode) if p.rounding_mode is not None else "AP_TRN"
        sat = "AP_" + str(p.saturation_mode) if p.saturation_mode is not None else "AP_WRAP"
        return FixedType(bool(p.signed), int(p.width), int(p.integer), rnd, sat, int(p.saturation_bits or 0))
    return to_fixed_type(str(p))


def _weight_raw(var, t: FixedType) -> np.ndarray:
    """Raw integers the C++ arrays hold: the writer's decimal strings parsed as double, cast to ``t``.

    hls4ml writes each weight as ``'{:.Ff}'.format(value)`` with F = the
    type's fractional bits; C++ (header literal or ``load_weights_from_txt``,
    which reads a double) converts that double with the type's own rounding
    and overflow modes.  Rounding the decimal string can cross a quantization
    step, so quantizing the float weight directly would be wrong.
    """
    vals = np.array([float(s) for s in var], dtype=np.float64)
    return np.asarray(fixed.from_float(vals, t), dtype=np.int64)


def _config_text(node) -> str:
    from hls4ml.backends import get_backend

    text = node.get_attr("config_cpp", None)
    if text:
        return text
    backend = get_backend("Vitis")
    tmpl = backend.get_layer_config_template(node) if hasattr(backend, "get_layer_config_template") else None
    if tmpl is None:
        for t in node.model.config.backend._templates.values() if hasattr(node.model.config.backend, "_templates") else []:
            if getattr(t, "name", "").endswith("config_template") and t.match(node):
                return t.format(node)
        from hls4ml.backends.vivado.passes.core_templates import (ActivationConfigTemplate, DenseConfigTemplate,
                                                                 SoftmaxConfigTemplate)

        for t in (SoftmaxConfigTemplate(), DenseConfigTemplate(), ActivationConfigTemplate()):
            if t.match(node):
                return t.format(node)
        return ""
    return tmpl.format(node)


def _cfg_value(text: str, key: str) -> str | None:
    m = re.search(rf"\b{key}\s*=\s*([^;]+);", text)
    return m.group(1).strip() if m else None


def _cfg_typedef(text: str, key: str) -> str | None:
    m = re.search(rf"typedef\s+(.+?)\s+{key}\s*;", text)
    return m.group(1).strip() if m else None


def network_from_hls(hls_model, name: str | None = None) -> FixedNetwork:
    """Read every resolved precision, weight and table of a converted hls4ml model."""
    layers: list[Layer] = []
    input_type: FixedType | None = None
    n_inputs = 0
    for node in hls_model.get_layers():
        cls = node.class_name
        if cls in ("InputLayer", "Input"):
            var = node.get_output_variable()
            input_type = _prec(var.type.precision)
            n_inputs = int(np.prod(var.shape))
            continue
        in_t = _prec(node.get_input_variable().type.precision)
        out_var = node.get_output_variable()
        out_t = _prec(out_var.type.precision)
        if cls == "Dense":
            w_var, b_var = node.get_weights("weight"), node.get_weights("bias")
            w_t, b_t = _prec(w_var.type.precision), _prec(b_var.type.precision)
            n_in, n_out = int(node.get_attr("n_in")), int(node.get_attr("n_out"))
            strategy = str(node.get_attr("strategy", "latency")).lower()
            if strategy not in STRATEGIES:
                raise InputError("hls4ml model", node.name, f"strategy {strategy!r} is not supported")
            from hls4ml.backends import get_backend

            ptype = get_backend("Vitis").product_type(node.get_input_variable().type.precision, w_var.type.precision)
            w = _weight_raw(w_var, w_t)
            if node.get_attr("_weights_transposed", False):
                w = w.reshape(n_out, n_in).T  # resource strategy stores the kernel transposed
            else:
                w = w.reshape(n_in, n_out)
            if ptype == "weight_ternary" and np.any(w == -2):
                raise InputError("hls4ml model", node.name, "ternary weight -2 is multiplied as +1 by hls4ml")
            if ptype not in ("mult", "weight_ternary"):
                raise InputError("hls4ml model", node.name, f"product {ptype!r} is not supported")
            layers.append(DenseLayer(
                name=node.name, input_type=in_t, weight_type=w_t, bias_type=b_t,
                accum_type=_prec(node.get_attr("accum_t").precision), result_type=out_t,
                weights=np.ascontiguousarray(w), biases=_weight_raw(b_var, b_t),
                strategy=strategy, reuse_factor=int(node.get_attr("reuse_factor", 1))))
        elif cls in ("Activation", "Softmax"):
            act = str(node.get_attr("activation")).lower()
            n = int(np.prod(out_var.shape))
            if act == "softmax":
                layers.append(_softmax_layer(node, in_t, out_t, n))
            elif act == "sigmoid":
                size = int(node.get_attr("table_size"))
                tt = _prec(node.get_attr("table_t").precision)
                layers.append(ActivationLayer(
                    name=node.name, activation="sigmoid", input_type=in_t, result_type=out_t, n=n,
                    tables={"sigmoid": sigmoid_table(size, tt)}, table_types={"sigmoid": tt},
                    params={"table_size": size}))
            elif act in ("relu", "linear"):
                layers.append(ActivationLayer(name=node.name, activation=act, input_type=in_t, result_type=out_t, n=n))
            else:
                raise InputError("hls4ml model", node.name, f"activation {act!r} is not supported")
        else:
            raise InputError("hls4ml model", node.name, f"layer class {cls!r} is not supported")
    if input_type is None:
        raise InputError("hls4ml model", None, "no input layer")
    return FixedNetwork(name=name or hls_model.config.get_project_name(), input_type=input_type,
                        n_inputs=n_inputs, layers=tuple(layers))


def _softmax_layer(node, in_t: FixedType, out_t: FixedType, n: int) -> ActivationLayer:
    text = _config_text(node)
    impl = (_cfg_value(text, "implementation") or "stable").split("::")[-1]
    if int(node.get_attr("n_inner", 1)) != 1 or int(node.get_attr("n_outer", 1)) != 1:
        raise InputError("hls4ml model", node.name, "multi-dimensional softmax is not supported")
    exp_size = int(_cfg_value(text, "exp_table_size"))
    inv_size = int(_cfg_value(text, "inv_table_size"))
    exp_scale = float(_cfg_value(text, "exp_scale") or 1.0)
    names = {}
    for key in ("exp_table_t", "inv_table_t", "accum_t", "inv_inp_t"):
        attr = node.get_attr(key)
        names[key] = _prec(attr.precision)
    typedef_acc = _cfg_typedef(text, "accum_t")
    if typedef_acc == "model_default_t":
        names["accum_t"] = _prec(node.model.config.backend.convert_precision_string(
            node.model.config.get_config_value("Model")["Precision"]["default"]))
    typedef_inv_inp = _cfg_typedef(text, "inv_inp_t")
    if typedef_inv_inp == "model_default_t":
        names["inv_inp_t"] = names["exp_table_t"]
    params: dict[str, int | str] = {
        "implementation": impl, "exp_table_size": exp_size, "inv_table_size": inv_size,
        "accum_type": str(names["accum_t"]), "inv_inp_type": str(names["inv_inp_t"]),
    }
    if impl == "legacy":
        tt = _prec(node.get_attr("table_t").precision) if node.get_attr("table_t", None) is not None \
            else FixedType(True, 18, 8)
        tables = {"exp": legacy_exp_table(exp_size, tt), "invert": legacy_invert_table(inv_size, tt)}
        ttypes = {"exp": tt, "invert": tt}
    else:
        if impl == "stable":
            norm_t = to_fixed_type(_cfg_typedef(text, "inp_norm_t"))
            params["inp_norm_type"] = str(norm_t)
            addr_t, negative = norm_t, True
        else:
            addr_t, negative = in_t, False
        tables = {"exp": exp_table(exp_size, addr_t, names["exp_table_t"], exp_scale, negative),
                  "invert": invert_table(inv_size, names["inv_inp_t"], names["inv_table_t"])}
        ttypes = {"exp": names["exp_table_t"], "invert": names["inv_table_t"]}
    if exp_scale != 1.0:
        params["exp_scale"] = repr(exp_scale)
    return ActivationLayer(name=node.name, activation="softmax", input_type=in_t, result_type=out_t, n=n,
                           tables=tables, table_types=ttypes, params=params)


# ----------------------------------------------------------------------------- tables (as the C++ computes them)
_LIBM = None


def _expf(x: np.ndarray) -> np.ndarray:
    """``std::exp(float)``: glibc's ``expf`` through ctypes (what g++ links), else numpy float32."""
    global _LIBM
    if _LIBM is None:
        try:
            lib = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
            lib.expf.restype = ctypes.c_float
            lib.expf.argtypes = [ctypes.c_float]
            _LIBM = lib
        except OSError:
            _LIBM = False
    x = np.asarray(x, dtype=np.float32)
    if _LIBM:
        return np.array([_LIBM.expf(float(v)) for v in x.ravel()], dtype=np.float32).reshape(x.shape)
    return np.exp(x)


def _float_to_fixed(x: np.ndarray, t: FixedType) -> np.ndarray:
    """``table_t(float)``: exact double of the float, then t's rounding/overflow; +-inf saturates or wraps to 0."""
    x = np.asarray(x, dtype=np.float64)
    inf = np.isinf(x)
    safe = np.where(inf, 0.0, x)
    out = np.asarray(fixed.from_float(safe, t), dtype=np.int64)
    if inf.any():
        if t.saturation == "AP_WRAP":
            sat = np.zeros_like(out)
        else:
            sat = np.where(x > 0, t.raw_max, -t.raw_max if t.saturation == "AP_SAT_SYM" else t.raw_min)
        out = np.where(inf, sat, out)
    return out


def sigmoid_table(n: int, table_t: FixedType) -> np.ndarray:
    """``init_sigmoid_table``: ``in_val = (float)(2*8.0*(ii - N/2.0)/N)``; ``1.0/(1+expf(-in))`` -> float -> table_t."""
    ii = np.arange(n, dtype=np.float64)
    in_val = (2 * 8.0 * (ii - float(n) / 2.0) / float(n)).astype(np.float32)
    e = _expf(-in_val)
    denom = (np.float32(1) + e).astype(np.float32)
    val = (1.0 / denom.astype(np.float64)).astype(np.float32)
    return _float_to_fixed(val, table_t)


def _real_from_idx(n: int, addr_t: FixedType) -> np.ndarray:
    """``softmax_real_val_from_idx``: index in the top ceil(log2 n) bits of addr_t, as float."""
    bits = int(math.ceil(math.log2(n))) if n > 1 else 0
    i = np.arange(n, dtype=np.int64)
    shift = addr_t.width - bits
    pattern = i << shift if shift >= 0 else i >> (-shift)
    pattern &= (1 << addr_t.width) - 1
    raw = pattern - (1 << addr_t.width) * ((pattern >> (addr_t.width - 1)) & 1) if addr_t.signed else pattern
    return fixed.to_float(raw, addr_t).astype(np.float32)


def exp_table(n: int, addr_t: FixedType, table_t: FixedType, exp_scale: float = 1.0,
              negative: bool = False) -> np.ndarray:
    """``init_exp_table<addr_t>``: ``x = real(i) * exp_scale`` (float), negated for 'stable', ``table_t(expf(x))``."""
    x = (_real_from_idx(n, addr_t) * np.float32(exp_scale)).astype(np.float32)
    if negative:
        x = -x
    return _float_to_fixed(_expf(x), table_t)


def invert_table(n: int, addr_t: FixedType, table_t: FixedType) -> np.ndarray:
    """``init_invert_table<inv_inp_t>``: ``table_t(1 / real(i))`` in float (1/0 = +inf)."""
    x = _real_from_idx(n, addr_t)
    with np.errstate(divide="ignore"):
        inv = (np.float32(1) / x).astype(np.float32)
    return _float_to_fixed(inv, table_t)


def legacy_exp_table(n: int, table_t: FixedType) -> np.ndarray:
    """``init_exp_table_legacy``: ``table_t(expf((float)(2*8.0*(ii-N/2.0)/N)))``."""
    ii = np.arange(n, dtype=np.float64)
    in_val = (2 * 8.0 * (ii - float(n) / 2.0) / float(n)).astype(np.float32)
    return _float_to_fixed(_expf(in_val), table_t)


def legacy_invert_table(n: int, table_t: FixedType) -> np.ndarray:
    """``init_invert_table_legacy``: ``in_val = (float)(64.0*ii/N)``; ``table_t(1.0/in_val)`` or 0."""
    ii = np.arange(n, dtype=np.float64)
    in_val = (64.0 * ii / float(n)).astype(np.float32)
    with np.errstate(divide="ignore"):
        val = np.where(in_val > 0, 1.0 / in_val.astype(np.float64), 0.0)
    return _float_to_fixed(val, table_t)


# ----------------------------------------------------------------------------- Keras -> IR without hls4ml
def _writer_raw(values: np.ndarray, t: FixedType) -> np.ndarray:
    """Same as ``_weight_raw`` for a plain array: ``'{:.Ff}'`` text, parsed as double, cast to t."""
    fmt = f"{{:.{max(0, t.frac)}f}}"
    vals = np.array([float(fmt.format(float(v))) for v in np.asarray(values, dtype=np.float64).ravel()])
    return np.asarray(fixed.from_float(vals, t), dtype=np.int64)


def _auto_accum(in_t: FixedType, w_t: FixedType, b_t: FixedType, n_in: int) -> FixedType:
    """hls4ml's ``InferPrecisionTypes._infer_common_precision`` for Dense (never rounds or overflows)."""
    log_n = math.ceil(math.log2(n_in)) if n_in > 1 else 0
    width = w_t.width + in_t.width + log_n
    integer = w_t.integer + in_t.integer + log_n
    signed = w_t.signed or in_t.signed
    frac = width - integer
    integer = max(integer + (b_t.signed and not signed), b_t.integer + (signed and not b_t.signed)) + 1
    width = integer + max(frac, b_t.frac)
    return FixedType(signed or b_t.signed, width, integer)


def _closest_reuse_factor(n_in: int, n_out: int, rf: int) -> int:
    """hls4ml's ``set_closest_reuse_factor`` for Resource strategy (ties go to the smaller)."""
    def ok(r: int) -> bool:
        mult_limit = math.ceil(n_in * n_out / min(n_in, r))
        return ((mult_limit % n_out == 0) or r >= n_in) and (r % n_in == 0 or r < n_in) and (n_in * n_out) % r == 0

    valid = [r for r in range(1, n_in * n_out + 1) if ok(r)]
    if rf in valid:
        return rf
    return min(valid, key=lambda r: (abs(r - rf), r))


def network_from_keras(model, settings: HlsSettings, name: str = "myproject") -> FixedNetwork:
    """The ``FixedNetwork`` hls4ml would build, straight from a plain Keras MLP (no conversion).

    Why: the pruning search estimates resources for hundreds of candidates;
    this takes milliseconds.  It reproduces hls4ml 1.3's type resolution for
    plain ``Dense``/``Activation`` layers (relu, linear, sigmoid): inputs and
    'auto' weights/biases/activation results take the default precision,
    'auto' accumulators and Dense results follow hls4ml's exact-width rule,
    weights are quantized from the writer's decimal text, Resource reuse
    factors snap to hls4ml's closest valid value.  For anything else (QKeras
    quantizers, softmax) it falls back to a real hls4ml conversion in a
    temporary directory, which is exact by construction.
    """
    settings.validate()
    plain = all(type(layer).__name__ in ("InputLayer", "Dense", "Activation") for layer in model.layers)
    acts = []
    for layer in model.layers:
        if type(layer).__name__ in ("Dense", "Activation"):
            acts.append(layer.get_config().get("activation"))
    if not plain or any(a not in ("relu", "linear", "sigmoid") for a in acts):
        import tempfile

        with tempfile.TemporaryDirectory(prefix="fpga_prune_hls_") as tmp:
            return network_from_hls(convert(model, settings, tmp), name=name)
    default = to_fixed_type(settings.default_precision)
    in_t = to_fixed_type(settings.input_precision) if settings.input_precision else default
    input_type = in_t
    n_inputs = int(model.input_shape[-1])
    layers: list[Layer] = []

    def ov(layer_name: str, key: str, fallback: FixedType) -> FixedType:
        val = getattr(settings.layer(layer_name), key)
        return fallback if val in (None, "auto") else to_fixed_type(val)

    def add_activation(lname: str, act: str, cur: FixedType, n: int) -> FixedType:
        res = ov(lname, "result", default)
        if act == "sigmoid":
            size = settings.layer(lname).table_size or settings.table_size
            tt_s = settings.layer(lname).table_type or settings.table_type
            tt = to_fixed_type(tt_s) if tt_s else FixedType(True, 18, 8)
            layers.append(ActivationLayer(name=lname, activation="sigmoid", input_type=cur, result_type=res, n=n,
                                          tables={"sigmoid": sigmoid_table(size, tt)},
                                          table_types={"sigmoid": tt}, params={"table_size": size}))
        else:
            layers.append(ActivationLayer(name=lname, activation=act, input_type=cur, result_type=res, n=n))
        return res

    cur, width = in_t, n_inputs
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        act = layer.get_config().get("activation")
        if kind == "Activation":
            cur = add_activation(layer.name, act, cur, width)
            continue
        kernel, *rest = layer.get_weights()
        bias = rest[0] if rest else np.zeros(kernel.shape[1], dtype=kernel.dtype)
        n_in, n_out = kernel.shape
        w_t = ov(layer.name, "weight", default)
        b_t = ov(layer.name, "bias", default)
        acc_t = ov(layer.name, "accum", _auto_accum(cur, w_t, b_t, n_in))
        res_t = ov(layer.name, "result", _auto_accum(cur, w_t, b_t, n_in))
        strategy = settings.layer(layer.name).strategy or settings.strategy
        rf = settings.layer(layer.name).reuse_factor or settings.reuse_factor
        if strategy == "resource":
            rf = _closest_reuse_factor(n_in, n_out, rf)
        layers.append(DenseLayer(
            name=layer.name, input_type=cur, weight_type=w_t, bias_type=b_t, accum_type=acc_t,
            result_type=res_t, weights=_writer_raw(kernel, w_t).reshape(n_in, n_out),
            biases=_writer_raw(bias, b_t), strategy=strategy, reuse_factor=rf))
        cur, width = res_t, n_out
        if act not in (None, "linear"):
            cur = add_activation(f"{layer.name}_{act}", act, cur, width)
    return FixedNetwork(name=name, input_type=input_type, n_inputs=n_inputs, layers=tuple(layers))
