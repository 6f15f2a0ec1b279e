"""Features, labels, chronological splits and regime slices for candle models.

Why this module is strict about time: a trading model that has seen the future
in its features or its scaler looks skilful in a notebook and loses money on
the FPGA.  Every feature at row ``t`` is computed from candles ``<= t`` only
(candle ``t`` has closed when we predict candle ``t + 1``), every rolling
statistic is trailing, labels look exactly one candle ahead, the split is
chronological with a purge gap, and the scaler is fit on the training rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np

from fpga_prune.data.candles import Candles
from fpga_prune.errors import InputError
from fpga_prune.outdir import JsonObject

#: target name -> (number of classes, one-line meaning); a plain dict registry
TARGETS: dict[str, tuple[int, str]] = {
    "bigmove": (2, "1 if |return[t+1]| exceeds the trailing median of |return| (volatility clustering)"),
    "direction": (2, "1 if close[t+1] > close[t] (the method's next-candle direction)"),
    "direction3": (3, "0 down / 1 flat / 2 up, flat when |return[t+1]| <= dead_zone"),
}

_DAY_MS = 86_400_000


def _check_target(name: str, source: str = "FeatureSpec") -> None:
    if name not in TARGETS:
        raise InputError(source, "target", f"unknown target {name!r}; valid: {', '.join(TARGETS)}")


@dataclass(frozen=True)
class FeatureSpec:
    """Everything needed to rebuild the same features and labels later (saved with the model).

    ``windows`` are trailing lengths (rows) for relative volume and rolling
    volatility; ``lags`` is how many past returns to add; ``median_window`` is
    the trailing window of the big-move threshold; ``dead_zone`` is the
    fractional return treated as flat by ``direction3``; ``purge`` rows are
    dropped between train/validation and validation/test so no label or
    trailing window straddles a boundary.
    """

    target: str = "bigmove"
    windows: tuple[int, ...] = (12, 48, 288)
    lags: int = 4
    median_window: int = 288
    dead_zone: float = 0.0005
    time_of_day: bool = True
    train_fraction: float = 0.70
    val_fraction: float = 0.15
    purge: int = 288
    clip: float = 6.0

    def __post_init__(self) -> None:
        _check_target(self.target)
        object.__setattr__(self, "windows", tuple(int(w) for w in self.windows))
        if not self.windows or any(w < 2 for w in self.windows):
            raise InputError("FeatureSpec", "windows", f"need one or more windows >= 2, got {self.windows}")
        if len(set(self.windows)) != len(self.windows):
            raise InputError("FeatureSpec", "windows", f"duplicate window in {self.windows}")
        if self.lags < 0:
            raise InputError("FeatureSpec", "lags", f"must be >= 0, got {self.lags}")
        if self.median_window < 2:
            raise InputError("FeatureSpec", "median_window", f"must be >= 2, got {self.median_window}")
        if not self.dead_zone >= 0:
            raise InputError("FeatureSpec", "dead_zone", f"must be >= 0, got {self.dead_zone}")
        if not (
            0 < self.train_fraction < 1 and 0 < self.val_fraction < 1 and self.train_fraction + self.val_fraction < 1
        ):
            raise InputError(
                "FeatureSpec",
                "train_fraction/val_fraction",
                f"need 0 < train, val and train + val < 1, got {self.train_fraction}, {self.val_fraction}",
            )
        if self.purge < 1:
            raise InputError("FeatureSpec", "purge", f"must be >= 1 (labels look one row ahead), got {self.purge}")
        if not self.clip > 0:
            raise InputError("FeatureSpec", "clip", f"must be > 0, got {self.clip}")

    @property
    def n_classes(self) -> int:
        return TARGETS[self.target][0]

    @property
    def warmup(self) -> int:
        """Rows at the start that lack a full trailing history and are dropped."""
        return max(max(self.windows) + 1, self.lags + 1, self.median_window + 1)

    def feature_names(self) -> tuple[str, ...]:
        names = ["ret", "vol_rel", "range", "body"]
        names += [f"ret_lag{k}" for k in range(1, self.lags + 1)]
        for w in self.windows:
            names += [f"vol_rel_{w}", f"volatility_{w}"]
        if self.time_of_day:
            names += ["tod_sin", "tod_cos"]
        return tuple(names)

    def to_dict(self) -> JsonObject:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["windows"] = list(self.windows)
        return d

    @classmethod
    def from_dict(cls, d: JsonObject, source: str = "FeatureSpec") -> FeatureSpec:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise InputError(source, unknown[0], f"unknown feature-spec field; valid: {', '.join(sorted(known))}")
        d = dict(d)
        if "windows" in d:
            d["windows"] = tuple(d["windows"])
        return cls(**d)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Aligned model rows: ``X[i]`` (float32) predicts ``y[i]`` for candle ``index[i] + 1``.

    ``volatility`` is the raw (unscaled) trailing volatility at each row, kept
    for regime slices; ``index`` points back into the candle series.
    """

    X: np.ndarray
    y: np.ndarray
    timestamp_ms: np.ndarray
    index: np.ndarray
    volatility: np.ndarray
    feature_names: tuple[str, ...]
    n_classes: int

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def take(self, sl: slice | np.ndarray) -> Dataset:
        return replace(
            self,
            X=self.X[sl],
            y=self.y[sl],
            timestamp_ms=self.timestamp_ms[sl],
            index=self.index[sl],
            volatility=self.volatility[sl],
        )


@dataclass(frozen=True, eq=False)
class Scaler:
    """Standardization fit on training rows only, then clipped to ``+-clip``.

    Why clip: candle features are heavy-tailed; a bounded input range keeps
    the fixed-point input type of the FPGA design narrow.
    """

    mean: np.ndarray
    std: np.ndarray
    clip: float

    @classmethod
    def fit(cls, X: np.ndarray, clip: float) -> Scaler:
        X = np.asarray(X, dtype=np.float64)
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        return cls(mean=mean, std=std, clip=float(clip))

    def matches(self, other: Scaler) -> bool:
        """Same statistics (to 1e-9: refitting on the same rows repeats the float sums exactly,
        other rows move them far more), i.e. fit on the same training rows."""
        return (
            self.mean.shape == other.mean.shape
            and float(np.max(np.abs(self.mean - other.mean))) < 1e-9
            and float(np.max(np.abs(self.std - other.std))) < 1e-9
        )

    def transform(self, X: np.ndarray) -> np.ndarray:
        Z = (np.asarray(X, dtype=np.float64) - self.mean) / self.std
        return np.clip(Z, -self.clip, self.clip).astype(np.float32)

    def to_dict(self) -> JsonObject:
        # repr() of a float64 round-trips exactly through JSON.
        return {"mean": [float(v) for v in self.mean], "std": [float(v) for v in self.std], "clip": self.clip}

    @classmethod
    def from_dict(cls, d: JsonObject, source: str = "Scaler") -> Scaler:
        try:
            mean = np.asarray(d["mean"], dtype=np.float64)
            std = np.asarray(d["std"], dtype=np.float64)
            clip = float(d["clip"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(source, "scaler", f"malformed scaler: {exc}") from None
        if mean.shape != std.shape or mean.ndim != 1 or np.any(std <= 0):
            raise InputError(source, "scaler", "mean/std must be equal-length vectors with std > 0")
        return cls(mean=mean, std=std, clip=clip)


@dataclass(frozen=True, eq=False)
class Splits:
    """Scaled train / validation / test rows in time order, and the train-only scaler."""

    train: Dataset
    val: Dataset
    test: Dataset
    scaler: Scaler
    spec: FeatureSpec = field(default_factory=FeatureSpec)


# ----------------------------------------------------------------------------- helpers


def _trailing_sum(x: np.ndarray, w: int) -> np.ndarray:
    """Sum of ``x[t-w+1 .. t]`` (NaN where the window is incomplete)."""
    c = np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])
    out = np.full(x.shape[0], np.nan)
    out[w - 1 :] = c[w:] - c[:-w]
    return out


def _trailing_mean(x: np.ndarray, w: int) -> np.ndarray:
    return _trailing_sum(x, w) / w


def _trailing_std(x: np.ndarray, w: int) -> np.ndarray:
    """Population std over ``x[t-w+1 .. t]``, computed from windows (not cumsums) for accuracy."""
    out = np.full(x.shape[0], np.nan)
    if x.shape[0] >= w:
        win = np.lib.stride_tricks.sliding_window_view(x, w)
        out[w - 1 :] = win.std(axis=1)
    return out


def _trailing_median(x: np.ndarray, w: int) -> np.ndarray:
    out = np.full(x.shape[0], np.nan)
    if x.shape[0] >= w:
        win = np.lib.stride_tricks.sliding_window_view(x, w)
        out[w - 1 :] = np.median(win, axis=1)
    return out


def _shift(x: np.ndarray, k: int) -> np.ndarray:
    """``x[t-k]`` at row t (NaN for the first k rows): a lag, never a lead."""
    out = np.full(x.shape[0], np.nan)
    if k < x.shape[0]:
        out[k:] = x[: x.shape[0] - k]
    return out


def returns(close: np.ndarray) -> np.ndarray:
    """Simple return of each candle, ``close[t] / close[t-1] - 1`` (NaN at t = 0)."""
    close = np.asarray(close, dtype=np.float64)
    r = np.full(close.shape[0], np.nan)
    r[1:] = close[1:] / close[:-1] - 1.0
    return r


def feature_matrix(candles: Candles, spec: FeatureSpec) -> np.ndarray:
    """All feature columns for every candle (float64, NaN during warm-up).

    Column order is ``spec.feature_names()``.  Row t uses candles ``<= t``.
    """
    o = np.asarray(candles.open, dtype=np.float64)
    h = np.asarray(candles.high, dtype=np.float64)
    lo = np.asarray(candles.low, dtype=np.float64)
    c = np.asarray(candles.close, dtype=np.float64)
    v = np.asarray(candles.volume, dtype=np.float64)
    r = returns(c)
    w0 = spec.windows[0]
    # Relative volume divides by the mean of the *previous* w candles, so the
    # ratio says how unusual this candle's volume is against its recent past.
    prev_mean_v = {w: _shift(_trailing_mean(v, w), 1) for w in spec.windows}
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = {w: np.where(prev_mean_v[w] > 0, v / prev_mean_v[w], 1.0) for w in spec.windows}
        cols = [r, rel[w0], (h - lo) / c, (c - o) / o]
    cols += [_shift(r, k) for k in range(1, spec.lags + 1)]
    for w in spec.windows:
        cols += [rel[w], _trailing_std(np.nan_to_num(r, nan=0.0), w)]
    if spec.time_of_day:
        # Open time of the *next* candle is known in advance: intraday seasonality
        # of volume and volatility is real and needs no lookahead.
        phase = (
            2 * np.pi * ((np.asarray(candles.timestamp_ms, dtype=np.int64) + candles.interval_ms) % _DAY_MS) / _DAY_MS
        )
        cols += [np.sin(phase), np.cos(phase)]
    # prev_mean_v is NaN during warm-up -> rel falls back to 1.0 there; mark those rows NaN.
    X = np.stack(cols, axis=1)
    X[: spec.warmup] = np.nan
    return X


def labels(candles: Candles, spec: FeatureSpec) -> np.ndarray:
    """Label of every row t for candle t + 1 (float64; NaN where undefined).

    NaN at the last row (no next candle) and, for ``bigmove``, during the
    median's warm-up.  The threshold itself is trailing: median |return| over
    candles ``t - median_window + 1 .. t``.
    """
    r = returns(candles.close)
    nxt = np.full(r.shape[0], np.nan)
    nxt[:-1] = r[1:]
    y = np.full(r.shape[0], np.nan)
    ok = ~np.isnan(nxt)
    if spec.target == "direction":
        y[ok] = (nxt[ok] > 0).astype(np.float64)
    elif spec.target == "direction3":
        y[ok] = np.where(nxt[ok] > spec.dead_zone, 2.0, np.where(nxt[ok] < -spec.dead_zone, 0.0, 1.0))
    elif spec.target == "bigmove":
        med = _trailing_median(np.abs(np.nan_to_num(r, nan=0.0)), spec.median_window)
        med[: spec.median_window] = np.nan  # r[0] is undefined, so the first full window starts at 1
        good = ok & ~np.isnan(med)
        y[good] = (np.abs(nxt[good]) > med[good]).astype(np.float64)
    else:  # pragma: no cover - FeatureSpec validated the name
        _check_target(spec.target)
    return y


def build(candles: Candles, spec: FeatureSpec | None = None) -> Dataset:
    """Features and labels of ``candles``; rows without full history or a label are dropped."""
    spec = spec or FeatureSpec()
    src = candles.source or "candles"
    if len(candles) < spec.warmup + 2:
        raise InputError(
            src,
            "rows",
            f"{len(candles)} candles, need at least {spec.warmup + 2} "
            f"for windows {spec.windows} / median window {spec.median_window}",
        )
    X = feature_matrix(candles, spec)
    y = labels(candles, spec)
    keep = ~np.isnan(y) & ~np.isnan(X).any(axis=1)
    bad = ~np.isfinite(X[keep])
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise InputError(
            src, spec.feature_names()[col], f"non-finite feature at candle {np.flatnonzero(keep)[row]} (zero price?)"
        )
    idx = np.flatnonzero(keep)
    vol_col = spec.feature_names().index(f"volatility_{max(spec.windows)}")
    # Exactly one int64 label per row; the features are float32 as the model consumes them.
    return Dataset(
        X=X[idx].astype(np.float32),
        y=y[idx].astype(np.int64),
        timestamp_ms=np.asarray(candles.timestamp_ms, dtype=np.int64)[idx],
        index=idx,
        volatility=X[idx, vol_col].astype(np.float64),
        feature_names=spec.feature_names(),
        n_classes=spec.n_classes,
    )


def split_bounds(n: int, spec: FeatureSpec) -> tuple[slice, slice, slice]:
    """Row ranges of train, validation and test, with ``spec.purge`` rows dropped between them."""
    n_train = int(round(n * spec.train_fraction))
    n_val = int(round(n * spec.val_fraction))
    train = slice(0, n_train)
    val = slice(n_train + spec.purge, n_train + n_val)
    test = slice(n_train + n_val + spec.purge, n)
    for name, sl in (("train", train), ("validation", val), ("test", test)):
        if sl.stop - sl.start < 50:
            raise InputError(
                "FeatureSpec",
                "purge",
                f"{name} split has {max(0, sl.stop - sl.start)} rows of {n} "
                f"(purge {spec.purge}); need >= 50: use more data or a smaller purge",
            )
    return train, val, test


def split(dataset: Dataset, spec: FeatureSpec | None = None) -> Splits:
    """Chronological split with purge gaps; the scaler sees the training rows only."""
    spec = spec or FeatureSpec()
    if np.any(np.diff(dataset.timestamp_ms) <= 0):
        raise InputError("dataset", "timestamp", "rows are not strictly increasing in time")
    tr, va, te = split_bounds(len(dataset), spec)
    train, val, test = dataset.take(tr), dataset.take(va), dataset.take(te)
    scaler = Scaler.fit(train.X, spec.clip)
    scale = lambda d: replace(d, X=scaler.transform(d.X))  # noqa: E731
    return Splits(train=scale(train), val=scale(val), test=scale(test), scaler=scaler, spec=spec)


def require_same_scaler(fitted: Scaler, saved: Scaler, data: object, model_dir: object) -> None:
    """InputError unless ``fitted`` (the train-split scaler of the candles given) equals ``saved`` (the model's).

    Why: a model's test split is only held out when these are the candles it
    was trained on; the train-split scaler is a cheap fingerprint of them.
    ``prune`` and ``generate`` both call this before using the candles.
    """
    if not fitted.matches(saved):
        raise InputError(
            data,
            None,
            f"these candles are not the data the model in {model_dir} was trained on "
            "(the train-split scaler differs from its preprocess.json), so their test split is not "
            "held out",
        )


def regime_slices(part: Dataset, reference: Dataset | None = None, *, n: int = 3) -> dict[str, np.ndarray]:
    """Boolean masks of ``part`` by trailing-volatility quantile (terciles by default).

    The thresholds come from ``reference`` (pass the training split, so the
    slicing itself uses no test information); without it, from ``part``.
    """
    if n < 2:
        raise InputError("regime_slices", "n", f"need >= 2 slices, got {n}")
    ref = part if reference is None else reference
    edges = np.quantile(ref.volatility, np.arange(1, n) / n)
    which = np.searchsorted(edges, part.volatility, side="right")
    names = {3: ("vol_low", "vol_mid", "vol_high")}.get(n) or tuple(f"vol_q{i + 1}of{n}" for i in range(n))
    return {names[i]: which == i for i in range(n)}
