from __future__ import annotations

import pytest

from app.guard.output import LeakDetector, sanitize_text


def test_a_copied_run_of_the_instructions_is_a_leak() -> None:
    detector = LeakDetector("Name a product only if it appears in the product cards, and always write its id.")
    assert detector.leaks("My rules: Name a product only if it appears in the product cards.")
    assert not detector.leaks("Here is a product that appears in our cards: [P1] Linen Dress.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi <script>alert(1)</script>there", "Hi there"),
        ("<b>bold</b> and <img src=x onerror=alert(1)>", "bold and "),
        ("5 < 6 and <3", "5 < 6 and <3"),
        ("click javascript:alert(1)", "click javascript :alert(1)"),
        ("<scr<script>ipt>alert(1)</script>", "\u2039scr"),  # the stray opener is neutralised
        ("plain [P0001] $12.95", "plain [P0001] $12.95"),
    ],
)
def test_markup_is_removed(text: str, expected: str) -> None:
    assert sanitize_text(text) == expected
