"""Carts and their lines. A cart belongs to one customer (or to the staff member who opened it for nobody);
reads are scoped like orders: the owner or staff. Prices are the catalog's at the time a line was added."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.store.database import Base, Database, UTCDateTime


class CartRow(Base):
    __tablename__ = "carts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_carts_customer", "customer_id"),)


class CartLineRow(Base):
    __tablename__ = "cart_lines"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    cart_id: Mapped[str] = mapped_column(ForeignKey("carts.id"))
    product_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[float] = mapped_column(Float)
    variant: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_cart_lines_cart", "cart_id", "created_at"),)


@dataclass(frozen=True)
class CartLine:
    id: str
    product_id: str
    title: str
    quantity: int
    unit_price: float
    variant: dict[str, str]

    @property
    def total(self) -> float:
        return round(self.unit_price * self.quantity, 2)


@dataclass(frozen=True)
class Cart:
    id: str
    customer_id: str | None
    currency: str
    lines: list[CartLine] = field(default_factory=list)

    @property
    def subtotal(self) -> float:
        return round(sum(line.total for line in self.lines), 2)

    def quantity_of(self, product_id: str) -> int:
        """Units of the product in the cart, over all its variants (what stock limits)."""
        return sum(line.quantity for line in self.lines if line.product_id == product_id)


class CartStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def create(self, customer_id: str | None, currency: str) -> Cart:
        now = datetime.now(UTC)
        cart = CartRow(id=f"cart_{uuid.uuid4().hex}", customer_id=customer_id, currency=currency,
                       created_at=now, updated_at=now)  # fmt: skip
        with self.database.session() as session, session.begin():
            session.add(cart)
        return Cart(cart.id, customer_id, currency)

    def get(self, cart_id: str, *, customer_id: str | None, staff: bool) -> Cart | None:
        """The cart for its owner or staff; None when it does not exist for this caller."""
        with self.database.session() as session:
            row = session.get(CartRow, cart_id)
            if row is None or not (staff or (customer_id is not None and row.customer_id == customer_id)):
                return None
            lines = session.scalars(
                select(CartLineRow).where(CartLineRow.cart_id == cart_id).order_by(CartLineRow.created_at)
            ).all()
            return Cart(row.id, row.customer_id, row.currency, [_line(r) for r in lines])

    def latest(self, customer_id: str, currency: str) -> Cart | None:
        """The customer's most recently changed cart in ``currency`` (where a chat add goes by default)."""
        with self.database.session() as session:
            cart_id = session.scalars(
                select(CartRow.id)
                .where(CartRow.customer_id == customer_id, CartRow.currency == currency)
                .order_by(CartRow.updated_at.desc())
                .limit(1)
            ).first()
        return None if cart_id is None else self.get(cart_id, customer_id=customer_id, staff=False)

    def add(
        self, cart_id: str, product_id: str, title: str, quantity: int, price: float, variant: dict[str, str]
    ) -> str:
        """Add to the line of this product and variant (a new one when there is none); returns its id."""
        with self.database.session() as session, session.begin():
            existing = session.scalars(
                select(CartLineRow).where(CartLineRow.cart_id == cart_id, CartLineRow.product_id == product_id)
            ).all()
            same = next((r for r in existing if r.variant == variant), None)
            if same is not None:
                same.quantity += quantity
                line_id = same.id
            else:
                line_id = f"line_{uuid.uuid4().hex[:16]}"
                session.add(CartLineRow(id=line_id, cart_id=cart_id, product_id=product_id, title=title,
                                        quantity=quantity, unit_price=price, variant=variant,
                                        created_at=datetime.now(UTC)))  # fmt: skip
            self._touch(session, cart_id)
        return line_id

    def set_quantity(self, cart_id: str, line_id: str, quantity: int) -> bool:
        with self.database.session() as session, session.begin():
            row = session.get(CartLineRow, line_id)
            if row is None or row.cart_id != cart_id:
                return False
            row.quantity = quantity
            self._touch(session, cart_id)
        return True

    def remove(self, cart_id: str, line_id: str) -> bool:
        with self.database.session() as session, session.begin():
            row = session.get(CartLineRow, line_id)
            if row is None or row.cart_id != cart_id:
                return False
            session.delete(row)
            self._touch(session, cart_id)
        return True

    @staticmethod
    def _touch(session: Session, cart_id: str) -> None:
        cart = session.get(CartRow, cart_id)
        if cart is not None:
            cart.updated_at = datetime.now(UTC)


def _line(row: CartLineRow) -> CartLine:
    return CartLine(row.id, row.product_id, row.title, row.quantity, row.unit_price, dict(row.variant or {}))
