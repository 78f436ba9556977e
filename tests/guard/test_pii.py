from __future__ import annotations

import logging

import pytest

from app.guard.pii import RedactingFilter, luhn_ok, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jane.doe@example.com", "write to <EMAIL>"),
        ("card 4111 1111 1111 1111 please", "card <CARD> please"),
        ("card 4111-1111-1111-1111", "card <CARD>"),
        ("call +1 (415) 555-0134", "call <PHONE>"),
        ("call 415-555-0134 today", "call <PHONE> today"),
        ("ssn 123-45-6789", "ssn <SSN>"),
        ("from 192.168.1.20", "from <IP>"),
        ("IBAN DE89 3704 0044 0532 0130 00", "IBAN <IBAN>"),
        ("ship to 42 Baker Street, London", "ship to <ADDRESS>, London"),
    ],
)
def test_personal_data_is_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "order O100001 placed 2026-08-03, total $581.70",
        "tracking 1Z140094327893476",
        "[P1153] Wren Printed Linen Midi Dress - $124.95; sizes XS-XL",
        "ship in 3-5 business days, express $14.95",
    ],
)
def test_shop_data_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_luhn() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


def test_log_records_are_redacted_before_formatting() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "mail %s", ("a@b.co",), None)
    record.__dict__["customer_note"] = "call 415-555-0134"
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "mail <EMAIL>"
    assert record.__dict__["customer_note"] == "call <PHONE>"
