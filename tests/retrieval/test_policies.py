"""Policy passages in Qdrant's embedded engine, searched with the real MiniLM encoder."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.embed import OnnxMiniLMEncoder
from retrieval.policies import PolicyIndex, read_policies, split_passages


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> PolicyIndex:
    built = PolicyIndex(tmp_path_factory.mktemp("policies"), OnnxMiniLMEncoder(threads=1), read_policies(None))
    built.open()
    return built


def test_markdown_is_split_into_titled_passages() -> None:
    passages = split_passages(
        "returns", "# Returns\n\n- **30 days** to return.\n- Refunds in 5 days\n  to your card.\n"
    )
    assert [(p.id, p.title, p.text) for p in passages] == [
        ("returns-1", "Returns", "30 days to return."),
        ("returns-2", "Returns", "Refunds in 5 days to your card."),
    ]


@pytest.mark.parametrize(
    ("question", "doc", "fact"),
    [
        ("how many days do I have to send an item back", "returns", "30 days"),
        ("do you deliver to Canada", "shipping", "Canada"),
        ("can I pay with PayPal", "payment", "PayPal"),
        ("what size are jeans", "sizing", "waist"),
    ],
)
def test_questions_find_the_right_passage(index: PolicyIndex, question: str, doc: str, fact: str) -> None:
    hits = index.search(question, limit=2)
    assert hits[0].passage.doc == doc
    assert any(fact in hit.passage.text for hit in hits)


def test_search_within_one_policy(index: PolicyIndex) -> None:
    hits = index.search("可以退货吗", limit=3, docs=["returns"])
    assert hits and all(hit.passage.doc == "returns" for hit in hits)


def test_the_index_is_reused_until_the_policies_change(tmp_path: Path) -> None:
    encoder = OnnxMiniLMEncoder(threads=1)
    first = PolicyIndex(tmp_path, encoder, {"returns": "- 30 days to return."})
    first.open()
    first.close()
    same = PolicyIndex(tmp_path, encoder, {"returns": "- 30 days to return."})
    assert (tmp_path / same.fingerprint / "READY").is_file()
    changed = PolicyIndex(tmp_path, encoder, {"returns": "- 14 days to return."})
    changed.open()
    assert changed.search("return", 1)[0].passage.text == "14 days to return."
    assert [p.name for p in tmp_path.iterdir()] == [changed.fingerprint]
    changed.close()


def test_an_edited_policy_is_the_only_one_embedded_again(tmp_path: Path) -> None:
    from retrieval.vector_cache import VectorCache

    cache, encoder, policies = (
        VectorCache(tmp_path / "vectors.sqlite"),
        OnnxMiniLMEncoder(threads=1),
        read_policies(None),
    )
    first = PolicyIndex(tmp_path / "one", encoder, policies, vectors=cache)
    first.open()
    assert cache.hits == 0 and cache.misses == len(first.passages)
    edited = {**policies, "returns": policies["returns"] + "\n\n- Gift cards cannot be returned.\n"}
    second = PolicyIndex(tmp_path / "two", encoder, edited, vectors=cache)
    second.open()
    new = len(second.passages) - len(first.passages)
    assert new == 1 and cache.misses == len(first.passages) + new and cache.hits == len(first.passages)
    hit = second.search("can I return a gift card", limit=1)[0]
    assert "Gift cards" in hit.passage.text
    assert [h.passage.id for h in second.search("do you deliver to Canada")] == [
        h.passage.id for h in first.search("do you deliver to Canada")
    ]
