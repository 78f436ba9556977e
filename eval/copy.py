"""Copy eval: generate copy for demo products with the configured model and score it.

- attribute faithfulness: share of extracted claims the attributes support, for the first attempt, after the
  regenerate step, and in the final draft (after cutting what is still unsupported);
- unfaithful-draft rate before and after the regenerate step;
- attribute coverage: share of the key attributes (colour, material) the copy mentions;
- length-limit compliance and unsanitized HTML in the final drafts;
- seconds per product and completion tokens per second.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from typing import Any

from app.config import LLMSettings
from app.copywriter.service import META_MAX, SEO_TITLE_MAX, CopyOptions
from app.copywriter.validate import check_copy
from eval.chat import demo_service

TAG = re.compile(r"<\s*/?\s*[a-z]", re.IGNORECASE)


def _covered(value: object, text: str) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(str(v).lower() in text for v in values)


async def _one(services: Any, product_id: str, tone: str) -> dict[str, Any]:
    started = time.perf_counter()
    before = services.metrics.llm_tokens.labels("completion")._value.get()
    draft = await services.copywriter.generate(product_id, None, CopyOptions(tone=tone), "eval")  # type: ignore[arg-type]
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
    joined = " ".join(texts).lower()
    facts = data["attributes"]
    key = {k: facts[k] for k in ("colour", "material") if k in facts}
    final = check_copy(texts, facts, services.copywriter.banned_claims)
    first = data["checks"]["first_attempt"]
    return {
        "product_id": product_id,
        "seconds": seconds,
        "completion_tokens": tokens,
        "first_claims": first["claims"],
        "first_unsupported": len(first["unsupported"]),
        "regenerated": data["checks"]["regenerated"],
        "after_regenerate_unsupported": len(data["checks"]["removed_claims"]) if data["checks"]["regenerated"] else 0,
        "final_claims": len(final.claims),
        "final_unsupported": len(final.unsupported),
        "coverage": sum(_covered(v, joined) for v in key.values()) / max(len(key), 1),
        "within_limits": len(fields["seo_title"]) <= SEO_TITLE_MAX
        and len(fields["meta_description"]) <= META_MAX
        and 1 <= len(fields["bullets"]) <= 5,
        "html": any(TAG.search(t) for t in texts),
        "fallback": data["checks"]["fallback"],
    }


def run(llm: LLMSettings, products: int = 100) -> dict[str, Any]:
    import asyncio

    tones = ["neutral", "playful", "luxury", "technical"]
    with demo_service(llm) as (_base, services):
        ids = sorted(services.catalog.index.content_hashes())[:: max(1, 1199 // products)][:products]
        loop = asyncio.new_event_loop()
        try:
            rows = [loop.run_until_complete(_one(services, pid, tones[i % 4])) for i, pid in enumerate(ids)]
        finally:
            loop.close()
    first_claims = sum(r["first_claims"] for r in rows)
    final_claims = sum(r["final_claims"] for r in rows)
    seconds = [r["seconds"] for r in rows]
    return {
        "products": len(rows),
        "claims_supported_first_attempt": 1 - sum(r["first_unsupported"] for r in rows) / max(first_claims, 1),
        "claims_supported_final": 1 - sum(r["final_unsupported"] for r in rows) / max(final_claims, 1),
        "unfaithful_drafts_first_attempt": sum(r["first_unsupported"] > 0 for r in rows) / len(rows),
        "unfaithful_drafts_after_regenerate": sum(r["after_regenerate_unsupported"] > 0 for r in rows) / len(rows),
        "unfaithful_drafts_final": sum(r["final_unsupported"] > 0 for r in rows) / len(rows),
        "attribute_coverage": statistics.mean(r["coverage"] for r in rows),
        "length_limit_compliance": sum(r["within_limits"] for r in rows) / len(rows),
        "drafts_with_html": float(sum(r["html"] for r in rows)),
        "template_fallbacks": float(sum(r["fallback"] for r in rows)),
        "seconds_per_product_p50": statistics.median(seconds),
        "completion_tokens_per_s": sum(r["completion_tokens"] for r in rows) / max(sum(seconds), 1e-9),
        "rows": json.loads(json.dumps(rows)),
    }
