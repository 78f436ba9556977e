"""The shop's day: daily budgets, pacing, frequency caps and a report's "today" run from the shop's local
midnight (``SHOPASSIST_ADS__TIMEZONE``), so a budget renews when the shop's day does, not at UTC midnight."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ShopDay:
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    def local_date(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()

    def key(self, now: datetime) -> str:
        """The day a spend row is booked under: the shop's local date."""
        return self.local_date(now).isoformat()

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self.zone).astimezone(UTC)

    def start(self, now: datetime) -> datetime:
        """The shop's last midnight, in UTC."""
        return self._midnight(self.local_date(now))

    def fraction(self, now: datetime) -> float:
        """Share of the shop's day gone by (a day of 23 or 25 hours where the clocks change)."""
        day = self.local_date(now)
        start, end = self._midnight(day), self._midnight(day + timedelta(days=1))
        return min(1.0, max(0.0, (now - start) / (end - start)))
