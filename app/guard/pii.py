"""PII redaction by patterns: emails, phone numbers, payment cards (Luhn-checked), IBANs, US SSNs, IP addresses
and street addresses. Used on logs, stored analytics (ticket summaries, rolling summaries) and prompts sent to a
remote LLM backend.

Patterns, not a model: offline, ~µs per text, no false "person names" on product titles. Presidio's
pattern-only recognizers find the same kinds; they need spaCy (~125 MB) for no extra recall here.
"""

from __future__ import annotations

import logging
import re

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
_PHONE = re.compile(r"(?<![\w.])(?:\+?\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]?\d{3,4}(?![\w.])")
_IPV4 = re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")
_ADDRESS = re.compile(
    r"\b\d{1,6}\s+(?:[A-Z][a-z]+\s){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|"
    r"Way|Place|Pl|Terrace|Square|Sq)\b\.?"
)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "<CARD>" if 13 <= len(digits) <= 19 and luhn_ok(digits) else match.group(0)


def redact(text: str) -> str:
    """The text with personal data replaced by ``<EMAIL>``, ``<CARD>``, ``<PHONE>``, … placeholders."""
    if not text:
        return text
    text = _EMAIL.sub("<EMAIL>", text)
    text = _CARD.sub(_card, text)
    text = _IBAN.sub("<IBAN>", text)
    text = _SSN.sub("<SSN>", text)
    text = _IPV4.sub("<IP>", text)
    text = _ADDRESS.sub("<ADDRESS>", text)
    return _PHONE.sub("<PHONE>", text)


def contains_pii(text: str) -> bool:
    return redact(text) != text


_STANDARD_RECORD_KEYS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None)))


class RedactingFilter(logging.Filter):
    """Redacts personal data from a log record's message, arguments and string extras before any handler
    formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            if isinstance(record.args, dict):
                record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
            else:
                record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_RECORD_KEYS and isinstance(value, str):
                setattr(record, key, redact(value))
        return True
