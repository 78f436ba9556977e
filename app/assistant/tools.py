"""The assistant's tools: deterministic code with the caller's identity, never chosen by the model.

Order lookups go through ``CommerceStore.order_for``: the owning customer or staff see an order; anyone else gets
nothing, exactly as if the order did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.store.commerce import CommerceStore, Order


@dataclass(frozen=True)
class Caller:
    """Who the assistant acts for: the customer whose data it may use, and whether staff is asking."""

    owner: str  # conversation owner (customer id or key subject)
    customer_id: str | None
    staff: bool


# why an order can or cannot be returned now (``return_status``), in the words the prompt shows the model
RETURN_NOTES = {
    "processing": "not shipped yet, can be cancelled at no cost",
    "cancelled": "order was cancelled",
    "returned": "already returned",
    "in_transit": "in transit, can be returned after delivery",
    "open": "eligible until {date}",
    "ended": "return window ended {date}",
}


@dataclass(frozen=True)
class OrderView:
    order: Order
    returnable: bool
    return_state: str  # a key of RETURN_NOTES
    return_date: str | None = None  # the last day of the return window, where it applies

    @property
    def return_note(self) -> str:
        return RETURN_NOTES[self.return_state].format(date=self.return_date)


def return_status(order: Order, window_days: int, now: datetime | None = None) -> tuple[bool, str, str | None]:
    """Whether an order can be returned now, why (a key of ``RETURN_NOTES``) and the window's last day."""
    now = now or datetime.now(UTC)
    if order.status in ("processing", "cancelled", "returned"):
        return False, order.status, None
    if order.status == "shipped" or order.delivered_at is None:
        return False, "in_transit", None
    deadline = order.delivered_at + timedelta(days=window_days)
    return now <= deadline, "open" if now <= deadline else "ended", deadline.date().isoformat()


class OrderTools:
    def __init__(self, commerce: CommerceStore, return_window_days: int) -> None:
        self.commerce = commerce
        self.return_window_days = return_window_days

    def view(self, order: Order) -> OrderView:
        return OrderView(order, *return_status(order, self.return_window_days))

    def lookup(self, caller: Caller, order_ids: tuple[str, ...], recent: int) -> tuple[list[OrderView], list[str]]:
        """The orders the caller may see: the named ones, else the customer's most recent.

        Returns (views, ids that were asked for but are not visible to this caller).
        """
        views: list[OrderView] = []
        hidden: list[str] = []
        for order_id in order_ids:
            order = self.commerce.order_for(order_id, customer_id=caller.customer_id, staff=caller.staff)
            if order is None:
                hidden.append(order_id)
            elif not caller.staff or caller.customer_id is None or order.customer_id == caller.customer_id:
                views.append(self.view(order))
            else:  # support acting for customer A does not pull customer B's order into A's chat
                hidden.append(order_id)
        if not order_ids and caller.customer_id is not None:
            views = [self.view(o) for o in self.commerce.orders_of(caller.customer_id, limit=recent)]
        return views, hidden
