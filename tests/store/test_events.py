from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.store.database import Database
from app.store.events import FOLLOW_S, HISTORY_FRESH_S, EventStore
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


def test_recency_makes_a_users_newest_events_count_most(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'events.db'}")
    database.create_all()
    weights = EventWeights(recency_boost=10.0, recency_half_life=2.0)
    store = EventStore(database, weights)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    # posted out of order: the store orders by the events' own time, not by arrival
    for n, (user, product, minute) in enumerate(
        [("u1", "P3", 3), ("u1", "P1", 1), ("u1", "P2", 2), ("u2", "P1", 2), ("u2", "P3", 1), ("u1", "P1", 0)]
    ):
        store.add([Event(event_id=f"e{n}", user_id=user, product_id=product, type="view",
                         ts=start + timedelta(minutes=minute))])  # fmt: skip
    newest, one_older, two_older, three_older = (weights.recency(k) for k in range(4))
    assert (newest, one_older, two_older) == pytest.approx((11.0, 1 + 10 / 2**0.5, 6.0))
    history = store.history("u1")
    assert history == pytest.approx({"P3": newest, "P2": one_older, "P1": two_older + three_older})
    assert max(history, key=history.__getitem__) == "P3"  # one view, but the latest
    assert store.history("u2") == pytest.approx({"P1": newest, "P3": one_older})
    # training reads the same confidences as serving folds a user in from
    trained = {(u, p): c for u, p, c in store.interactions()}
    assert trained == pytest.approx({("u1", p): c for p, c in history.items()} | {("u2", "P1"): newest,
                                                                               ("u2", "P3"): one_older})  # fmt: skip
    assert EventWeights().user_confidences([("P1", "view", 1), ("P2", "view", 1)]) == {"P1": 1.0, "P2": 1.0}


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


def test_a_users_history_is_reread_after_their_new_events_and_within_a_second_of_another_writer(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite:///{tmp_path / 'events.db'}")
    database.create_all()
    store, other_process = EventStore(database), EventStore(Database(database.url))
    store.add([event(1, product="P1")])
    assert set(store.history("u1")) == {"P1"}
    store.add([event(2, product="P2")])  # through this store: seen at once
    assert set(store.history("u1")) == {"P1", "P2"}
    other_process.add([event(3, product="P3")])  # another writer of the same database: seen once the entry ages
    started = time.monotonic()
    while "P3" not in store.history("u1"):
        assert time.monotonic() - started < HISTORY_FRESH_S + 1.0
        time.sleep(0.05)


def test_on_sqlite_a_history_stays_cached_until_a_writer_adds_to_it(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'events.db'}")
    database.create_all()
    store, other_process = EventStore(database), EventStore(Database(database.url))
    store.add([event(1, product="P1"), event(2, user="u2", product="P9")])
    first, other = store.history("u1"), store.history("u2")
    time.sleep(HISTORY_FRESH_S + 0.2)
    assert store.history("u1") is first  # no new rows: not read again after a second
    other_process.add([event(3, product="P3")])  # another process writes for u1 only
    time.sleep(FOLLOW_S + 0.05)
    assert set(store.history("u1")) == {"P1", "P3"}
    assert store.history("u2") is other
