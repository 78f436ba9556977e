"""Campaigns, impressions, clicks and the daily spend ledger of sponsored products.

Money is counted exactly once: an impression is committed before the response that shows it; a click is one row
keyed by its impression (a second click of it inserts nothing and is charged nothing), written in the same
transaction as the spend it adds to the campaign's day, so a crash leaves either both or neither.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, String, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.ads.budget_day import ShopDay
from app.store.database import Base, Database, UTCDateTime
from app.store.events import EventRow
from app.store.group_commit import GroupCommit


class CampaignRow(Base):
    __tablename__ = "ad_campaigns"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    product_ids: Mapped[list[str]] = mapped_column(JSON)
    bid_cpc: Mapped[float] = mapped_column(Float)
    daily_budget: Mapped[float] = mapped_column(Float)
    keywords: Mapped[list[str]] = mapped_column(JSON)
    categories: Mapped[list[str]] = mapped_column(JSON)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ImpressionRow(Base):
    __tablename__ = "ad_impressions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(40))
    product_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    surface: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    price: Mapped[float] = mapped_column(Float)  # the second price a click on it is charged
    features: Mapped[dict[str, float]] = mapped_column(JSON)  # what the click model saw, to learn from a click
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_ad_impressions_user_day", "user_id", "created_at"),
                      Index("ix_ad_impressions_campaign", "campaign_id", "created_at"))  # fmt: skip


class ClickRow(Base):
    __tablename__ = "ad_clicks"

    impression_id: Mapped[str] = mapped_column(String(40), primary_key=True)  # one click per impression
    campaign_id: Mapped[str] = mapped_column(String(40))
    product_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    charged: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_ad_clicks_campaign", "campaign_id", "created_at"),)


class CreativeRow(Base):
    __tablename__ = "ad_creatives"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(40))
    product_id: Mapped[str] = mapped_column(String(128))
    headline: Mapped[str] = mapped_column(String(200))
    line: Mapped[str] = mapped_column(String(400))
    checks: Mapped[dict[str, Any]] = mapped_column(JSON)  # claims found, unsupported ones, the model
    status: Mapped[str] = mapped_column(String(16))  # draft | approved
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_ad_creatives_campaign", "campaign_id", "created_at"),)


class SpendRow(Base):
    __tablename__ = "ad_spend"

    campaign_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # the shop's local date (ShopDay)
    spent: Mapped[float] = mapped_column(Float, default=0.0)


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str
    product_ids: list[str]
    bid_cpc: float
    daily_budget: float
    keywords: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    status: str = "active"
    created_at: datetime | None = None

    def running(self, now: datetime) -> bool:
        return (self.status == "active" and (self.starts_at is None or self.starts_at <= now)
                and (self.ends_at is None or now < self.ends_at))  # fmt: skip


@dataclass(frozen=True)
class Creative:
    id: str
    campaign_id: str
    product_id: str
    headline: str
    line: str
    checks: dict[str, Any]
    status: str
    created_at: datetime | None = None
    approved_by: str | None = None


def _creative(row: CreativeRow) -> Creative:
    return Creative(row.id, row.campaign_id, row.product_id, row.headline, row.line, dict(row.checks or {}),
                    row.status, row.created_at, row.approved_by)  # fmt: skip


@dataclass(frozen=True)
class Impression:
    id: str
    campaign_id: str
    product_id: str
    user_id: str | None
    surface: str
    position: int
    price: float
    features: dict[str, float]


@dataclass(frozen=True)
class Charge:
    charged: float
    duplicate: bool
    impression: Impression


def _campaign(row: CampaignRow) -> Campaign:
    return Campaign(row.id, row.name, list(row.product_ids), row.bid_cpc, row.daily_budget, list(row.keywords),
                    list(row.categories), row.starts_at, row.ends_at, row.status, row.created_at)  # fmt: skip


class AdStore:
    def __init__(self, database: Database, day: ShopDay | None = None) -> None:
        self.database = database
        self.day = day or ShopDay()
        self._impressions: GroupCommit[dict[str, Any]] = GroupCommit(self._insert_impressions)

    # ---- campaigns -----------------------------------------------------------------------------------------
    def create(self, values: dict[str, Any]) -> Campaign:
        now = datetime.now(UTC)
        row = CampaignRow(id=f"cmp_{uuid.uuid4().hex[:20]}", created_at=now, updated_at=now, **values)
        with self.database.session() as session, session.begin():
            session.add(row)
        return _campaign(row)

    def update(self, campaign_id: str, values: dict[str, Any]) -> Campaign | None:
        with self.database.session() as session, session.begin():
            row = session.get(CampaignRow, campaign_id)
            if row is None:
                return None
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = datetime.now(UTC)
            return _campaign(row)

    def get(self, campaign_id: str) -> Campaign | None:
        with self.database.session() as session:
            row = session.get(CampaignRow, campaign_id)
            return _campaign(row) if row else None

    def campaigns(self) -> list[Campaign]:
        with self.database.session() as session:
            return [_campaign(r) for r in session.scalars(select(CampaignRow).order_by(CampaignRow.created_at))]

    def version(self) -> tuple[int, datetime | None]:
        """Changes to any campaign move this (a serving cache reloads on it)."""
        with self.database.session() as session:
            count, latest = session.execute(select(func.count(), func.max(CampaignRow.updated_at))).one()
            return int(count), latest

    # ---- creatives -----------------------------------------------------------------------------------------
    def add_creative(
        self, campaign_id: str, product_id: str, headline: str, line: str, checks: dict[str, Any]
    ) -> Creative:
        now = datetime.now(UTC)
        row = CreativeRow(id=f"crv_{uuid.uuid4().hex[:20]}", campaign_id=campaign_id, product_id=product_id,
                          headline=headline, line=line, checks=checks, status="draft", created_at=now)  # fmt: skip
        with self.database.session() as session, session.begin():
            session.add(row)
        return _creative(row)

    def creatives(self, campaign_id: str | None = None) -> list[Creative]:
        query = select(CreativeRow).order_by(CreativeRow.created_at)
        if campaign_id is not None:
            query = query.where(CreativeRow.campaign_id == campaign_id)
        with self.database.session() as session:
            return [_creative(r) for r in session.scalars(query)]

    def creative(self, creative_id: str) -> Creative | None:
        with self.database.session() as session:
            row = session.get(CreativeRow, creative_id)
            return _creative(row) if row else None

    def approved_creatives(self) -> dict[tuple[str, str], Creative]:
        """(campaign, product) -> its approved creative: what serving shows."""
        with self.database.session() as session:
            rows = session.scalars(select(CreativeRow).where(CreativeRow.status == "approved"))
            return {(r.campaign_id, r.product_id): _creative(r) for r in rows}

    def approve_creative(self, creative_id: str, by: str) -> Creative | None:
        """Approve one creative; the campaign product's earlier approved ones step back to drafts."""
        with self.database.session() as session, session.begin():
            row = session.get(CreativeRow, creative_id)
            if row is None:
                return None
            for other in session.scalars(select(CreativeRow).where(
                CreativeRow.campaign_id == row.campaign_id, CreativeRow.product_id == row.product_id,
                CreativeRow.status == "approved", CreativeRow.id != row.id)):  # fmt: skip
                other.status = "draft"
            row.status, row.approved_by, row.approved_at = "approved", by, datetime.now(UTC)
            campaign = session.get(CampaignRow, row.campaign_id)
            if campaign is not None:
                campaign.updated_at = datetime.now(UTC)  # serving caches reload on it
            return _creative(row)

    # ---- spend, impressions, clicks --------------------------------------------------------------------------
    def spent_today(self, now: datetime | None = None) -> dict[str, float]:
        with self.database.session() as session:
            day = self.day.key(now or datetime.now(UTC))
            rows = session.execute(select(SpendRow.campaign_id, SpendRow.spent).where(SpendRow.day == day))
            return {campaign: float(spent) for campaign, spent in rows}

    def shown_today(self, user_id: str, now: datetime | None = None) -> dict[str, int]:
        """Impressions per campaign this user was shown today, the shop's day (the frequency cap)."""
        start = self.day.start(now or datetime.now(UTC))
        with self.database.session() as session:
            rows = session.execute(
                select(ImpressionRow.campaign_id, func.count())
                .where(ImpressionRow.user_id == user_id, ImpressionRow.created_at >= start)
                .group_by(ImpressionRow.campaign_id)
            )
            return {campaign: int(n) for campaign, n in rows}

    def record_impressions(self, impressions: list[Impression]) -> None:
        """Committed on return: one transaction shared with the concurrent requests' impressions (this runs on
        every list that shows an ad)."""
        now = datetime.now(UTC)
        rows = [{"id": i.id, "campaign_id": i.campaign_id, "product_id": i.product_id, "user_id": i.user_id,
                 "surface": i.surface, "position": i.position, "price": i.price, "features": i.features,
                 "created_at": now} for i in impressions]  # fmt: skip
        self._impressions.submit(rows)

    def _insert_impressions(self, rows: list[dict[str, Any]]) -> None:
        with self.database.writing(), self.database.engine.begin() as connection:
            connection.execute(insert(ImpressionRow), rows)

    def click(
        self, impression_id: str, budgets: dict[str, float], owner: str | None = None, now: datetime | None = None
    ) -> Charge | None:
        """Charge a click once: the impression's price, unless the campaign's day is already spent (then 0, so
        a day never overshoots its budget by more than one click). None for an unknown impression, or one shown
        to another shopper than ``owner`` (when given)."""
        now = now or datetime.now(UTC)
        with self.database.session() as session:
            row = session.get(ImpressionRow, impression_id)
            if row is None or (owner is not None and row.user_id not in (None, owner)):
                return None
            impression = Impression(row.id, row.campaign_id, row.product_id, row.user_id, row.surface, row.position,
                                    row.price, dict(row.features or {}))  # fmt: skip
            if session.get(ClickRow, impression_id) is not None:
                return Charge(0.0, True, impression)
        day = self.day.key(now)
        try:
            with self.database.writing(), self.database.session() as session, session.begin():
                spend = session.get(SpendRow, (impression.campaign_id, day))
                if spend is None:
                    spend = SpendRow(campaign_id=impression.campaign_id, day=day, spent=0.0)
                    session.add(spend)
                budget = budgets.get(impression.campaign_id, 0.0)
                charged = impression.price if spend.spent < budget else 0.0
                spend.spent = round(spend.spent + charged, 6)
                session.add(ClickRow(impression_id=impression_id, campaign_id=impression.campaign_id,
                                     product_id=impression.product_id, user_id=impression.user_id, charged=charged,
                                     created_at=now))  # fmt: skip
        except IntegrityError:  # the same click committed concurrently: that one was charged
            return Charge(0.0, True, impression)
        return Charge(charged, False, impression)

    # ---- reporting -----------------------------------------------------------------------------------------
    def report(self, campaign: Campaign, since: datetime | None, attribution: timedelta) -> dict[str, Any]:
        """Counts since ``since`` (None: ever); ``units`` maps each converted product to the units bought."""
        with self.database.session() as session:
            impressions = (
                select(func.count()).select_from(ImpressionRow).where(ImpressionRow.campaign_id == campaign.id)
            )
            clicks_q = select(ClickRow).where(ClickRow.campaign_id == campaign.id)
            if since is not None:
                impressions = impressions.where(ImpressionRow.created_at >= since)
                clicks_q = clicks_q.where(ClickRow.created_at >= since)
            shown = int(session.execute(impressions).scalar_one())
            clicks = list(session.scalars(clicks_q))
            conversions = 0
            units: dict[str, float] = {}
            counted: set[str] = set()
            for click in clicks:  # a purchase of the clicked product by the clicking user within the window
                if click.user_id is None:
                    continue
                bought = session.scalars(
                    select(EventRow).where(
                        EventRow.user_id == click.user_id,
                        EventRow.product_id == click.product_id,
                        EventRow.type == "purchase",
                        EventRow.ts >= click.created_at,
                        EventRow.ts <= click.created_at + attribution,
                    )
                ).all()
                for event in bought:
                    if event.event_id not in counted:  # one purchase is one conversion, however many clicks led to it
                        counted.add(event.event_id)
                        conversions += 1
                        units[event.product_id] = units.get(event.product_id, 0.0) + event.value
        spend = round(sum(c.charged for c in clicks), 2)
        return {"impressions": float(shown), "clicks": float(len(clicks)),
                "ctr": len(clicks) / shown if shown else 0.0, "spend": spend,
                "avg_cpc": round(spend / len(clicks), 4) if clicks else 0.0, "conversions": float(conversions),
                "units": units}  # fmt: skip
