"""The copywriter's checks with a known reply: Voltline's shop with every real part and the scripted
OpenAI-protocol server writing the copy. A claim the check names by its kind ("health claim") and not by its
words must still be cut from the draft."""

from __future__ import annotations

import json

from tests.conftest import MERCHANT_KEY
from tests.live_server import LiveServer
from tests.scripted_llm import ScriptedLLM

KETTLE = "VL-KT-0101"  # Hearth 1.7L Electric Kettle: 2200 W, no health claim in its record
SOOTHING = "Its gentle steam helps you unwind and relieves stress."


def test_an_unsupported_benefit_is_cut_though_the_check_names_it_by_its_kind(
    scripted_shop: LiveServer, scripted: ScriptedLLM
) -> None:
    copy = {
        "title": "Hearth 1.7L Electric Kettle",
        "bullets": ["Boils 1.7 litres", "Relieves stress after a long day"],
        "description": f"A fast-boil kettle with automatic shut-off. {SOOTHING} Boil-dry protection is built in.",
        "seo_title": "Hearth 1.7L Electric Kettle",
        "meta_description": f"Fast-boil kettle. {SOOTHING}",
    }
    rule = scripted.say("Hearth 1.7L Electric Kettle", json.dumps(copy), in_any_message=True)
    try:
        with scripted_shop.client(timeout=60) as client:
            response = client.post(
                "/v1/copy", headers={"Authorization": f"Bearer {MERCHANT_KEY}"}, json={"product_id": KETTLE}
            )
    finally:
        scripted.rules.remove(rule)
    assert response.status_code == 200, response.text
    draft = response.json()
    assert draft["checks"]["regenerated"] and draft["checks"]["faithful"], draft["checks"]
    texts = [draft["title"], *draft["bullets"], draft["description"], *draft["seo"].values()]
    assert not any("stress" in t for t in texts), texts
    assert draft["bullets"] == ["Boils 1.7 litres"]
    assert draft["description"] == "A fast-boil kettle with automatic shut-off. Boil-dry protection is built in."
