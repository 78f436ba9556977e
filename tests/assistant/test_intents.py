"""The intent rules: each kind of turn, in English and Chinese, and the cases that must not be confused."""

from __future__ import annotations

import pytest

from app.assistant.intents import Intent, classify


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("hi", Intent.GREETING),
        ("Thanks!", Intent.GREETING),
        ("I'm looking for a linen dress under $150", Intent.FIND),
        ("do you have black jeans?", Intent.FIND),
        ("我想买一条连衣裙", Intent.FIND),
        ("can you recommend something for me?", Intent.RECOMMEND),
        ("推荐一些适合我的", Intent.RECOMMEND),
        ("compare P0001 and P0002", Intent.COMPARE),
        ("what is P0123 made of?", Intent.PRODUCT_QUESTION),
        ("where is my order O100001?", Intent.ORDER_STATUS),
        ("has my package shipped yet", Intent.ORDER_STATUS),
        ("我的订单到哪了", Intent.ORDER_STATUS),
        ("How long do I have to return something?", Intent.POLICY),
        ("do you ship to Canada?", Intent.POLICY),
        ("can I pay with PayPal?", Intent.POLICY),
        ("what size should I take if I'm between sizes?", Intent.POLICY),
        ("可以退货吗\uff1f", Intent.POLICY),
        ("This is unacceptable, I want to speak to a manager", Intent.HANDOFF),
        ("I want to talk to a human", Intent.HANDOFF),
        ("我要投诉", Intent.HANDOFF),
        ("what's the weather in Paris?", Intent.OUT_OF_SCOPE),
        ("write me a poem about the sea", Intent.OUT_OF_SCOPE),
        ("asdfgh", Intent.OUT_OF_SCOPE),
    ],
)
def test_classify(message: str, expected: Intent) -> None:
    assert classify(message).intent == expected


def test_follow_ups_refer_to_the_products_shown_before() -> None:
    assert classify("is it available in blue?", has_previous_products=True).intent == Intent.PRODUCT_QUESTION
    assert classify("which one is cheaper?", has_previous_products=True).intent == Intent.COMPARE
    # the same words without anything shown before are not a product question
    assert classify("is it available in blue?").intent == Intent.FIND


def test_order_and_policy_topics_are_both_kept() -> None:
    turn = classify("can I return my order O100001?")
    assert turn.intent == Intent.ORDER_STATUS
    assert turn.order_ids == ("O100001",)
    assert "returns" in turn.policy_topics


def test_a_complaint_about_an_order_goes_to_a_person() -> None:
    assert classify("my order O100001 arrived torn, this is terrible").intent == Intent.HANDOFF
