"""The generated shops as running services: one shop's products, events, customers, orders and policies loaded
into a fresh data dir, its name and description in the settings. Tests, the chat eval and benchmarks open a
shop the same way a merchant would point shopassist at their own feed."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.config import LLMSettings, Settings
from app.wiring import Services, build_services
from retrieval.events import Event

DESCRIPTIONS = {
    "boutique": ("Demo Boutique", "an online clothing shop"),
    "voltline": ("Voltline", "an online shop for electronics, home appliances, outdoor gear and personal care"),
    "greenleaf": ("Greenleaf Market", "an online grocery and beauty shop"),
    "pfoten": ("Pfotenglück", "ein Onlineshop für Heimtierbedarf (Hund, Katze, Aquaristik, Vogel, Kleintier)"),
    "sommet": ("Sommet", "une boutique en ligne de matériel de randonnée, de camping et d'escalade"),
}


def write_shop(name: str, target: Path) -> Path:
    """The shop's files under ``target`` (built once; the generators are deterministic)."""
    from retrieval.shops import writers

    if not (target / "products.jsonl").is_file():
        writers()[name](target)
    return target


def shop_settings(name: str, data_dir: Path, store: Path, llm: LLMSettings | None = None, **extra: Any) -> Settings:
    shop_name, description = DESCRIPTIONS.get(name, (name.title(), "an online shop"))
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "admin_api_key": secrets.token_urlsafe(32),
        "api_keys": {secrets.token_urlsafe(32): "support"},
        "shop_name": shop_name,
        "assistant": {"policies_dir": store / "policies", "shop_description": description},
        "log": {"level": "WARNING"},
    }
    if llm is not None:
        values["llm"] = llm
    values.update(extra)
    return Settings(_env_file=None, **values)


def load_shop(services: Services, store: Path) -> None:
    """Products, events, customers and orders of a shop directory into the services."""
    services.database.create_all()
    outcome = services.catalog.ingest_feed((store / "products.jsonl").read_bytes(), "jsonl")
    if outcome.rejected:
        raise ValueError(f"{store}: {len(outcome.rejected)} rejected rows, first {outcome.rejected[0]}")
    lines = (store / "events.jsonl").read_text(encoding="utf-8").splitlines()
    services.personalization.record([Event.model_validate(json.loads(line)) for line in lines if line.strip()])
    services.commerce.load_files(store / "customers.jsonl", store / "orders.jsonl")


@contextmanager
def shop_services(name: str, root: Path, llm: LLMSettings | None = None, **extra: Any) -> Iterator[Services]:
    """The services of one shop in ``root`` (nothing started: call ``start`` for the LLM)."""
    store = write_shop(name, root / "store")
    services = build_services(shop_settings(name, root / "data", store, llm, **extra))
    try:
        load_shop(services, store)
        yield services
    finally:
        services.close()
