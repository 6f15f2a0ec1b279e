"""Features and labels: no lookahead, correct labels, purged chronological splits, train-only scaler."""

from __future__ import annotations

import numpy as np
import pytest

from fpga_prune.data.candles import Candles
from fpga_prune.errors import InputError
from fpga_prune.model.features import (
    FeatureSpec,
    Scaler,
    build,
    feature_matrix,
    labels,
    regime_slices,
    split,
    split_bounds,
)

FIVE_MIN = 300_000


def make_candles(close, *, open_=None, high=None, low=None, volume=None, t0=1_743_699_900_000) -> Candles:
    close = np.asarray(close, dtype=np.float64)
    n = close.shape[0]
    open_ = np.r_[close[0], close[:-1]] if open_ is None else np.asarray(open_, dtype=np.float64)
    high = np.maximum(open_, close) * 1.001 if high is None else np.asarray(high, dtype=np.float64)
    low = np.minimum(open_, close) * 0.999 if low is None else np.asarray(low, dtype=np.float64)
    volume = np.full(n, 10.0) if volume is None else np.asarray(volume, dtype=np.float64)
    ts = t0 + FIVE_MIN * np.arange(n, dtype=np.int64)
    return Candles(
        symbol="TEST",
        interval_ms=FIVE_MIN,
        timestamp_ms=ts,
        open=open_,
        high=high,
        low=low,
        close=close,
        volume=volume,
        source="hand-made",
    )


def random_candles(n: int, seed: int) -> Candles:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.002, n)))
    open_ = np.r_[100.0, close[:-1]] * (1 + rng.normal(0, 0.0005, n))
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.002, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.002, n))
    return make_candles(close, open_=open_, high=high, low=low, volume=rng.lognormal(3, 1, n))


SMALL = FeatureSpec(windows=(3, 5), lags=2, median_window=4, purge=3)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("target", ["bigmove", "direction", "direction3"])
def test_no_lookahead_altering_later_rows_never_changes_features(seed: int, target: str) -> None:
    spec = FeatureSpec(target=target, windows=(3, 7, 20), lags=3, median_window=10, purge=5)
    base = random_candles(400, seed)
    rng = np.random.default_rng(100 + seed)
    X0 = feature_matrix(base, spec)
    y0 = labels(base, spec)
    for t in rng.integers(spec.warmup, 398, size=8):
        # Wreck every price and volume strictly after t.
        k = slice(t + 1, None)
        bump = rng.uniform(0.5, 2.0, size=len(base) - t - 1)
        changed = Candles(
            symbol=base.symbol,
            interval_ms=base.interval_ms,
            timestamp_ms=base.timestamp_ms,
            open=np.r_[base.open[: t + 1], base.open[k] * bump],
            high=np.r_[base.high[: t + 1], base.high[k] * bump * 1.01],
            low=np.r_[base.low[: t + 1], base.low[k] * bump * 0.99],
            close=np.r_[base.close[: t + 1], base.close[k] * bump],
            volume=np.r_[base.volume[: t + 1], base.volume[k] * bump**3],
        )
        X1 = feature_matrix(changed, spec)
        np.testing.assert_array_equal(X1[: t + 1], X0[: t + 1])
        assert not np.array_equal(X1[t + 1 :], X0[t + 1 :])  # the perturbation was real
        # labels up to t-1 need only candles <= t; label t may (must) look at t+1
        y1 = labels(changed, spec)
        np.testing.assert_array_equal(y1[:t], y0[:t])
    # and the truncated series gives the same features: nothing reads beyond the end
    ds_full = build(base, spec)
    ds_cut = build(base.slice(0, 300), spec)
    m = ds_cut.index
    np.testing.assert_array_equal(ds_full.X[: len(m)], ds_cut.X)
    np.testing.assert_array_equal(ds_full.y[: len(m)], ds_cut.y)


def test_method_features_by_hand() -> None:
    close = [100, 101, 99, 102, 102, 103, 101, 104, 105, 103]
    open_ = [100, 100, 101, 99, 102, 102, 103, 101, 104, 105]
    high = [101, 102, 101, 103, 103, 104, 103, 105, 106, 106]
    low = [99, 100, 98, 99, 101, 102, 100, 101, 103, 102]
    vol = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    c = make_candles(close, open_=open_, high=high, low=low, volume=vol)
    spec = FeatureSpec(target="direction", windows=(3,), lags=2, median_window=3, time_of_day=False)
    X = feature_matrix(c, spec)
    names = spec.feature_names()
    assert names == ("ret", "vol_rel", "range", "body", "ret_lag1", "ret_lag2", "vol_rel_3", "volatility_3")
    t = 6
    assert np.isnan(X[: spec.warmup]).all() and spec.warmup == 4
    row = dict(zip(names, X[t]))
    assert row["ret"] == pytest.approx(101 / 103 - 1)
    assert row["vol_rel"] == pytest.approx(70 / np.mean([40, 50, 60]))  # previous 3 candles only
    assert row["range"] == pytest.approx((103 - 100) / 101)
    assert row["body"] == pytest.approx((101 - 103) / 103)
    assert row["ret_lag1"] == pytest.approx(103 / 102 - 1)
    assert row["ret_lag2"] == pytest.approx(102 / 102 - 1)
    r = np.array(close[4:7], float) / np.array(close[3:6], float) - 1
    assert row["volatility_3"] == pytest.approx(r.std())


def test_direction_labels_on_hand_made_candles() -> None:
    c = make_candles([10, 11, 11, 10, 12, 11.999])
    y = labels(c, FeatureSpec(target="direction", windows=(2,), lags=0, median_window=2))
    # up, flat (not up), down, up, down, and no label for the last candle
    np.testing.assert_array_equal(y[:-1], [1, 0, 0, 1, 0])
    assert np.isnan(y[-1])


def test_direction3_dead_zone() -> None:
    # next returns: +1%, +0.01%, -0.01%, -1%, exactly +dead zone
    c = make_candles([100, 101, 101.0101, 101.000, 99.99, 99.99 * 1.0005])
    y = labels(c, FeatureSpec(target="direction3", dead_zone=0.0005, windows=(2,), lags=0, median_window=2))
    np.testing.assert_array_equal(y[:-1], [2, 1, 1, 0, 1])  # |r| <= dead zone is flat


def test_bigmove_uses_trailing_median_of_abs_returns() -> None:
    close = 100 * np.cumprod(np.r_[1.0, 1 + np.array([0.01, -0.02, 0.005, 0.03, -0.001, 0.002, -0.04])])
    c = make_candles(close)
    y = labels(c, FeatureSpec(target="bigmove", windows=(2,), lags=0, median_window=3))
    r = np.abs(np.diff(close) / close[:-1])  # r[i] is the return of candle i+1
    # row t: median |return| of candles t-2..t vs |return of t+1|
    expected = [np.nan] * 3 + [float(r[t] > np.median(r[t - 3 : t])) for t in range(3, 7)] + [np.nan]
    np.testing.assert_array_equal(y, expected)
    # |r| of candles 1..7 = .01 .02 .005 .03 .001 .002 .04; row 3: median(.01,.02,.005)=.01 < .03 -> 1;
    # row 4: .02 vs .001 -> 0; row 5: .005 vs .002 -> 0; row 6: .002 vs .04 -> 1
    np.testing.assert_array_equal(y[3:7], [1, 0, 0, 1])


def test_build_drops_warmup_and_last_row_and_is_float32() -> None:
    c = random_candles(200, 1)
    ds = build(c, SMALL)
    assert ds.X.dtype == np.float32 and ds.y.dtype == np.int64
    assert ds.index[0] == SMALL.warmup and ds.index[-1] == 198
    assert ds.X.shape == (199 - SMALL.warmup, len(SMALL.feature_names()))
    np.testing.assert_array_equal(ds.timestamp_ms, c.timestamp_ms[ds.index])


def test_split_is_chronological_with_purge_and_train_only_scaler() -> None:
    c = random_candles(2000, 2)
    spec = FeatureSpec(windows=(5, 20), lags=2, median_window=20, purge=25)
    ds = build(c, spec)
    s = split(ds, spec)
    assert s.train.timestamp_ms[-1] < s.val.timestamp_ms[0] < s.val.timestamp_ms[-1] < s.test.timestamp_ms[0]
    assert s.val.index[0] - s.train.index[-1] == spec.purge + 1
    assert s.test.index[0] - s.val.index[-1] == spec.purge + 1
    assert len(s.train) == round(len(ds) * 0.7)
    assert len(s.train) + len(s.val) + len(s.test) + 2 * spec.purge == len(ds)
    raw_train = ds.X[: len(s.train)].astype(np.float64)
    np.testing.assert_allclose(s.scaler.mean, raw_train.mean(axis=0))
    np.testing.assert_allclose(s.scaler.std, raw_train.std(axis=0))
    # changing validation/test rows leaves the scaler untouched
    X2 = ds.X.copy()
    X2[len(s.train) :] *= 7
    s2 = split(type(ds)(**{**ds.__dict__, "X": X2}), spec)
    np.testing.assert_array_equal(s2.scaler.mean, s.scaler.mean)
    np.testing.assert_array_equal(s2.train.X, s.train.X)
    assert s.train.X.dtype == np.float32 and np.abs(s.test.X).max() <= spec.clip


def test_split_rejects_too_little_data() -> None:
    ds = build(random_candles(400, 3), SMALL)
    with pytest.raises(InputError, match="purge"):
        split_bounds(len(ds), FeatureSpec(purge=100))


def test_scaler_and_spec_round_trip() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(3, 2, (100, 4))
    X[:, 2] = 5.0  # constant column must not divide by zero
    sc = Scaler.fit(X, 4.0)
    back = Scaler.from_dict(sc.to_dict())
    np.testing.assert_array_equal(back.transform(X), sc.transform(X))
    assert np.all(sc.transform(X)[:, 2] == 0)
    spec = FeatureSpec(target="direction3", windows=(4, 9), dead_zone=0.001)
    assert FeatureSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(InputError, match="target"):
        FeatureSpec(target="moon")
    with pytest.raises(InputError, match="bogus"):
        FeatureSpec.from_dict({"bogus": 1})


def test_regime_slices_partition_by_train_terciles() -> None:
    c = random_candles(3000, 4)
    spec = FeatureSpec(windows=(5, 20), lags=1, median_window=20, purge=10)
    s = split(build(c, spec), spec)
    sl = regime_slices(s.test, s.train)
    assert list(sl) == ["vol_low", "vol_mid", "vol_high"]
    total = sum(m.astype(int) for m in sl.values())
    assert np.all(total == 1)
    own = regime_slices(s.train)
    assert abs(own["vol_low"].sum() - len(s.train) / 3) <= 1
    assert s.test.volatility[sl["vol_low"]].max() <= s.test.volatility[sl["vol_high"]].min()
