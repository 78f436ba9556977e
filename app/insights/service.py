"""Merchant insights: demand forecasts (refitted on a schedule, nowcast on today's sales) and restock advice.

Forecasts start the day after the last complete day of sales. That is yesterday while sales flow; for data
that ended in the past (a demo store, a shop whose sync stopped) it is the last day anything sold, so a gap in
the feed is not read as demand falling to zero. Today's sales so far replace the matching share of today's
forecast at every read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from app.config import InsightsSettings
from app.insights.demand import daily_units, day_start, series
from app.insights.fitting import fit
from app.insights.forecast import Forecast, Forecaster
from app.insights.restock import Advice, advise, by_urgency, overstocked
from app.store.commerce import CommerceStore
from app.store.events import EventStore
from retrieval.catalog import category_prefixes
from retrieval.catalog_service import CatalogService

log = logging.getLogger(__name__)
CATEGORY_KEY = "\x1fcategory:"  # a category's series among the products' in one fit (no product id holds \x1f)
CACHED_HORIZON = 90  # days kept per product: a request up to this is a slice, longer ones are fitted anew


@dataclass(frozen=True)
class Snapshot:
    start: date  # the first forecast day
    fitted_at: float
    forecasts: dict[str, Forecast]
    history: dict[str, dict[date, int]]
    span: int  # days of history each series holds
    selected_at: float  # when the models were last chosen by backtest
    sales_rows: int  # orders + events stored when fitted
    categories: dict[str, Forecast]  # by category path prefix: the sum of its products' sales
    daily: dict[str, float]  # mean daily demand over the horizon, per product: what serving's outlook reads


class InsightsService:
    def __init__(
        self, settings: InsightsSettings, commerce: CommerceStore, events: EventStore, catalog: CatalogService
    ) -> None:
        self.settings = settings
        self.commerce = commerce
        self.events = events
        self.catalog = catalog
        self.forecaster = Forecaster(level=settings.level, backtest_days=settings.backtest_days)
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- forecasts -------------------------------------------------------------------------------------
    def _sales(self, since: datetime, product_id: str | None = None) -> dict[str, dict[date, int]]:
        return daily_units(self.commerce.units_sold(since, product_id), self.events.purchases(since, product_id))

    def refresh(self, now: datetime | None = None) -> Snapshot:
        """Refit every product's forecast from the last ``history_days`` of sales."""
        with self._refreshing:
            now = now or datetime.now(UTC)
            rows = self._rows()
            history = self._sales(day_start(now.date() - timedelta(days=self.settings.history_days + 1)))
            sold_days = [d for days in history.values() for d in days]
            today = now.date()
            last = max(sold_days) if sold_days else today - timedelta(days=1)
            end = today - timedelta(days=1) if last >= today else last
            first = min(sold_days) if sold_days else end
            span = max(2 * self.settings.backtest_days, (end - first).days + 1)
            span = min(span, self.settings.history_days)
            started = time.perf_counter()
            with self._lock:
                previous = self._snapshot
            keep = previous is not None and time.monotonic() - previous.selected_at < self.settings.reselect_s
            chosen: dict[str, str] = {}
            if keep and previous:
                chosen = {pid: f.model for pid, f in previous.forecasts.items()}
                chosen.update({CATEGORY_KEY + c: f.model for c, f in previous.categories.items()})
            values = {pid: series(days, end, span) for pid, days in history.items()}
            values.update({CATEGORY_KEY + c: y for c, y in self._category_series(history, end, span).items()})
            fitted = self._fit(values, end, chosen)  # one set of worker processes for both
            forecasts = {k: f for k, f in fitted.items() if not k.startswith(CATEGORY_KEY)}
            categories = {k.removeprefix(CATEGORY_KEY): f for k, f in fitted.items() if k.startswith(CATEGORY_KEY)}
            selected_at = previous.selected_at if keep and previous else time.monotonic()
            horizon = self.settings.horizon_days
            daily = {pid: float(f.mean[:horizon].mean()) if len(f.mean[:horizon]) else 0.0
                     for pid, f in forecasts.items()}  # fmt: skip
            snapshot = Snapshot(end + timedelta(days=1), time.monotonic(), forecasts, history, span, selected_at, rows,
                                categories, daily)  # fmt: skip
            with self._lock:
                self._snapshot = snapshot
            log.info("forecasts: %d products fitted in %.1f s", len(forecasts), time.perf_counter() - started)
            return snapshot

    def _fit(
        self, values: dict[str, npt.NDArray[np.float64]], end: date, chosen: dict[str, str] | None,
        horizon: int = CACHED_HORIZON,
    ) -> dict[str, Forecast]:  # fmt: skip
        s = self.settings
        return fit(values, end, horizon, chosen, level=s.level, backtest_days=s.backtest_days, workers=s.fit_workers)

    def _category_series(
        self, history: dict[str, dict[date, int]], end: date, span: int
    ) -> dict[str, npt.NDArray[np.float64]]:
        """Each category path prefix's daily units: the sum over its products (sold ones not in the catalog any
        more are left out)."""
        out: dict[str, npt.NDArray[np.float64]] = {}
        for pid, product in self.catalog.get_many(list(history)).items():
            values = series(history[pid], end, span)
            for prefix in category_prefixes(product.category):
                out[prefix] = out[prefix] + values if prefix in out else values.copy()
        return out

    def category_view(self, category: str, horizon: int) -> dict[str, Any] | None:
        """The category's forecast, up to ``CACHED_HORIZON`` days (None: nothing of it sold in the fitted days)."""
        forecast = self.snapshot().categories.get(category)
        if forecast is None:
            return None
        return {"category": category, "model": forecast.model, "level": self.settings.level,
                "daily": _daily(forecast, horizon)}  # fmt: skip

    def _rows(self) -> int:
        return self.commerce.counts()[1] + self.events.count()

    def snapshot(self) -> Snapshot:
        """The current forecasts, refitted first when older than ``refresh_s`` or when the stored sales grew
        by more than ``refit_growth`` since (a bulk load, a backfill): today's sales alone are a nowcast."""
        with self._lock:
            current = self._snapshot
        if current is not None and self._refreshing.locked():
            return current  # a refit is under way: the last forecasts serve until it lands
        if current is None or time.monotonic() - current.fitted_at > self.settings.refresh_s:
            return self.refresh()
        if self._rows() > current.sales_rows * (1 + self.settings.refit_growth):
            return self.refresh()
        today = datetime.now(UTC).date()
        if current.start < today and self._sold_since(day_start(current.start)):
            return self.refresh()  # sales after the fitted days: a new day began (once a day, then nowcasts)
        return current

    def _sold_since(self, since: datetime) -> bool:
        return next(iter(self.events.purchases(since)), None) is not None or (
            next(iter(self.commerce.units_sold(since)), None) is not None
        )

    def product_forecast(self, product_id: str, horizon: int, now: datetime | None = None) -> Forecast:
        snapshot = self.snapshot()
        forecast = snapshot.forecasts.get(product_id)
        if forecast is None or horizon > len(forecast.mean):
            days = snapshot.history.get(product_id, {})
            end = snapshot.start - timedelta(days=1)
            forecast = self._fit({product_id: series(days, end, snapshot.span)}, end, None, horizon)[product_id]
        return self._nowcast(product_id, forecast.head(horizon), now or datetime.now(UTC))

    def _nowcast(self, product_id: str, forecast: Forecast, now: datetime) -> Forecast:
        """Today's figures: what sold so far plus the forecast for the rest of the day."""
        if forecast.start != now.date():
            return forecast
        sold = sum(self._sales(day_start(now.date()), product_id).get(product_id, {}).values())
        left = 1.0 - (now - day_start(now.date())).total_seconds() / 86400
        mean, lo, hi = forecast.mean.copy(), forecast.lo.copy(), forecast.hi.copy()
        mean[0], lo[0], hi[0] = sold + mean[0] * left, sold + lo[0] * left, sold + hi[0] * left
        return replace(forecast, mean=mean, lo=lo, hi=hi)

    def forecast_view(self, product_id: str, horizon: int) -> dict[str, Any]:
        forecast = self.product_forecast(product_id, horizon)
        product = self.catalog.get(product_id)
        advice = self._advice(product_id, product.stock if product else None, forecast)
        return {
            "product_id": product_id,
            "model": forecast.model,
            "level": self.settings.level,
            "daily": _daily(forecast, horizon),
            "stockout_date": advice.stockout_date.isoformat() if advice and advice.stockout_date else None,
            "days_of_cover": advice.days_of_cover if advice else None,
            "stock": product.stock if product else None,
        }

    # ---- restock ---------------------------------------------------------------------------------------
    def _advice(self, product_id: str, stock: int | None, forecast: Forecast) -> Advice | None:
        if stock is None:
            return None
        s = self.settings
        return advise(product_id, stock, forecast, lead_time_days=s.lead_time_days, review_days=s.review_days,
                      service_level=s.service_level, level=s.level)  # fmt: skip

    def advice(self) -> list[Advice]:
        """Advice for every product whose stock the feed gives."""
        snapshot = self.snapshot()
        products = self.catalog.get_many(self.catalog.ids())
        horizon = self.settings.horizon_days
        # a product that sold nothing in the fitted days: the same zero forecast for each of them
        unsold = self.forecaster.forecast({"": np.zeros(snapshot.span)}, snapshot.start - timedelta(days=1), horizon)
        out = []
        for pid, product in products.items():
            forecast = snapshot.forecasts.get(pid) or unsold[""]
            advice = self._advice(pid, product.stock, forecast.head(horizon))
            if advice is not None:
                out.append(advice)
        return out

    def restock(self, limit: int) -> list[Advice]:
        return by_urgency(self.advice())[:limit]

    def overstock(self, limit: int) -> list[Advice]:
        return overstocked(self.advice(), self.settings.overstock_cover_days)[:limit]

    def outlook(self, product_ids: Sequence[str]) -> dict[str, str]:
        """Of these products, ``scarce`` (fewer than ``protect_cover_days`` of cover at the forecast rate: not
        to be pushed, recommending them sells what is about to run out) and ``overstock`` (more than
        ``overstock_cover_days``). From the last fit: this runs on serving paths and never fits."""
        with self._lock:
            snapshot = self._snapshot
        if snapshot is None or not product_ids:
            return {}
        s = self.settings
        out = {}
        for pid, product in self.catalog.get_many(list(product_ids)).items():
            daily = snapshot.daily.get(pid)
            if product.stock is None or daily is None or product.stock <= 0:
                continue
            cover = product.stock / daily if daily > 0 else None  # restock.cover_days, its rate computed once
            if cover is not None and cover < s.protect_cover_days:
                out[pid] = "scarce"
            elif cover is None or cover > s.overstock_cover_days:
                out[pid] = "overstock"
        return out

    # ---- schedule --------------------------------------------------------------------------------------
    def start_schedule(self) -> None:
        """Fit at once in the background, then again every ``refresh_s``."""
        if self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.refresh()
                except Exception:  # a failed fit keeps the last forecasts serving
                    log.exception("forecast refresh failed")
                self._stop.wait(self.settings.refresh_s)

        self._thread = threading.Thread(target=loop, name="forecast-refresh", daemon=True)
        self._thread.start()

    def stop_schedule(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


def _daily(forecast: Forecast, horizon: int) -> list[dict[str, Any]]:
    days = forecast.days()[:horizon]
    return [
        {"date": day.isoformat(), "mean": round(float(m), 3), "lo": round(float(lo), 3), "hi": round(float(hi), 3)}
        for day, m, lo, hi in zip(days, forecast.mean, forecast.lo, forecast.hi, strict=False)
    ]
