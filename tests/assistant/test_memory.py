from __future__ import annotations

from app.assistant.memory import estimate_tokens, recall
from app.store.conversations import Conversation, StoredMessage


def conversation(turns: int, summary: str = "", upto: int = 0) -> Conversation:
    messages = []
    for i in range(turns):
        messages.append(StoredMessage(2 * i + 1, "user", f"question number {i} about dresses " + "x" * 40))
        messages.append(StoredMessage(2 * i + 2, "assistant", f"answer {i} " + "y" * 80, {"products": [f"P{i:04d}"]}))
    return Conversation("c", "customer:c1", "c1", summary, upto, messages)


def test_short_chats_are_kept_verbatim() -> None:
    memory = recall(conversation(2), budget_tokens=400)
    assert [role for role, _ in memory.history] == ["user", "assistant", "user", "assistant"]
    assert memory.summary == "" and not memory.changed


def test_long_chats_fold_old_turns_into_the_summary() -> None:
    memory = recall(conversation(20), budget_tokens=120)
    assert memory.history and memory.history[0][0] == "user"
    assert sum(estimate_tokens(text) for _, text in memory.history) <= 120
    assert memory.changed and memory.summarized_upto > 0
    assert 'customer asked "question number 0' in memory.summary or memory.summary.startswith("...")
    assert "[P0001]" in memory.summary or memory.summary.startswith("...")
    # everything not in the window is in the summary: window starts right after what was folded
    first_kept = 40 - 2 * (len(memory.history) // 2) + 1
    assert memory.summarized_upto == first_kept - 1
    assert len(memory.summary) <= 600


def test_the_summary_only_grows_with_newly_folded_turns() -> None:
    first = recall(conversation(10), budget_tokens=120)
    again = recall(conversation(10, first.summary, first.summarized_upto), budget_tokens=120)
    assert again.summary == first.summary and not again.changed


def test_token_estimate_counts_cjk_per_character() -> None:
    assert estimate_tokens("可以退货吗") > estimate_tokens("abcde")
