"""Classification metrics with bootstrap confidence intervals and a majority baseline beside them.

Why the baseline and the intervals are not optional: on five-minute candles a
52% accuracy is usually just the class balance, and a pruned model that "lost
0.3 points" may have lost nothing at all.  Every metric is reported with a
percentile bootstrap interval; ``vs_baseline`` holds paired bootstrap
intervals of the model's advantage over always predicting the majority class.

Conventions: binary ``proba`` is P(class 1), shape (n,) or (n, 1); k-class
``proba`` has shape (n, k).  Precision/recall/F1 are of class 1 for binary and
macro-averaged otherwise; ROC AUC is Mann-Whitney with ties counted half
(macro one-vs-rest for k classes); Brier is the mean squared error of the
probability vector (for binary, of P(class 1) only); ECE uses ``n_bins``
equal-width bins of P(class 1) for binary and of the top-class confidence
otherwise.  Bootstrap resamples contiguous blocks of ``block`` rows (1 =
ordinary bootstrap) because neighbouring candles are not independent.

The decision rule is one function, ``decisions``: class 1 when P(class 1) is
strictly above 0.5, argmax (first class on ties) for k classes.  Strict,
because a fixed-point sigmoid outputs exactly 0.5 often (a zero pre-activation
rounds there), and ``> 0.5`` sends that tie to class 0, as argmax does for
two equal class scores; every agreement, accuracy and confusion matrix in
the project (``train``'s metrics.json, ``prune``'s budget.json, ``generate``'s
agreement) uses this one rule, so they agree on the same outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from fpga_prune.errors import InputError
from fpga_prune.outdir import JsonObject

METRICS: tuple[str, ...] = ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc", "brier", "ece")
#: metrics whose model-minus-baseline advantage is reported (sign: positive = model better)
_ADVANTAGE: dict[str, int] = {"accuracy": 1, "balanced_accuracy": 1, "roc_auc": 1, "brier": -1}


def _as_proba(y: np.ndarray, proba: np.ndarray, n_classes: int | None) -> tuple[np.ndarray, np.ndarray, int]:
    y = np.asarray(y)
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if y.ndim != 1 or p.shape[0] != y.shape[0]:
        raise InputError("metrics", "proba", f"shape {p.shape} does not match labels {y.shape}")
    if y.shape[0] == 0:
        raise InputError("metrics", "y", "no rows to evaluate")
    k = n_classes or (2 if p.ndim == 1 else p.shape[1])
    if p.ndim == 1 and k != 2 or p.ndim == 2 and p.shape[1] != k:
        raise InputError("metrics", "proba", f"shape {p.shape} does not fit {k} classes")
    if not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1:
        raise InputError("metrics", "proba", "probabilities must be finite and within [0, 1]")
    if not np.issubdtype(y.dtype, np.integer) and not np.all(y == np.round(y)):
        raise InputError("metrics", "y", "labels must be integers")
    y = y.astype(np.int64)
    if y.min() < 0 or y.max() >= k:
        raise InputError("metrics", "y", f"labels must be in 0..{k - 1}, got {y.min()}..{y.max()}")
    return y, p, k


def decisions(proba: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Class decisions: ``p > threshold`` for one output (a tie goes to class 0), else argmax (first on ties).

    ``proba`` is (n,), (n, 1) or (n, k); ``threshold`` 0.0 suits a logit output.
    """
    p = np.asarray(proba)
    if p.ndim == 1 or p.shape[1] == 1:
        return (p.reshape(-1) > threshold).astype(np.int64)
    return np.argmax(p, axis=1).astype(np.int64)


def decision_agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Share of rows on which two models' outputs give the same ``decisions``."""
    return float(np.mean(decisions(a) == decisions(b)))


def accuracy(y: np.ndarray, proba: np.ndarray) -> float:
    """Share of rows where ``decisions(proba)`` equals the label."""
    return float(np.mean(decisions(proba) == np.asarray(y).ravel()))


def balanced_accuracy(y: np.ndarray, proba: np.ndarray) -> float:
    """Mean per-class recall of ``decisions(proba)`` over the classes present in ``y``."""
    y = np.asarray(y).ravel()
    d = decisions(proba)
    return float(np.mean([np.mean(d[y == c] == c) for c in np.unique(y)]))


def roc_auc(y: np.ndarray, proba: np.ndarray) -> float:
    """Binary ROC AUC (``roc_auc_binary``); multi-class: macro one-vs-rest.

    ``proba`` is (n,), (n, 1) (positive-class score) or (n, k) class scores;
    unlike ``evaluate`` it refuses labels of one class (a retention ratio of NaN
    would silently pass or fail a floor).
    """
    y = np.asarray(y).ravel().astype(np.int64)
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if p.ndim == 2 and p.shape[1] == 2:
        p = p[:, 1]
    if p.ndim == 2:
        return float(np.mean([roc_auc((y == c).astype(int), p[:, c]) for c in range(p.shape[1])]))
    if np.unique(y).size < 2:
        raise InputError("metrics", "y", "ROC AUC needs both classes in the labels")
    return roc_auc_binary((y == 1).astype(np.int64), p)


def roc_auc_binary(y: np.ndarray, score: np.ndarray) -> float:
    """P(score of a random positive > a random negative), ties counted half; NaN if one class is absent."""
    y = np.asarray(y)
    n1 = int(np.count_nonzero(y == 1))
    n0 = y.shape[0] - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    _, inv, counts = np.unique(score, return_inverse=True, return_counts=True)
    avg_rank = np.cumsum(counts) - (counts - 1) / 2.0  # 1-based average rank of each distinct value
    ranks = avg_rank[inv]
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def expected_calibration_error(y: np.ndarray, proba: np.ndarray, n_bins: int = 10) -> float:
    """Weighted mean |observed frequency - mean predicted probability| over equal-width bins."""
    y, p, k = _as_proba(y, proba, None)
    if k == 2:
        conf, hit = p, (y == 1).astype(np.float64)
    else:
        conf = p.max(axis=1)
        hit = (p.argmax(axis=1) == y).astype(np.float64)
    return _ece(conf, hit, n_bins)


def _ece(conf: np.ndarray, hit: np.ndarray, n_bins: int) -> float:
    # Bin i holds (i/n, (i+1)/n]; confidence 0 goes to the first bin.
    b = np.clip(np.ceil(conf * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    s_conf = np.bincount(b, weights=conf, minlength=n_bins)
    s_hit = np.bincount(b, weights=hit, minlength=n_bins)
    return float(np.abs(s_hit - s_conf).sum() / conf.shape[0])


def _point(y: np.ndarray, p: np.ndarray, k: int, n_bins: int) -> dict[str, float]:
    """All metrics on one (re)sample; no validation (callers did it)."""
    n = y.shape[0]
    pred = decisions(p)
    cm = np.bincount(y * k + pred, minlength=k * k).reshape(k, k)  # rows: truth, cols: prediction
    tp = np.diag(cm).astype(np.float64)
    support = cm.sum(axis=1).astype(np.float64)
    predicted = cm.sum(axis=0).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        recall_c = np.where(support > 0, tp / support, np.nan)
        prec_c = np.where(predicted > 0, tp / predicted, 0.0)
        f1_c = np.where(
            prec_c + np.nan_to_num(recall_c) > 0,
            2 * prec_c * np.nan_to_num(recall_c) / (prec_c + np.nan_to_num(recall_c)),
            0.0,
        )
    present = support > 0
    out: dict[str, float] = {"accuracy": float(tp.sum() / n), "balanced_accuracy": float(np.mean(recall_c[present]))}
    if k == 2:
        out["precision"] = float(prec_c[1])
        out["recall"] = float(recall_c[1]) if present[1] else float("nan")
        out["f1"] = float(f1_c[1])
        out["roc_auc"] = roc_auc_binary(y, p)
        out["brier"] = float(np.mean((p - y) ** 2))
        out["ece"] = _ece(p, (y == 1).astype(np.float64), n_bins)
    else:
        out["precision"] = float(np.mean(prec_c[present]))
        out["recall"] = float(np.mean(recall_c[present]))
        out["f1"] = float(np.mean(f1_c[present]))
        aucs = [roc_auc_binary((y == c).astype(np.int64), p[:, c]) for c in range(k) if present[c]]
        out["roc_auc"] = float(np.mean(aucs)) if aucs and not np.isnan(aucs).any() else float("nan")
        onehot = np.eye(k)[y]
        out["brier"] = float(np.mean(np.sum((p - onehot) ** 2, axis=1)))
        out["ece"] = _ece(p.max(axis=1), (pred == y).astype(np.float64), n_bins)
    return out


def _baseline_proba(y: np.ndarray, k: int, prior: np.ndarray) -> tuple[np.ndarray, int]:
    """Constant prediction of ``prior``; ties between classes go to the lowest label."""
    majority = int(np.argmax(prior))
    if k == 2:
        # p > 0.5 predicts class 1, so the constant's hard label is argmax(prior) (ties -> 0).
        return np.full(y.shape[0], prior[1]), majority
    return np.tile(prior, (y.shape[0], 1)), majority


def _bootstrap_indices(n: int, n_boot: int, block: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n) row indices of a circular block bootstrap (block=1: ordinary bootstrap)."""
    block = max(1, min(block, n))
    n_blocks = -(-n // block)
    starts = rng.integers(0, n, size=(n_boot, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]) % n
    return idx.reshape(n_boot, -1)[:, :n]


def paired_lower_bound(
    y: np.ndarray,
    p: np.ndarray,
    p_ref: np.ndarray,
    fn: Callable[[np.ndarray, np.ndarray], float],
    *,
    n_boot: int = 200,
    block: int = 48,
    level: float = 0.9,
    seed: int = 0,
) -> float:
    """One-sided ``level`` lower bound of ``fn(y, p) - fn(y, p_ref)`` on the same rows (circular block bootstrap).

    Why paired: two models scored on one small split differ by less than
    either metric's own interval when their predictions agree; the paired
    difference is tight for a faithful copy and wide for a different model.
    """
    rng = np.random.default_rng(seed)
    diffs = [
        fn(y[idx], p[idx]) - fn(y[idx], p_ref[idx])
        for idx in _bootstrap_indices(y.shape[0], n_boot, block, rng)
        if np.unique(y[idx]).size > 1
    ]
    return float(np.quantile(diffs, 1.0 - level))


def _summary(value: float, samples: np.ndarray, level: float) -> dict[str, float | None]:
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    s = samples[~np.isnan(samples)]

    def num(v: float) -> float | None:
        return None if v is None or np.isnan(v) else float(v)

    if s.size == 0:
        return {"value": num(value), "ci_low": None, "ci_high": None}
    return {"value": num(value), "ci_low": num(np.quantile(s, lo_q)), "ci_high": num(np.quantile(s, hi_q))}


def _evaluate_one(
    y: np.ndarray,
    p: np.ndarray,
    k: int,
    *,
    prior: np.ndarray | None,
    n_boot: int,
    block: int,
    level: float,
    n_bins: int,
    rng: np.random.Generator,
) -> JsonObject:
    counts = np.bincount(y, minlength=k)
    base_prior = counts / counts.sum() if prior is None else np.asarray(prior, dtype=np.float64)
    bp, majority = _baseline_proba(y, k, base_prior)
    model_pt = _point(y, p, k, n_bins)
    base_pt = _point(y, bp, k, n_bins)
    boots_m = {m: np.empty(n_boot) for m in METRICS}
    boots_b = {m: np.empty(n_boot) for m in METRICS}
    if n_boot:
        for b, idx in enumerate(_bootstrap_indices(y.shape[0], n_boot, block, rng)):
            ms = _point(y[idx], p[idx], k, n_bins)
            bs = _point(y[idx], bp[idx], k, n_bins)
            for m in METRICS:
                boots_m[m][b] = ms[m]
                boots_b[m][b] = bs[m]
    res: JsonObject = {
        "n": int(y.shape[0]),
        "class_counts": [int(c) for c in counts],
        "metrics": {m: _summary(model_pt[m], boots_m[m], level) for m in METRICS},
        "baseline": {
            "kind": "majority_class",
            "majority_class": majority,
            "majority_rate": float(counts[majority] / counts.sum()),
            "prior": [float(v) for v in base_prior],
            "metrics": {m: _summary(base_pt[m], boots_b[m], level) for m in METRICS},
        },
        "vs_baseline": {},
    }
    for m, sign in _ADVANTAGE.items():
        res["vs_baseline"][m] = _summary(sign * (model_pt[m] - base_pt[m]), sign * (boots_m[m] - boots_b[m]), level)
        d = res["vs_baseline"][m]
        d["beats_baseline"] = bool(d["ci_low"] is not None and d["ci_low"] > 0)
    return res


def evaluate(
    y: np.ndarray,
    proba: np.ndarray,
    *,
    slices: Mapping[str, np.ndarray] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    block: int = 1,
    level: float = 0.95,
    n_bins: int = 10,
    n_classes: int | None = None,
    prior: np.ndarray | None = None,
) -> JsonObject:
    """All metrics of ``proba`` against labels ``y``, with bootstrap CIs, the baseline and per-slice blocks.

    ``slices`` maps names to boolean masks (e.g. ``features.regime_slices``).
    ``prior`` (class frequencies, e.g. of the training rows) sets the
    baseline's constant probabilities; by default the evaluated rows' own
    frequencies, which makes the baseline as strong as a constant can be.
    Deterministic in ``seed``.
    """
    y, p, k = _as_proba(y, proba, n_classes)
    if n_boot < 0:
        raise InputError("metrics", "n_boot", f"must be >= 0, got {n_boot}")
    if not 0 < level < 1:
        raise InputError("metrics", "level", f"must be in (0, 1), got {level}")
    if block < 1:
        raise InputError("metrics", "block", f"must be >= 1, got {block}")
    rng = np.random.default_rng(seed)
    out = _evaluate_one(y, p, k, prior=prior, n_boot=n_boot, block=block, level=level, n_bins=n_bins, rng=rng)
    out = {"n_classes": k, "n_boot": n_boot, "block": block, "level": level, "seed": seed, "n_bins": n_bins, **out}
    if slices:
        out["slices"] = {}
        for name in sorted(slices):
            mask = np.asarray(slices[name], dtype=bool)
            if mask.shape != y.shape:
                raise InputError("metrics", f"slices[{name}]", f"mask shape {mask.shape} != labels {y.shape}")
            if not mask.any():
                out["slices"][name] = {"n": 0}
                continue
            sub_rng = np.random.default_rng([seed, len(out["slices"]) + 1])
            out["slices"][name] = _evaluate_one(
                y[mask], p[mask], k, prior=prior, n_boot=n_boot, block=block, level=level, n_bins=n_bins, rng=sub_rng
            )
    return out
