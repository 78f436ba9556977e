"""Chat eval: scripted multi-turn dialogs over the demo store, through the real HTTP API (SSE), scored on

- product grounding: every product id a reply names exists and was retrieved for that turn (listed in
  ``products``, which the assistant only fills from retrieval); ids that exist nowhere are *invented*;
- policy answers: the key facts of the policy are in the reply;
- order tool: the customer's own order is answered with its real status and tracking number, another
  customer's order is "not found" and leaks nothing;
- handoff precision and recall; intent accuracy;
- time to first token and full-reply latency (end to end through ``/v1/chat``), plus the LLM's own prefill and
  decode rates measured on the embedded server.

Dialogs are data (``eval/data/chat_dialogs.jsonl``); ``{order}`` and ``{other_order}`` are filled from the
demo store at run time (the customer's latest shipped order, and another customer's).
"""

from __future__ import annotations

import json
import re
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx

from app.config import LLMSettings, Settings
from app.store.commerce import Order
from app.wiring import Services
from eval.serving import serve_in_thread

ID_IN_TEXT = re.compile(r"(?<![\w$])(?=[A-Za-z0-9-]*[A-Za-z])(?=[A-Za-z0-9-]*\d{3})[A-Za-z0-9][A-Za-z0-9-]{2,40}\b")
TTFT_QUESTIONS = [
    "I'm looking for a linen dress under $150",
    "show me a warm wool sweater",
    "do you have black jeans?",
    "How long do I have to return something?",
    "I need a silk blouse for work",
    "can I pay with PayPal?",
    "any swimsuits under $80?",
    "do you ship to Canada?",
    "looking for a trench coat",
    "comfortable cotton pajamas please",
]


def load_dialogs(limit: int | None = None, ids: set[str] | None = None) -> list[dict[str, Any]]:
    text = files("eval").joinpath("data", "chat_dialogs.jsonl").read_text(encoding="utf-8")
    dialogs = [json.loads(line) for line in text.splitlines() if line.strip()]
    if ids is not None:
        dialogs = [d for d in dialogs if d["id"] in ids]
    if not limit or limit >= len(dialogs):
        return dialogs
    step = len(dialogs) / limit  # spread over the file, so every kind of dialog is in a short run
    return [dialogs[int(n * step)] for n in range(limit)]


@dataclass
class TurnRecord:
    dialog: str
    user: str
    expected_intent: str
    intent: str
    reply: str
    products: list[str]
    citations: list[dict[str, str]]
    handoff: bool
    expected_handoff: bool
    ttft_s: float | None
    total_s: float
    repaired: bool
    fallback: bool
    dropped_ids: list[str]
    grounded: bool
    invented: list[str]
    policy_ok: bool | None = None
    order_ok: bool | None = None
    notes: list[str] = field(default_factory=list)


def _stream_turn(
    client: httpx.Client, headers: dict[str, str], body: dict[str, Any]
) -> tuple[dict[str, Any], float | None, float]:
    started = time.perf_counter()
    first: float | None = None
    done: dict[str, Any] | None = None
    with client.stream("POST", "/v1/chat", headers=headers, json={**body, "stream": True}) as response:
        if response.status_code != 200:
            raise RuntimeError(f"/v1/chat answered {response.status_code}: {response.read()[:200]!r}")
        kind = ""
        for line in response.iter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data = json.loads(line.removeprefix("data: "))
                if kind == "token" and first is None and data.get("text"):
                    first = time.perf_counter() - started
                elif kind == "done":
                    done = data
    if done is None:
        raise RuntimeError("the stream ended without a done event")
    return done, first, time.perf_counter() - started


def _orders_for(services: Services, customer: str) -> tuple[Order | None, Order | None]:
    own = [o for o in services.commerce.orders_of(customer) if o.tracking_number]
    others = [o for o in services.commerce.orders_of(_next_customer(customer)) if o.tracking_number]
    return (own[0] if own else None), (others[0] if others else None)


def _next_customer(customer: str) -> str:
    digits = int(re.sub(r"\D", "", customer) or 0)
    return f"c{(digits % 200) + 1:04d}"


def score_turn(
    services: Services,
    catalog_ids: set[str],
    record: TurnRecord,
    spec: dict[str, Any],
    customer: str,
    own: Order | None,
    other: Order | None,
) -> None:
    named = {token for token in ID_IN_TEXT.findall(record.reply)}
    orders = services.commerce.orders_of(customer, limit=500)
    order_ids = {o.id for o in orders}
    tracking = {o.tracking_number for o in orders if o.tracking_number}
    named_products = {token for token in named if token in catalog_ids}
    ticket_ids = {word for word in named if word.startswith("T-")}
    typed = set(ID_IN_TEXT.findall(record.user))  # echoing what the customer typed ("no order X") invents nothing
    record.invented = sorted(named - catalog_ids - order_ids - tracking - ticket_ids - typed)
    record.grounded = named_products <= set(record.products) and all(p in catalog_ids for p in record.products)
    if "facts" in spec:
        lowered = record.reply.lower()
        record.policy_ok = all(any(alt.lower() in lowered for alt in group) for group in spec["facts"])
    expectation = spec.get("order")
    if expectation == "own" and own is not None:
        record.order_ok = (
            own.id in record.reply
            and own.status in record.reply
            and ((own.tracking_number or "") in record.reply if own.status in ("shipped", "delivered") else True)
        )
    elif expectation == "latest":
        latest = services.commerce.orders_of(customer, limit=1)
        record.order_ok = bool(latest) and latest[0].id in record.reply
    elif expectation == "other" and other is not None:
        record.order_ok = (
            other.status not in record.reply.replace("couldn't find", "")
            and (other.tracking_number or "@@") not in record.reply
            and "couldn't find" in record.reply
        )


def run_dialogs(
    base: str, services: Services, limit: int | None = None, ids: set[str] | None = None
) -> list[TurnRecord]:
    support_key = _support_key(services)
    catalog_ids = set(services.catalog.index.content_hashes())
    records: list[TurnRecord] = []
    with httpx.Client(base_url=base, timeout=300) as client:
        for dialog in load_dialogs(limit, ids):
            customer = dialog["customer"]
            headers = customer_headers(client, support_key, customer)
            own, other = _orders_for(services, customer)
            conversation: str | None = None
            for spec in dialog["turns"]:
                user = (
                    spec["user"]
                    .replace("{order}", own.id if own else "O000000")
                    .replace("{other_order}", other.id if other else "O000000")
                )
                done, ttft, total = _stream_turn(client, headers, {"message": user, "conversation_id": conversation})
                conversation = done["conversation_id"]
                grounding = done.get("grounding", {})
                record = TurnRecord(
                    dialog=dialog["id"],
                    user=user,
                    expected_intent=spec["intent"],
                    intent=done["intent"],
                    reply=done["reply"],
                    products=done["products"],
                    citations=done["citations"],
                    handoff=done["handoff"],
                    expected_handoff=bool(spec.get("handoff", False)),
                    ttft_s=ttft,
                    total_s=total,
                    repaired=done["repaired"],
                    fallback=bool(grounding.get("fallback")),
                    dropped_ids=list(grounding.get("dropped_ids", [])),
                    grounded=True,
                    invented=[],
                )
                score_turn(services, catalog_ids, record, spec, customer, own, other)
                records.append(record)
    return records


def _support_key(services: Services) -> str:
    for key, role in services.settings.api_keys.items():
        if role == "support":
            return key
    raise RuntimeError("the eval needs a support key in settings.api_keys")


def customer_headers(client: httpx.Client, support_key: str, customer_id: str) -> dict[str, str]:
    """The Authorization header of a customer token minted by support, as a support tool would get one."""
    token = client.post(
        "/v1/auth/customer-token", headers={"Authorization": f"Bearer {support_key}"}, json={"customer_id": customer_id}
    ).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def measure_ttft(base: str, services: Services, repeats: int = 1, questions: int | None = None) -> dict[str, float]:
    """Single requests with retrieved context (fresh conversation each), sequential, through /v1/chat; figures
    for all of them and for the product searches alone (their context is the largest)."""
    support_key = _support_key(services)
    ttfts: dict[str, list[float]] = {}
    totals: list[float] = []
    with httpx.Client(base_url=base, timeout=300) as client:
        headers = customer_headers(client, support_key, "c0100")
        for _ in range(repeats):
            for question in TTFT_QUESTIONS[:questions]:
                done, ttft, total = _stream_turn(client, headers, {"message": question})
                if ttft is not None:
                    ttfts.setdefault(done["intent"], []).append(ttft)
                totals.append(total)
    every = [t for values in ttfts.values() for t in values]
    products = ttfts.get("find", []) + ttfts.get("recommend", [])
    return {
        "requests": float(len(totals)),
        "ttft_p50_s": statistics.median(every) if every else float("nan"),
        "ttft_p90_s": _percentile(every, 0.9),
        "ttft_p50_product_search_s": statistics.median(products) if products else float("nan"),
        "ttft_p50_policy_s": statistics.median(ttfts["policy"]) if ttfts.get("policy") else float("nan"),
        "reply_p50_s": statistics.median(totals),
        "reply_p90_s": _percentile(totals, 0.9),
    }


def measure_rates(services: Services) -> dict[str, float]:
    """Prefill and decode rates of the embedded llama.cpp server, from its own timings (one uncached prompt)."""
    backend = services.llm.backend
    prompt = "Describe in detail: " + " ".join(f"item {i} is a linen dress in size {i % 5}" for i in range(40))
    response = httpx.post(
        f"{backend.base_url}/chat/completions",
        headers={"Authorization": f"Bearer {backend.api_key}"},
        json={
            "model": backend.model_name,
            "messages": [{"role": "user", "content": prompt + f" ({secrets.token_hex(4)})"}],
            "max_tokens": 64,
            "temperature": 0,
            "cache_prompt": False,
        },
        timeout=300,
    )
    timings = response.json().get("timings") or {}
    return {
        "prefill_tokens": float(timings.get("prompt_n", 0)),
        "prefill_tok_per_s": float(timings.get("prompt_per_second", 0.0)),
        "decode_tokens": float(timings.get("predicted_n", 0)),
        "decode_tok_per_s": float(timings.get("predicted_per_second", 0.0)),
    }


def summarize(records: list[TurnRecord]) -> dict[str, float]:
    llm_turns = [
        r
        for r in records
        if r.ttft_s is not None and r.intent not in ("greeting", "out_of_scope", "handoff", "order_status")
    ]
    policy = [r for r in records if r.policy_ok is not None]
    orders = [r for r in records if r.order_ok is not None]
    predicted = [r for r in records if r.handoff]
    expected = [r for r in records if r.expected_handoff]
    with_products = [r for r in records if r.products or ID_IN_TEXT.search(r.reply)]
    return {
        "dialogs": float(len({r.dialog for r in records})),
        "turns": float(len(records)),
        "invented_ids": float(sum(len(r.invented) for r in records)),
        "product_grounding_rate": sum(r.grounded for r in with_products) / max(len(with_products), 1),
        "ids_dropped_by_guard": float(sum(len(r.dropped_ids) for r in records)),
        "repaired_turns": float(sum(r.repaired for r in records)),
        "fallback_turns": float(sum(r.fallback for r in records)),
        "policy_correct": sum(bool(r.policy_ok) for r in policy) / len(policy) if policy else float("nan"),
        "policy_turns": float(len(policy)),
        "order_tool_accuracy": sum(bool(r.order_ok) for r in orders) / len(orders) if orders else float("nan"),
        "order_turns": float(len(orders)),
        "handoff_precision": sum(r.expected_handoff for r in predicted) / len(predicted) if predicted else float("nan"),
        "handoff_recall": sum(r.handoff for r in expected) / len(expected) if expected else float("nan"),
        "intent_accuracy": sum(r.intent == r.expected_intent for r in records) / max(len(records), 1),
        "llm_turn_ttft_p50_s": statistics.median([r.ttft_s for r in llm_turns if r.ttft_s is not None])
        if llm_turns
        else float("nan"),
        "llm_turn_reply_p50_s": statistics.median([r.total_s for r in llm_turns]) if llm_turns else float("nan"),
    }


@contextmanager
def demo_service(llm: LLMSettings, data_dir: Path | None = None) -> Iterator[tuple[str, Services]]:
    """The whole service on the demo store in this process (uvicorn on 127.0.0.1) with the given LLM settings
    (an embedded model, or ``backend=openai`` with a vLLM URL)."""
    from app.main import create_app
    from app.wiring import build_services
    from retrieval.demo_store import write_demo_store
    from retrieval.events import Event

    with tempfile.TemporaryDirectory(prefix="shopassist-chat-eval-") as tmp:
        root = data_dir or Path(tmp)
        store = root / "demo"
        if not (store / "products.jsonl").is_file():
            write_demo_store(store)
        settings = Settings(
            _env_file=None,
            data_dir=root,
            admin_api_key=secrets.token_urlsafe(32),
            api_keys={secrets.token_urlsafe(32): "support"},
            llm=llm,
            log={"level": "WARNING"},
        )
        services = build_services(settings)
        services.database.create_all()
        services.catalog.ingest_feed((store / "products.jsonl").read_bytes(), "jsonl")
        events = [Event.model_validate(json.loads(line)) for line in (store / "events.jsonl").read_text().splitlines()]
        services.personalization.record(events)
        services.commerce.load_files(store / "customers.jsonl", store / "orders.jsonl")
        services.start(wait_for_llm=True)
        if services.llm.state != "ready":
            raise RuntimeError(f"LLM unavailable: {services.llm.error}")
        with serve_in_thread(create_app(settings, services)) as base:
            yield base, services


def run_on(
    base: str, services: Services, dialogs: int | None = None, ttft_repeats: int = 1, ttft_questions: int | None = None
) -> dict[str, Any]:
    """The chat figures against a running service on the demo store."""
    llm = services.settings.llm
    rates = measure_rates(services) if llm.backend == "embedded" else {}
    ttft = measure_ttft(base, services, ttft_repeats, ttft_questions)
    records = run_dialogs(base, services, dialogs)
    describe = services.llm.describe()
    return {
        "backend": llm.backend,
        "model": describe.get("model"),
        "model_sha256": describe.get("sha256"),
        "summary": summarize(records),
        "single_request": ttft,
        "llm_rates": rates,
        "turns": [r.__dict__ for r in records],
    }


def run(llm: LLMSettings, dialogs: int | None = None, ttft_repeats: int = 1) -> dict[str, Any]:
    with demo_service(llm) as (base, services):
        return run_on(base, services, dialogs, ttft_repeats)
