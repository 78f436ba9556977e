"""Copy eval: generate copy for demo products with the configured model and score it.

- attribute faithfulness: share of extracted claims the attributes support, for the first attempt, after the
  regenerate step, and in the final draft (after cutting what is still unsupported);
- unfaithful-draft rate before and after the regenerate step;
- the same per category, and for Chinese drafts of a further sample (``zh_products``);
- attribute coverage: share of the key attributes (colour, material) the copy mentions; and of all the product's
  own attributes (``fact_coverage``: each shop's schema, a yes/no feature by its name);
- length-limit compliance and unsanitized HTML in the final drafts;
- seconds per product and completion tokens per second.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from typing import Any

from app.assistant.context import attribute_line, fact_attributes
from app.config import LLMSettings
from app.copywriter.service import META_MAX, SEO_TITLE_MAX, CopyOptions
from app.copywriter.validate import check_copy, mentions
from eval.chat import demo_service
from retrieval.catalog import Product

TAG = re.compile(r"<\s*/?\s*[a-z]", re.IGNORECASE)


async def _one(services: Any, product_id: str, tone: str, language: str = "en") -> dict[str, Any]:
    started = time.perf_counter()
    before = services.metrics.llm_tokens.labels("completion")._value.get()
    options = CopyOptions(tone=tone, language=language)  # type: ignore[arg-type]
    draft = await services.copywriter.generate(product_id, None, options, "eval")
    seconds = time.perf_counter() - started
    tokens = services.metrics.llm_tokens.labels("completion")._value.get() - before
    data = draft.stored.data
    fields = data["fields"]
    texts = [
        fields["title"],
        *fields["bullets"],
        fields["description"],
        fields["seo_title"],
        fields["meta_description"],
    ]
    joined = " ".join(texts)
    facts = data["attributes"]
    key = {k: facts[k] for k in ("colour", "material") if k in facts}
    vocabulary = services.assistant.knowledge.vocabulary()
    final = check_copy(texts, facts, services.copywriter.banned_claims, vocabulary)
    first = data["checks"]["first_attempt"]
    after = data["checks"]["after_regenerate"]
    return {
        "product_id": product_id,
        "category": str(facts.get("category", "")).split(" > ")[0],
        "language": language,
        "seconds": seconds,
        "completion_tokens": tokens,
        "first_claims": first["claims"],
        "first_unsupported": len(first["unsupported"]),
        "regenerated": data["checks"]["regenerated"],
        "first_unsupported_claims": first["unsupported"],
        "after_regenerate_unsupported_claims": after["unsupported"],
        "after_regenerate_claims": after["claims"],
        "after_regenerate_unsupported": len(after["unsupported"]),
        "final_claims": len(final.claims),
        "final_unsupported": len(final.unsupported),
        "final_unsupported_benefits": len(final.unsupported_benefits),
        "coverage": sum(mentions(v, joined) for v in key.values()) / max(len(key), 1),
        "fact_coverage": fact_coverage(services.catalog.get(product_id), joined),
        "within_limits": len(fields["seo_title"]) <= SEO_TITLE_MAX
        and len(fields["meta_description"]) <= META_MAX
        and 1 <= len(fields["bullets"]) <= 5,
        "html": any(TAG.search(t) for t in texts),
        "fallback": data["checks"]["fallback"],
        "final_unsupported_claims": list(final.unsupported),
        "final_text": joined,  # to read by hand: what no check reads is seen only there
    }


def fact_coverage(product: Product, text: str) -> float:
    """Share of the product's attributes the copy names: a value by its words, a yes/no feature by its name."""
    said = []
    for name in fact_attributes(product):
        value = product.attributes[name]
        if value is False:  # an absent feature is not named
            continue
        shown = attribute_line(name, value).split(": ")[0] if value is True else value
        said.append(mentions(shown, text))
    return sum(said) / len(said) if said else 1.0


def summarize(rows: list[dict[str, Any]]) -> dict[str, float]:
    """The figures of a set of drafts (all, one category, one language)."""
    first_claims = sum(r["first_claims"] for r in rows)
    after_claims = sum(r["after_regenerate_claims"] for r in rows)
    final_claims = sum(r["final_claims"] for r in rows)
    seconds = [r["seconds"] for r in rows]
    return {
        "products": float(len(rows)),
        "claims_supported_first_attempt": 1 - sum(r["first_unsupported"] for r in rows) / max(first_claims, 1),
        "claims_supported_after_regenerate": 1
        - sum(r["after_regenerate_unsupported"] for r in rows) / max(after_claims, 1),
        "claims_supported_final": 1 - sum(r["final_unsupported"] for r in rows) / max(final_claims, 1),
        "unfaithful_drafts_first_attempt": sum(r["first_unsupported"] > 0 for r in rows) / len(rows),
        "unfaithful_drafts_after_regenerate": sum(r["after_regenerate_unsupported"] > 0 for r in rows) / len(rows),
        "unfaithful_drafts_final": sum(r["final_unsupported"] > 0 for r in rows) / len(rows),
        "benefit_claims_without_attribute_final": float(sum(r["final_unsupported_benefits"] for r in rows)),
        "attribute_coverage": statistics.mean(r["coverage"] for r in rows),
        "fact_attribute_coverage": statistics.mean(r["fact_coverage"] for r in rows),
        "length_limit_compliance": sum(r["within_limits"] for r in rows) / len(rows),
        "drafts_with_html": float(sum(r["html"] for r in rows)),
        "template_fallbacks": float(sum(r["fallback"] for r in rows)),
        "seconds_per_product_p50": statistics.median(seconds),
        "completion_tokens_per_s": sum(r["completion_tokens"] for r in rows) / max(sum(seconds), 1e-9),
    }


def run_on(services: Any, products: int = 100, zh_products: int = 0) -> dict[str, Any]:
    """English copy for ``products`` demo products spread over the catalog (tones rotating), then Chinese copy
    for ``zh_products`` others, with the service's copywriter."""
    import asyncio

    tones = ["neutral", "playful", "luxury", "technical"]
    every = sorted(services.catalog.ids())
    step = max(1, len(every) // max(products + zh_products, 1))
    spread = every[::step]
    english, chinese = spread[:products], spread[products : products + zh_products]
    loop = asyncio.new_event_loop()
    try:
        rows = [loop.run_until_complete(_one(services, pid, tones[i % 4])) for i, pid in enumerate(english)]
        rows += [loop.run_until_complete(_one(services, pid, "neutral", "zh")) for pid in chinese]
    finally:
        loop.close()
    en_rows = [r for r in rows if r["language"] == "en"]
    figures: dict[str, Any] = dict(summarize(en_rows))
    figures["per_category"] = {
        category: summarize([r for r in en_rows if r["category"] == category])
        for category in sorted({r["category"] for r in en_rows})
    }
    zh_rows = [r for r in rows if r["language"] == "zh"]
    if zh_rows:
        figures["zh"] = summarize(zh_rows)
    figures["rows"] = json.loads(json.dumps(rows))
    return figures


def run(llm: LLMSettings, products: int = 100, zh_products: int = 0) -> dict[str, Any]:
    with demo_service(llm) as (_base, services):
        return run_on(services, products, zh_products)
