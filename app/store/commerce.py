"""Customers and their orders (the demo store's, or a shop's synced from its backend).

Reads are by id and always scoped: ``order_for`` returns an order only to its owner or to staff, so the
assistant and the REST routes share one access rule.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, Index, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from app.store.database import Base, Database, UTCDateTime


class OrderItem(BaseModel):
    model_config = ConfigDict(extra="allow")

    product_id: str
    title: str = ""
    quantity: int = Field(1, ge=1)
    unit_price: float = Field(ge=0)
    size: str | None = None
    colour: str | None = None


class Order(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, max_length=64)
    customer_id: str = Field(min_length=1, max_length=128)
    status: str
    items: list[OrderItem]
    subtotal: float | None = None
    shipping: float | None = None
    total: float
    currency: str = "USD"
    placed_at: datetime
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    estimated_delivery: str | None = None
    tracking_number: str | None = None


class Customer(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, max_length=128)
    name: str
    email: str
    city: str | None = None


class CustomerRow(Base):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class OrderRow(Base):
    __tablename__ = "orders"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(128))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (Index("ix_orders_customer", "customer_id", "placed_at"),)


class CommerceStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    # ---- writes --------------------------------------------------------------------------------------
    def upsert_customers(self, customers: Iterable[Customer]) -> int:
        count = 0
        with self.database.session() as session, session.begin():
            for customer in customers:
                session.merge(
                    CustomerRow(
                        id=customer.id, name=customer.name, email=customer.email, data=customer.model_dump(mode="json")
                    )
                )
                count += 1
        return count

    def upsert_orders(self, orders: Iterable[Order]) -> int:
        count = 0
        with self.database.session() as session, session.begin():
            for order in orders:
                session.merge(
                    OrderRow(
                        id=order.id,
                        customer_id=order.customer_id,
                        placed_at=order.placed_at,
                        data=order.model_dump(mode="json"),
                    )
                )
                count += 1
        return count

    def load_files(self, customers: Path, orders: Path) -> tuple[int, int]:
        """Upsert customers and orders from JSONL files (the demo store's); idempotent by id."""
        return (
            self.upsert_customers(Customer.model_validate(row) for row in _jsonl(customers)),
            self.upsert_orders(Order.model_validate(row) for row in _jsonl(orders)),
        )

    # ---- reads ---------------------------------------------------------------------------------------
    def customers(self, limit: int = 50, offset: int = 0) -> list[Customer]:
        with self.database.session() as session:
            rows = session.scalars(select(CustomerRow).order_by(CustomerRow.id).limit(limit).offset(offset)).all()
        return [Customer.model_validate(row.data) for row in rows]

    def customer(self, customer_id: str) -> Customer | None:
        with self.database.session() as session:
            row = session.get(CustomerRow, customer_id)
        return Customer.model_validate(row.data) if row else None

    def order(self, order_id: str) -> Order | None:
        """An order by id, whoever owns it: callers must check access (see ``order_for``)."""
        with self.database.session() as session:
            row = session.get(OrderRow, order_id)
        return Order.model_validate(row.data) if row else None

    def order_for(self, order_id: str, *, customer_id: str | None, staff: bool) -> Order | None:
        """The order when the caller may see it (its owner, or staff); otherwise None, as if it did not exist."""
        order = self.order(order_id)
        if order is None or not (staff or (customer_id is not None and order.customer_id == customer_id)):
            return None
        return order

    def orders_of(self, customer_id: str | None, limit: int = 50) -> list[Order]:
        """A customer's orders (None: every customer's), newest first."""
        query = select(OrderRow)
        if customer_id is not None:
            query = query.where(OrderRow.customer_id == customer_id)
        with self.database.session() as session:
            rows = session.scalars(query.order_by(OrderRow.placed_at.desc()).limit(limit)).all()
        return [Order.model_validate(row.data) for row in rows]

    def order_ids(self, limit: int = 2000) -> list[str]:
        """The newest order ids (what the assistant learns the shop's order-number shape from)."""
        with self.database.session() as session:
            rows = session.scalars(select(OrderRow.id).order_by(OrderRow.placed_at.desc()).limit(limit)).all()
        return list(rows)

    def units_sold(self, since: datetime, product_id: str | None = None) -> Iterator[tuple[str, datetime, int]]:
        """(product id, order time, quantity) of every order line placed since ``since``, cancelled orders
        left out: the demand that forecasts learn from."""
        query = select(OrderRow.placed_at, OrderRow.data).where(OrderRow.placed_at >= since)
        with self.database.session() as session:
            for placed_at, data in session.execute(query.order_by(OrderRow.placed_at)).yield_per(2000):
                if data.get("status") == "cancelled":
                    continue
                for item in data.get("items") or []:
                    if product_id is None or item.get("product_id") == product_id:
                        yield str(item["product_id"]), placed_at, int(item.get("quantity") or 1)

    def counts(self) -> tuple[int, int]:
        with self.database.session() as session:
            customers = session.scalar(select(func.count()).select_from(CustomerRow)) or 0
            orders = session.scalar(select(func.count()).select_from(OrderRow)) or 0
        return int(customers), int(orders)


def _jsonl(path: Path) -> Sequence[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{number}: {exc.msg}") from exc
    return rows
