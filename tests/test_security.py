"""API keys and signed customer tokens."""

from __future__ import annotations

import time

import pytest

from app.security import CustomerTokens, KeyRing


def test_a_token_authenticates_its_customer_until_it_expires() -> None:
    tokens = CustomerTokens(b"k" * 32, ttl_s=60)
    token, expires = tokens.mint("c0001", now=1000)
    assert expires.timestamp() == 1060
    principal = tokens.verify(token, now=1059)
    assert principal is not None and (principal.role, principal.customer_id) == ("customer", "c0001")
    assert tokens.verify(token, now=1060) is None


def test_tampered_or_foreign_tokens_are_refused() -> None:
    tokens = CustomerTokens(b"k" * 32, ttl_s=60)
    token, _ = tokens.mint("c0001")
    _payload, signature = token.removeprefix("sact.").split(".")
    other, _ = tokens.mint("c0002")
    forged = "sact." + other.removeprefix("sact.").split(".")[0] + "." + signature
    assert tokens.verify(forged) is None
    assert tokens.verify(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None
    assert CustomerTokens(b"x" * 32, ttl_s=60).verify(token) is None
    assert tokens.verify("sact.garbage") is None and tokens.verify("sact.!!.??") is None


def test_the_keyring_accepts_keys_and_customer_tokens() -> None:
    tokens = CustomerTokens(b"k" * 32, ttl_s=60)
    ring = KeyRing({"support-key-0123456789abcdef": "support"}, tokens)
    support = ring.authenticate("support-key-0123456789abcdef")
    assert support is not None and support.is_staff and support.customer_id is None
    customer = ring.authenticate(tokens.mint("c9")[0])
    assert customer is not None and customer.customer_id == "c9" and not customer.is_staff
    assert ring.authenticate("unknown") is None


@pytest.mark.parametrize("customer_id", ["", "a b", "x" * 200, "../etc"])
def test_invalid_customer_ids_are_refused(customer_id: str) -> None:
    with pytest.raises(ValueError, match="customer_id"):
        CustomerTokens(b"k" * 32, ttl_s=60).mint(customer_id, now=time.time())
