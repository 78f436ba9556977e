"""Forecasts (real statsforecast fits) and the restock arithmetic built on them."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from app.insights.forecast import Forecast, Forecaster, kind_of, mase, seasonal_naive
from app.insights.restock import advise, by_urgency, overstocked

END = date(2026, 11, 1)


def _weekly(rng: np.random.Generator, days: int = 126) -> np.ndarray:
    pattern = np.array([4, 4, 5, 6, 9, 14, 10], dtype=float)
    return rng.poisson(np.tile(pattern, days // 7)).astype(float)


def test_a_product_with_no_sales_gets_a_zero_forecast_with_an_interval_above_zero() -> None:
    forecast = Forecaster().forecast({"never": np.zeros(60)}, END, 28)["never"]
    assert forecast.model == "Zero" and forecast.start == END + timedelta(days=1)
    assert np.all(forecast.mean == 0) and np.all(forecast.lo == 0)
    assert np.all(forecast.hi > 0)  # "we don't know", not "certainly zero"


def test_models_are_chosen_by_the_kind_of_series_and_beat_the_seasonal_naive_baseline() -> None:
    rng = np.random.default_rng(3)
    smooth = _weekly(rng, 140)
    sparse = (rng.random(140) < 0.08).astype(float)
    assert kind_of(smooth[:112]) == "smooth" and kind_of(sparse) == "intermittent"
    out = Forecaster().forecast({"smooth": smooth[:112], "sparse": sparse}, END, 28)
    assert out["smooth"].model in {"AutoETS", "DynamicOptimizedTheta", "SeasonalNaive"}
    assert out["sparse"].model in {"CrostonSBA", "ADIDA", "TSB"}
    actual = smooth[112:]
    assert mase(actual, out["smooth"].mean, smooth[:112]) < mase(actual, seasonal_naive(smooth[:112], 28), smooth[:112])
    inside = np.mean((actual >= out["smooth"].lo) & (actual <= out["smooth"].hi))
    assert 0.5 <= inside <= 1.0
    assert np.all(out["sparse"].lo <= out["sparse"].mean) and np.all(out["sparse"].mean <= out["sparse"].hi)
    assert 0 < out["sparse"].mean.mean() < 0.3


def test_a_kept_model_choice_is_refitted_without_a_new_backtest() -> None:
    rng = np.random.default_rng(5)
    y = _weekly(rng)
    kept = Forecaster().forecast({"p": y}, END, 14, chosen={"p": "SeasonalNaive"})["p"]
    assert kept.model == "SeasonalNaive"
    assert np.allclose(kept.mean[:7], y[-7:])  # the baseline repeats the last week
    # a choice the series' kind does not admit is ignored
    assert Forecaster().forecast({"p": y}, END, 14, chosen={"p": "TSB"})["p"].model != "TSB"


def test_model_names_match_statsforecast() -> None:
    from app.insights.forecast import MODEL_NAMES, _models

    assert {kind: [str(m) for m in _models(kind)] for kind in MODEL_NAMES} == MODEL_NAMES


def _flat(rate: float, days: int = 28) -> Forecast:
    mean = np.full(days, rate)
    return Forecast(END, "test", mean, np.maximum(mean - 1.0, 0), mean + 1.0)


def test_restock_advice_from_cover_lead_time_and_service_level() -> None:
    settings = {"lead_time_days": 7, "review_days": 7, "service_level": 0.95, "level": 80}
    low = advise("low", 10, _flat(2.0), **settings)  # type: ignore[arg-type]
    assert low.days_of_cover == 5.0
    assert low.stockout_date == END + timedelta(days=4)  # 2 a day: the 10th unit sells on the fifth day
    assert low.reorder_point > 14  # 7 days x 2 plus safety stock
    assert low.urgent and low.suggested_quantity >= 28 - 10
    plenty = advise("plenty", 500, _flat(2.0), **settings)  # type: ignore[arg-type]
    assert not plenty.urgent and plenty.suggested_quantity == 0 and plenty.stockout_date is None
    idle = advise("idle", 40, _flat(0.0), **settings)  # type: ignore[arg-type]
    assert idle.days_of_cover is None and idle.reorder_point == 0
    sooner = advise("sooner", 4, _flat(2.0), **settings)  # type: ignore[arg-type]
    assert [a.product_id for a in by_urgency([low, plenty, idle, sooner])] == ["sooner", "low"]
    assert [a.product_id for a in overstocked([low, plenty, idle], cover_days=120)] == ["idle", "plenty"]
