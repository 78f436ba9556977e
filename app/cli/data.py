"""Commands that fill the data dir: the demo store, product feeds, events, customers and orders, recommender
training. They work on the data dir directly (a running server holds the index: ingest through the API then)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.base import cli, console, open_catalog, show_decision
from app.config import get_settings


@cli.command("demo-data")
def demo_data(
    seed: Annotated[int, typer.Option(help="random seed of the generated parts")] = 42,
) -> None:
    """Build the demo store (products, reviews, customers, orders, policies) into data_dir/demo."""
    from retrieval.demo_store import write_demo_store

    settings = get_settings()
    target = settings.data_dir / "demo"
    with console.status("building the demo store…"):
        manifest = write_demo_store(target, seed=seed)
    console.print(
        f"demo store in {target}: {manifest['products']} products, {manifest['reviews']} reviews, "
        f"{manifest['customers']} customers, {manifest['orders']} orders, {len(manifest['policies'])} policies"
    )


@cli.command()
def ingest(
    feed: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="feed file")],
    fmt: Annotated[str | None, typer.Option("--format", help="csv, jsonl, gmc or shopify (default: detect)")] = None,
    replace: Annotated[bool, typer.Option(help="delete indexed products that are not in this feed")] = False,
    rebuild: Annotated[
        bool,
        typer.Option(
            help="write everything into a fresh index, switched in atomically (implies --replace); "
            "text the vector cache holds is not embedded again"
        ),
    ] = False,
    show: Annotated[int, typer.Option(help="rejected rows to print")] = 20,
) -> None:
    """Validate a product feed and index it (unchanged products are skipped)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from retrieval.feeds import FORMATS, FeedError, read_feed

    if fmt is not None and fmt not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}")
    settings = get_settings()
    try:
        result = read_feed(feed.read_bytes(), fmt, feed.name)
    except FeedError as exc:
        console.print(f"[red]cannot read {feed}:[/] {exc}")
        raise typer.Exit(2) from exc
    console.print(
        f"{feed.name}: {len(result.products)} valid products, {len(result.rejected)} problems ({result.format})"
    )
    for rejection in result.rejected[:show]:
        console.print(f"  line {rejection.line}: {rejection.field}: {rejection.message}")
    if len(result.rejected) > show:
        console.print(f"  … and {len(result.rejected) - show} more")
    catalog = open_catalog(settings, "ingest through POST /v1/catalog/ingest instead, or stop the server first")
    try:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("embedding", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            if rebuild:
                report = catalog.indexer.rebuild(result.products, progress=advance)
            else:
                report = catalog.indexer.ingest(result.products, replace=replace, progress=advance)
    finally:
        catalog.index.close()
    console.print(
        f"index {report.index_version}: {report.written} written, {report.unchanged} unchanged, "
        f"{report.deleted} deleted ({report.products_per_second:.0f} products/s: "
        f"embed {report.embed_seconds:.1f}s, write {report.write_seconds:.1f}s)"
    )


@cli.command("load-events")
def load_events(
    events_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON Lines of events")],
) -> None:
    """Store events from a JSON Lines file (idempotent by event_id)."""
    import json

    from pydantic import ValidationError

    from app.store.events import EventStore
    from app.wiring import open_database
    from retrieval.events import Event

    settings = get_settings()
    database = open_database(settings)
    valid, bad = [], 0
    for number, line in enumerate(events_file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            valid.append(Event.model_validate(json.loads(line)))
        except (ValidationError, json.JSONDecodeError) as exc:
            bad += 1
            if bad <= 10:
                console.print(f"  line {number}: {str(exc).splitlines()[0]}")
    accepted, duplicates = EventStore(database).add(valid)
    console.print(f"{accepted} events stored, {duplicates} already there, {bad} invalid")


@cli.command("load-orders")
def load_orders(
    customers: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON Lines of customers")],
    orders: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON Lines of orders")],
) -> None:
    """Store customers and their orders (idempotent by id): what the assistant's order tools read."""
    from pydantic import ValidationError

    from app.store.commerce import CommerceStore
    from app.wiring import open_database

    settings = get_settings()
    database = open_database(settings)
    try:
        n_customers, n_orders = CommerceStore(database).load_files(customers, orders)
    except (ValueError, ValidationError) as exc:
        console.print(f"[red]cannot load:[/] {str(exc).splitlines()[0]}")
        raise typer.Exit(2) from exc
    console.print(f"{n_customers} customers and {n_orders} orders stored")


@cli.command("load-reviews")
def load_reviews(
    reviews_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON Lines of reviews")],
    batch: Annotated[int, typer.Option(min=1, help="reviews scored and stored per transaction")] = 2000,
) -> None:
    """Score (sentiment, aspects) and store reviews: review_id, product_id, rating 1-5, text (a title is put
    before the text); idempotent by review_id, bad rows reported by line while the good ones load."""
    import json

    from app.wiring import build_reviews, open_database

    settings = get_settings()
    reviews = build_reviews(settings, open_database(settings))
    rows: list[dict[str, object]] = []
    lines: list[int] = []
    stored = bad = 0

    def flush() -> None:
        nonlocal stored, bad
        done, rejected = reviews.add(rows)
        stored += len(done)
        for item in rejected:
            bad += 1
            if bad <= 10:
                line = lines[item.index] if 0 <= item.index < len(lines) else "?"
                console.print(f"  line {line}: {item.reason}")
        rows.clear()
        lines.clear()

    for number, line in enumerate(reviews_file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            bad += 1
            console.print(f"  line {number}: {exc.msg}")
            continue
        if isinstance(row, dict) and row.get("title"):
            row["text"] = f"{row['title']}. {row.get('text') or ''}".strip()
        rows.append(row if isinstance(row, dict) else {})
        lines.append(number)
        if len(rows) >= batch:
            flush()
    if rows:
        flush()
    console.print(f"{stored} reviews stored, {bad} not (invalid or already stored)")


@cli.command("train-recs")
def train_recs(
    engine: Annotated[
        str, typer.Option(help="implicit (one machine) or spark (Spark MLlib, extra `spark`)")
    ] = "implicit",
    force: Annotated[bool, typer.Option(help="serve the new version even if the promotion gate rejects it")] = False,
) -> None:
    """Train the ALS recommender on the stored events into a new model version, served if the promotion gate
    (held-out NDCG@10 against the served version) passes it."""
    if engine not in {"implicit", "spark"}:
        raise typer.BadParameter("--engine must be implicit or spark")
    from app.personalization.training import fit_with, train_and_promote
    from app.wiring import als_params, event_store, open_database, promotion_gate, recs_dir

    settings = get_settings()
    database = open_database(settings)
    try:
        with console.status(f"training ALS ({engine})…"):
            fit = fit_with(engine, als_params(settings))
            events = event_store(settings, database)
            trained = train_and_promote(events, fit, recs_dir(settings), promotion_gate(settings), force=force)
    finally:
        database.close()
    if trained is None:
        console.print("no events to train on")
        raise typer.Exit(1)
    console.print(f"model {trained.model.version}: {trained.model.metadata}")
    show_decision(trained.decision)


@cli.command("load-campaigns")
def load_campaigns(
    campaigns: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON Lines of campaigns")],
) -> None:
    """Store sponsored-product campaigns (idempotent by name); their products must be in the catalog and in
    stock (ingest first, with the server stopped)."""
    import json

    from pydantic import ValidationError

    from app.api.routes.ads import CampaignBody
    from app.store.ads import AdStore
    from app.wiring import build_catalog, open_database

    settings = get_settings()
    store = AdStore(open_database(settings))
    catalog = build_catalog(settings)
    known = {c.name for c in store.campaigns()}
    added = 0
    try:
        for number, line in enumerate(campaigns.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                body = CampaignBody.model_validate(json.loads(line))
            except (ValueError, ValidationError) as exc:
                console.print(f"[red]{campaigns}:{number}:[/] {str(exc).splitlines()[0]}")
                raise typer.Exit(2) from exc
            found = catalog.get_many(body.product_ids)
            if any(p not in found or not found[p].in_stock for p in body.product_ids):
                console.print(f"[red]{campaigns}:{number}:[/] a product is not in the catalog or out of stock")
                raise typer.Exit(2)
            if body.name not in known:
                store.create(body.model_dump())
                known.add(body.name)
                added += 1
    finally:
        catalog.index.close()
    console.print(f"{added} campaigns stored ({len(known)} in all)")
