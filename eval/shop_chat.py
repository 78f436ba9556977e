"""The chat on every shop: the frozen dialogs of ``eval/data/shops/<shop>.jsonl`` through the shop's own service.

Two levels:
- ``plan_figures``: the turn plan alone (no LLM, milliseconds a turn): intent accuracy, product-finding
  precision (relevant products among the first min(3, relevant in the catalog) shown), policy documents found;
- ``chat_figures``: whole turns through ``/v1/chat`` with the LLM: fact questions answered correctly, "not in
  the data" questions answered honestly, policy facts, the customer's latest order, hand-offs, claims checked
  and cut, unsupported claims left in the replies the customer saw, TTFT, and the claim check's own time.

Dialog fields are described in ``eval/data/shops/README.md``.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx

from app.assistant.grounding import ClaimScope, GroundingData
from app.assistant.intents import Intent
from app.assistant.replies import for_turn
from app.assistant.tools import Caller
from app.config import LLMSettings
from app.guard.claims import ClaimChecker
from app.wiring import Services
from eval.chat import _stream_turn, _support_key, customer_headers, measure_ttft
from eval.serving import serve_in_thread
from eval.shops import shop_services
from retrieval.catalog import Product
from retrieval.language import detect_text
from retrieval.vocabulary import ValueMatch, holds

SHOPS = ("boutique", "voltline", "greenleaf", "pfoten", "sommet")
HONEST = re.compile(
    r"doesn'?t say|does not say|not (?:listed|stated|mentioned|specified)|doesn'?t (?:mention|list|state|specify)|"
    r"does not (?:mention|list|state|specify)|no information|don'?t have (?:that|this|any) information|"
    r"don'?t have a policy|not sure|can(?:not|'t) confirm|ask a colleague|connect you with a colleague|没有说明|不清楚|"
    r"nicht angegeben|keine angaben?|keine informationen|steht (?:dort |da )?nicht|kann ich nicht (?:sagen|bestätigen)|"
    r"n'est pas (?:indiqué|précisé|mentionné)|no (?:se )?(?:indica|especifica|menciona)|niet vermeld|"
    r"non (?:è )?(?:indicat|specificat)|(?:没有|未)注明|ne (?:le )?précise pas|n'indique pas|ne mentionne pas|"
    r"pas d'information|aucune information|je ne (?:peux|sais) pas (?:le )?(?:dire|confirmer)|"
    r"no (?:tengo|dispongo de) (?:esa |esta )?información|non ho (?:questa |quest')?informazion",
    re.IGNORECASE,
)


def load_dialogs(shop: str, ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    text = files("eval").joinpath("data", "shops", f"{shop}.jsonl").read_text(encoding="utf-8")
    dialogs = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [d for d in dialogs if ids is None or d["id"] in ids]


def relevant(product: Product, expect: dict[str, Any]) -> bool:
    if "category" in expect and not product.category.startswith(expect["category"]):
        return False
    if "max_price" in expect and product.price > expect["max_price"]:
        return False
    if "text" in expect:
        text = f"{product.title} {product.category} {product.description} {product.attributes}".lower()
        if expect["text"].lower() not in text:
            return False
    for name, value in (expect.get("attributes") or {}).items():
        match = ValueMatch(name, "true" if value is True else str(value), str(value))
        if not holds(product, match):
            return False
    return product.in_stock


def precision(shown: Sequence[Product], catalog: Sequence[Product], expect: dict[str, Any]) -> float:
    """Relevant among the first min(3, relevant in the catalog) shown; 1.0 when nothing is relevant and nothing
    was shown."""
    k = min(3, sum(relevant(p, expect) for p in catalog))
    if k == 0:
        return 1.0 if not shown else 0.0
    return sum(relevant(p, expect) for p in shown[:k]) / k


def _product_by_title(services: Services, title: str) -> Product | None:
    for product in services.catalog.get_many(services.catalog.ids()).values():
        if product.title == title:
            return product
    return None


def plan_figures(services: Services, shop: str) -> dict[str, Any]:
    catalog = list(services.catalog.get_many(services.catalog.ids()).values())
    intents, precisions, docs, named = [], [], [], []
    rows = []
    for dialog in load_dialogs(shop):
        caller = Caller(dialog["customer"], dialog["customer"], False)
        previous: list[str] = []
        for spec in dialog["turns"]:
            plan = services.assistant.planner.plan(caller, spec["user"], previous, llm_ready=True)
            got = plan.intent.intent.value
            intents.append(got == spec["intent"])
            row: dict[str, Any] = {"user": spec["user"], "expected": spec["intent"], "intent": got}
            if "expect" in spec:
                row["precision"] = precision(plan.retrieved.products, catalog, spec["expect"])
                precisions.append(row["precision"])
            if "doc" in spec:
                docs.append(spec["doc"] in {p.doc for p in plan.retrieved.passages})
            if "product" in spec:
                target = _product_by_title(services, spec["product"])
                named.append(target is not None and target.id in {p.id for p in plan.retrieved.products})
            rows.append(row)
            previous = [p.id for p in plan.retrieved.products[:3]]
    return {
        "turns": len(intents),
        "intent_accuracy": sum(intents) / len(intents),
        "product_precision_at_3": statistics.mean(precisions) if precisions else float("nan"),
        "policy_doc_found": sum(docs) / len(docs) if docs else float("nan"),
        "asked_product_retrieved": sum(named) / len(named) if named else float("nan"),
        "rows": rows,
    }


def _claims_left(
    services: Services, reply: str, products: Sequence[Product], passages: Sequence[str]
) -> tuple[list[str], float]:
    """Unsupported claims in the reply the customer saw (re-read as a whole), and the check's time in ms."""
    data = GroundingData(products={p.id: p for p in products}, policy_texts=list(passages))
    started = time.perf_counter()
    scope = ClaimScope(data, ClaimChecker(services.assistant.knowledge.vocabulary()))
    for sentence in re.split(r"(?<=[.!?\u3002])\s+|\n+", reply):
        if sentence.strip():
            scope.check(sentence)
    return [c.text for c in scope.report.unsupported], (time.perf_counter() - started) * 1000


def search_figures(services: Services, shop: str, k: int = 10) -> dict[str, float]:
    """nDCG@10 of each retrieval mode on the shop's own product-finding questions (the dialogs' ``expect``: a
    product is relevant or not), the raw message as the query with the filters every chat search carries (in
    stock, the message's price bounds: the relevance key asks for both): does hybrid beat its parts here?"""
    from app.assistant.filters import parse_filters
    from eval.search_eval import ndcg

    catalog = list(services.catalog.get_many(services.catalog.ids()).values())
    by_id = {p.id: p for p in catalog}
    finding = ("find", "recommend")
    asked = [t for d in load_dialogs(shop) for t in d["turns"] if "expect" in t and t["intent"] in finding]
    graded = [(t, [int(relevant(p, t["expect"])) for p in catalog]) for t in asked]
    graded = [(t, grades) for t, grades in graded if any(grades)]
    figures: dict[str, float] = {"queries": float(len(graded))}
    for mode in ("sparse", "dense", "hybrid"):
        for understand in (False, True):
            scores = []
            for spec, grades in graded:
                filters = parse_filters(spec["user"]).filters
                search = services.catalog.searcher.search
                hits = search(spec["user"], filters, limit=k, mode=mode, understand=understand).hits
                ranked = [int(relevant(by_id[h.id], spec["expect"])) for h in hits if h.id in by_id]
                scores.append(ndcg(ranked, grades, k))
            name = f"ndcg@10 {mode}" + (" understood" if understand else "")
            figures[name] = statistics.mean(scores) if scores else float("nan")
    return figures


def chat_figures(base: str, services: Services, shop: str, ids: Sequence[str] | None = None) -> dict[str, Any]:
    support = _support_key(services)
    facts, honest, policy, orders, handoffs, ttfts, check_ms, routed_ms = [], [], [], [], [], [], [], []
    served: list[bool] = []  # the intent the served turn took (after an LLM tie-break) is the dialog's
    spoken: list[bool] = []  # the reply is in the question's language (the catalog's when the question is unclear)
    shop_language = services.assistant.knowledge.language()
    left = cut = checked = 0
    rows = []
    with httpx.Client(base_url=base, timeout=300) as client:
        for dialog in load_dialogs(shop, ids):
            headers = customer_headers(client, support, dialog["customer"])
            conversation = None
            for spec in dialog["turns"]:
                done, ttft, _ = _stream_turn(
                    client, headers, {"message": spec["user"], "conversation_id": conversation}
                )
                conversation = done["conversation_id"]
                reply = done["reply"]
                claims = done["grounding"]["claims"]
                checked += claims["checked"]
                cut += len(claims["cut"])
                shown = list(services.catalog.get_many(done["products"]).values())
                if "product" in spec:
                    target = _product_by_title(services, spec["product"])
                    shown += [target] if target is not None and target.id not in done["products"] else []
                passages = [p.text for p in services.policies.passages if p.doc in {c["id"] for c in done["citations"]}]
                unsupported: list[str] = []
                if done["intent"] != Intent.ORDER_STATUS.value:  # order replies are the order record's, not products'
                    unsupported, ms = _claims_left(services, reply, shown, passages)
                    left += len(unsupported)
                    check_ms.append(ms)
                if ttft is not None and done["intent"] in {
                    i.value
                    for i in (Intent.FIND, Intent.PRODUCT_QUESTION, Intent.COMPARE, Intent.POLICY, Intent.RECOMMEND)
                }:
                    ttfts.append(ttft)
                lowered = reply.lower()
                written = detect_text(reply)
                spoken.append(written is not None and written.code == for_turn(spec["user"], shop_language).code)
                row = {"user": spec["user"], "intent": done["intent"], "reply": reply, "cut": claims["cut"]}
                row |= {"unsupported": unsupported} if unsupported else {}
                if "intent" in spec:
                    served.append(done["intent"] == spec["intent"])
                for reason in done.get("reasons", []):
                    found = re.fullmatch(r"llm router chose (\w+) of [\w/]+ \((\d+) ms\)", reason)
                    if found:
                        row["llm_router"] = found.group(1)
                        routed_ms.append(float(found.group(2)))
                if "answer" in spec:
                    row["ok"] = all(any(a.lower() in lowered for a in group) for group in spec["answer"])
                    facts.append(row["ok"])
                if spec.get("honest"):
                    row["ok"] = bool(HONEST.search(reply)) and not unsupported
                    honest.append(row["ok"])
                if "facts" in spec:
                    cited = spec.get("doc") in {c["id"] for c in done["citations"]}
                    row["ok"] = cited and all(any(a.lower() in lowered for a in group) for group in spec["facts"])
                    policy.append(row["ok"])
                if spec.get("order") == "latest":
                    latest = services.commerce.orders_of(dialog["customer"], limit=1)
                    orders.append(bool(latest) and latest[0].id in reply)
                if spec.get("handoff"):
                    handoffs.append(bool(done["handoff"]))
                rows.append(row)
    return {
        "fact_correct": sum(facts) / len(facts) if facts else float("nan"),
        "fact_questions": len(facts),
        "honest_not_in_data": sum(honest) / len(honest) if honest else float("nan"),
        "not_in_data_questions": len(honest),
        "policy_correct": sum(policy) / len(policy) if policy else float("nan"),
        "order_correct": sum(orders) / len(orders) if orders else float("nan"),
        "handoff_recall": sum(handoffs) / len(handoffs) if handoffs else float("nan"),
        "claims_checked": checked,
        "claims_cut": cut,
        "unsupported_claims_reaching_customer": left,
        "ttft_p50_s": statistics.median(ttfts) if ttfts else float("nan"),
        "claim_check_ms_p50": statistics.median(check_ms) if check_ms else float("nan"),
        "reply_language_matched": sum(spoken) / len(spoken) if spoken else float("nan"),
        "intent_accuracy_served": sum(served) / len(served) if served else float("nan"),
        "llm_router_turns": len(routed_ms),
        "llm_router_ms_p50": statistics.median(routed_ms) if routed_ms else float("nan"),
        "rows": rows,
    }


FOLLOW_UPS = ("tell me more about the first one", "is it in stock?", "how much is it?")


def follow_up_figures(base: str, services: Services, shop: str, searches: int = 4) -> dict[str, Any]:
    """TTFT of follow-up questions: each of the shop's first product-finding questions, then the same three
    follow-ups in one conversation (any shop can answer them). A follow-up's request extends the one before it,
    so it should cost only its own turn's prefill."""
    asked = [t["user"] for d in load_dialogs(shop) for t in d["turns"] if t.get("intent") == "find"][:searches]
    support = _support_key(services)
    first: list[float] = []
    later: list[float] = []
    intents: list[str] = []
    with httpx.Client(base_url=base, timeout=300) as client:
        headers = customer_headers(client, support, "c0001")
        for question in asked:
            conversation = None
            for i, message in enumerate([question, *FOLLOW_UPS]):
                done, ttft, _ = _stream_turn(client, headers, {"message": message, "conversation_id": conversation})
                conversation = done["conversation_id"]
                if i:
                    intents.append(done["intent"])
                if ttft is not None:
                    (later if i else first).append(ttft)
    return {
        "conversations": len(asked),
        "ttft_p50_first_s": statistics.median(first) if first else float("nan"),
        "ttft_p50_follow_up_s": statistics.median(later) if later else float("nan"),
        "follow_ups_about_the_product": intents.count("product_question") / len(intents) if intents else float("nan"),
    }


@contextmanager
def serving_shop(shop: str, root: Path, llm: LLMSettings, **extra: Any) -> Iterator[tuple[str, Services]]:
    from app.main import create_app

    with shop_services(shop, root, llm, **extra) as services:
        services.start(wait_for_llm=True)
        if services.llm.state != "ready":
            raise RuntimeError(f"LLM unavailable: {services.llm.error}")
        with serve_in_thread(create_app(services.settings, services)) as base:
            yield base, services


def run(
    llm: LLMSettings,
    root: Path,
    shops: Sequence[str] = SHOPS,
    with_llm: bool = True,
    max_tokens: int | None = None,
    dialogs: int | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for shop in shops:
        if with_llm:
            with serving_shop(shop, root / shop, llm) as (base, services):
                if max_tokens is not None:
                    services.assistant.settings.reply_max_tokens = max_tokens
                    services.assistant.settings.staff_reply_max_tokens = max_tokens
                ids = [d["id"] for d in load_dialogs(shop)][:dialogs] if dialogs else None
                out[shop] = {
                    "plan": plan_figures(services, shop),
                    "search": search_figures(services, shop),
                    "chat": chat_figures(base, services, shop, ids),
                }
                if not dialogs:  # the full run only: the test-sized report keeps to its budget
                    out[shop]["follow_up"] = follow_up_figures(base, services, shop)
                if shop == "boutique":  # the single-request TTFT figure of earlier reports, same questions
                    out[shop]["single_request"] = measure_ttft(base, services, questions=2 if dialogs else None)
        else:
            with shop_services(shop, root / shop, llm) as services:
                out[shop] = {"plan": plan_figures(services, shop), "search": search_figures(services, shop)}
    return out


def main() -> None:
    """``python -m eval.shop_chat [out.json] [shop ...]``: every shop with the default (1.5B) embedded model."""
    import sys
    import tempfile

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("shop_chat.json")
    shops = sys.argv[2:] or list(SHOPS)
    with tempfile.TemporaryDirectory(prefix="shopassist-shops-") as tmp:
        figures = run(LLMSettings(), Path(tmp), shops)
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for shop, f in figures.items():
        summary = {level: {k: v for k, v in f[level].items() if k != "rows"} for level in f}
        print(shop, json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
