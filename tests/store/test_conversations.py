from __future__ import annotations

from pathlib import Path

from app.store.conversations import ConversationStore
from app.store.database import Database


def test_turns_summary_and_tickets_survive_a_new_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    database = Database(url)
    database.create_all()
    store = ConversationStore(database)
    conversation = store.create("customer:c1", "c1")
    assert store.append_turn(conversation.id, "hi", "hello", {"products": []}, {"intent": "greeting"}) == 2
    assert store.append_turn(conversation.id, "a dress", "[P0001]", {"products": ["P0001"]}, {}) == 4
    store.set_summary(conversation.id, "customer asked hi", 2)
    ticket = store.open_ticket(conversation.id, "c1", "complaint", "customer asked hi")
    database.close()

    reopened = ConversationStore(Database(url))
    loaded = reopened.get(conversation.id)
    assert loaded is not None
    assert [(m.seq, m.role, m.content) for m in loaded.messages] == [
        (1, "user", "hi"),
        (2, "assistant", "hello"),
        (3, "user", "a dress"),
        (4, "assistant", "[P0001]"),
    ]
    assert loaded.messages[3].meta == {"products": ["P0001"]}
    assert (loaded.summary, loaded.summarized_upto, loaded.owner) == ("customer asked hi", 2, "customer:c1")
    assert [t.id for t in reopened.tickets(conversation.id)] == [ticket.id]
    assert reopened.get("nope") is None
