from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.store.database import Database
from app.store.events import EventStore
from retrieval.events import Event, EventWeights


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    database = Database(f"sqlite:///{tmp_path / 'events.db'}")
    database.create_all()
    return EventStore(database)


def event(n: int, user: str = "u1", product: str = "P1", kind: str = "view", value: float = 1.0) -> Event:
    return Event(event_id=f"e{n}", user_id=user, product_id=product, type=kind, value=value)


def test_events_are_idempotent_by_id(store: EventStore) -> None:
    assert store.add([event(1), event(2), event(2)]) == (2, 1)
    assert store.add([event(1), event(3)]) == (1, 1)
    assert store.count() == 3


def test_history_weights_views_carts_purchases_and_ratings(store: EventStore) -> None:
    store.add(
        [
            event(1, kind="view"),
            event(2, kind="view"),
            event(3, kind="cart"),
            event(4, product="P2", kind="purchase", value=2),
            event(5, product="P3", kind="rating", value=5),
            event(6, product="P4", kind="rating", value=2),
            event(7, user="u2", product="P9", kind="purchase"),
        ]
    )
    weights = EventWeights()
    assert store.history("u1") == {
        "P1": 2 * weights.view + weights.cart,
        "P2": 2 * weights.purchase,
        "P3": 2 * weights.rating_per_star_above_3,
    }  # a 2-star rating says nothing positive
    assert sorted(store.interactions()) == sorted(
        [("u1", "P1", 6.0), ("u1", "P2", 20.0), ("u1", "P3", 6.0), ("u2", "P9", 10.0)]
    )


def test_invalid_events_are_refused_with_a_reason() -> None:
    with pytest.raises(ValidationError, match="type"):
        Event(event_id="e1", user_id="u", product_id="p", type="like")
    with pytest.raises(ValidationError, match="event_id"):
        Event(event_id="", user_id="u", product_id="p", type="view")
    with pytest.raises(ValidationError, match="value"):
        Event(event_id="e1", user_id="u", product_id="p", type="purchase", value=-1)


def test_events_survive_reopening_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    first = Database(url)
    first.create_all()
    EventStore(first).add([event(n) for n in range(50)])
    first.close()
    assert EventStore(Database(url)).count() == 50
