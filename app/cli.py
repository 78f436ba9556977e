"""The ``shopassist`` command line. Heavy modules are imported inside commands, never at import time."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.config import LLMSettings, Settings, get_settings

if TYPE_CHECKING:
    from rich.progress import Progress

    from retrieval.catalog_service import CatalogService

cli = typer.Typer(help="shopassist: LLM e-commerce assistant and content generator", no_args_is_help=True)
console = Console()


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default: settings host)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default: settings port)")] = None,
) -> None:
    """Serve the REST API and UIs with uvicorn."""
    import uvicorn

    from app.security import resolve_admin_key

    settings = get_settings()
    key, generated = resolve_admin_key(settings)
    if settings.admin_api_key is None:
        where = settings.data_dir / "admin_api_key"
        console.print(f"[bold]admin API key[/] ({'generated, ' if generated else ''}stored in {where}): {key}")
    bind_host = host or settings.host
    bind_port = port if port is not None else settings.port
    console.print(f"serving on http://{bind_host}:{bind_port}  (docs: /docs, health: /healthz, /readyz)")
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


def _model_status(settings: Settings) -> tuple[str, str, str]:
    from app.llm.models import SHIPPED_MODELS

    if settings.llm.backend == "openai":
        return (settings.llm.served_model, str(settings.llm.base_url), "remote")
    if settings.llm.model_path:
        path = settings.llm.model_path
        return (path.name, str(path), "present" if path.is_file() else "missing")
    model = SHIPPED_MODELS[settings.llm.model]
    missing = [d for m, d in zip(model.modules, model.distributions, strict=True) if not importlib.util.find_spec(m)]
    if missing:
        return (
            model.key,
            "-",
            f"not installed: {', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}",
        )
    if model.single_file:
        return (model.key, f"package {model.modules[0]}", f"installed, sha256 {model.sha256[:12]}…")
    joined = settings.llm.models_dir.expanduser() / model.filename
    state = "joined" if joined.is_file() else "installed (joined on first start)"
    return (model.key, str(joined), f"{state}, sha256 {model.sha256[:12]}…")


@cli.command()
def info() -> None:
    """Print the resolved settings (secrets masked), model paths and package versions."""
    from app import __version__
    from app.versions import package_versions

    settings = get_settings()
    console.print(f"[bold]shopassist {__version__}[/]  env={settings.env}")
    table = Table("setting", "value", title="resolved settings")
    for key, value in _flatten(settings.masked()):
        table.add_row(key, str(value))
    console.print(table)
    name, path, state = _model_status(settings)
    console.print(f"[bold]LLM[/] backend={settings.llm.backend} model={name} path={path} ({state})")
    versions = ", ".join(f"{k} {v or 'missing'}" for k, v in package_versions().items())
    console.print(f"[bold]packages[/] {versions}")


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


def _open_catalog(settings: Settings, instead: str) -> CatalogService:
    """The catalog for a command that works on the data dir itself; a clear exit when a server holds it."""
    from app.wiring import build_catalog

    try:
        return build_catalog(settings)
    except Exception as exc:
        if "WouldBlock" in str(exc) or "lock" in str(exc).lower():
            console.print(f"[red]the index is open in another process[/] (a running `shopassist serve`?): {instead}")
            raise typer.Exit(1) from exc
        raise


@cli.command()
def ingest(
    feed: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="feed file")],
    fmt: Annotated[str | None, typer.Option("--format", help="csv, jsonl, gmc or shopify (default: detect)")] = None,
    replace: Annotated[bool, typer.Option(help="delete indexed products that are not in this feed")] = False,
    rebuild: Annotated[
        bool, typer.Option(help="re-embed everything into a fresh index, switched in atomically (implies --replace)")
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
    catalog = _open_catalog(settings, "ingest through POST /v1/catalog/ingest instead, or stop the server first")
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

    from app.store.database import Database
    from app.store.events import EventStore
    from retrieval.events import Event

    settings = get_settings()
    database = Database(settings.resolved_database_url)
    database.create_all()
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
    from app.store.database import Database

    settings = get_settings()
    database = Database(settings.resolved_database_url)
    database.create_all()
    try:
        n_customers, n_orders = CommerceStore(database).load_files(customers, orders)
    except (ValueError, ValidationError) as exc:
        console.print(f"[red]cannot load:[/] {str(exc).splitlines()[0]}")
        raise typer.Exit(2) from exc
    console.print(f"{n_customers} customers and {n_orders} orders stored")


@cli.command("train-recs")
def train_recs(
    engine: Annotated[
        str, typer.Option(help="implicit (one machine) or spark (Spark MLlib, extra `spark`)")
    ] = "implicit",
) -> None:
    """Train the ALS recommender on every stored event into a new model version."""
    if engine not in {"implicit", "spark"}:
        raise typer.BadParameter("--engine must be implicit or spark")
    from app.personalization import train_and_save
    from app.store.database import Database
    from app.wiring import als_params, event_store, recs_dir

    settings = get_settings()
    database = Database(settings.resolved_database_url)
    database.create_all()
    with console.status(f"training ALS ({engine})…"):
        model = train_and_save(event_store(settings, database), als_params(settings), recs_dir(settings), engine)
    if model is None:
        console.print("no events to train on")
        raise typer.Exit(1)
    console.print(f"model {model.version}: {model.metadata}")


@cli.command("copy")
def copy_batch(
    category: Annotated[str | None, typer.Option(help="every product under this category path prefix")] = None,
    product: Annotated[list[str] | None, typer.Option("--product", help="a product id (repeatable)")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="at most this many products (first by id)")] = None,
    tone: Annotated[str, typer.Option(help="neutral, playful, luxury or technical")] = "neutral",
    length: Annotated[str, typer.Option(help="short, medium or long")] = "medium",
    language: Annotated[str, typer.Option(help="en, zh, fr, de, es")] = "en",
    resume: Annotated[str | None, typer.Option(help="continue this job (its own options are kept)")] = None,
    server: Annotated[
        str | None, typer.Option(help="submit to a running service at this URL instead of working in-process")
    ] = None,
    api_key: Annotated[str | None, typer.Option(envvar="SHOPASSIST_API_KEY", help="merchant key (--server)")] = None,
) -> None:
    """Write copy drafts for many products as a resumable batch job (state in the database)."""
    from typing import get_args

    from app.copywriter.service import CopyOptions, Length, Tone

    tones, lengths = get_args(Tone), get_args(Length)
    if tone not in tones or length not in lengths:
        raise typer.BadParameter(f"--tone must be {'/'.join(tones)}, --length {'/'.join(lengths)}")
    if resume is None and (category is None) == (not product):
        raise typer.BadParameter("give --category or --product (or --resume JOB_ID)")
    options = CopyOptions(tone=tone, length=length, language=language)  # type: ignore[arg-type]
    if server is not None:
        body: dict[str, object] = {"tone": tone, "length": length, "language": language, "limit": limit}
        body.update({"category": category} if category else {"product_ids": product})
        _copy_via_server(server, api_key, None if resume else body, resume)
    else:
        _copy_in_process(category, product or None, limit, options, resume)


def _job_progress_bar() -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def _copy_in_process(
    category: str | None, product: list[str] | None, limit: int | None, options: object, resume: str | None
) -> None:
    import asyncio

    from app.copywriter.jobs import JobRequest, JobSelectionError
    from app.llm.service import LLMService
    from app.observability import Metrics
    from app.store.copy_jobs import JobProgress
    from app.store.database import Database
    from app.wiring import build_copy_jobs, build_copywriter

    settings = get_settings()
    database = Database(settings.resolved_database_url)
    database.create_all()
    catalog = _open_catalog(settings, "use --server URL, or POST /v1/copy/jobs")
    llm = LLMService(settings.llm, Metrics())
    runner = build_copy_jobs(settings, build_copywriter(settings, llm, catalog, database), database, None)
    try:
        runner.store.release_dead_claims()
        if resume is not None:
            job_id = resume
            if runner.store.progress(job_id) is None:
                console.print(f"[red]no job {job_id}[/]")
                raise typer.Exit(2)
        else:
            request = JobRequest(product, category, options, limit)  # type: ignore[arg-type]
            try:
                job_id = runner.submit(request, "cli")
            except JobSelectionError as exc:
                console.print(f"[red]{exc}[/]")
                raise typer.Exit(2) from exc
        console.print(f"job {job_id}")
        with console.status(f"starting the LLM ({settings.llm.model})…"):
            llm.start()
        if llm.state != "ready":
            console.print(f"[red]the LLM did not start:[/] {llm.error}")
            raise typer.Exit(1)
        start = runner.store.progress(job_id)
        assert start is not None
        bar = _job_progress_bar()
        with bar:
            task = bar.add_task("writing copy", total=start.total, completed=start.done + start.failed)

            def advance(current: JobProgress) -> None:
                bar.update(task, completed=current.done + current.failed)

            final = asyncio.run(runner.run(job_id, advance))
    finally:
        llm.close()
        catalog.index.close()
        database.close()
    console.print(f"job {job_id}: {final.status}, {final.done} drafts written, {final.failed} failed of {final.total}")
    for error in final.errors[:10]:
        console.print(f"  {error['product_id']}: {error['error']}")


def _copy_via_server(server: str, api_key: str | None, body: dict[str, object] | None, job_id: str | None) -> None:
    import time

    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    with httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=30) as client:
        if body is not None:
            created = client.post("/v1/copy/jobs", json={k: v for k, v in body.items() if v is not None})
            if created.status_code != 202:
                console.print(f"[red]{created.status_code}:[/] {created.text[:300]}")
                raise typer.Exit(2)
            job_id = str(created.json()["job_id"])
        console.print(f"job {job_id}")
        bar = _job_progress_bar()
        with bar:
            task = bar.add_task("writing copy", total=None)
            while True:
                state = client.get(f"/v1/copy/jobs/{job_id}")
                if state.status_code != 200:
                    console.print(f"[red]{state.status_code}:[/] {state.text[:300]}")
                    raise typer.Exit(2)
                job = state.json()
                bar.update(task, total=job["total"], completed=job["done"] + job["failed"])
                if job["status"] != "running":
                    break
                time.sleep(2.0)
    console.print(f"job {job_id}: {job['status']}, {job['done']} drafts written, {job['failed']} failed")


eval_cli = typer.Typer(help="Evaluation suites, reports and their comparison")
cli.add_typer(eval_cli, name="eval")

REPORT_SUITES = ("search", "recs", "chat", "copy", "security", "federated")


@eval_cli.callback(invoke_without_command=True)
def run_eval(
    ctx: typer.Context,
    suite: Annotated[
        str,
        typer.Option(
            help="search, recs, chat, copy, security (alias redteam), federated, llm, all (every report suite)"
        ),
    ] = "all",
    profile: Annotated[str, typer.Option(help="suite sizes: full, fast (make eval), tiny")] = "full",
    cases: Annotated[int | None, typer.Option(min=1, help="copy: English products; llm: grounding cases")] = None,
    zh_cases: Annotated[int | None, typer.Option(min=0, help="copy: further products written in Chinese")] = None,
    dialogs: Annotated[int | None, typer.Option(min=1, help="chat: run N dialogs spread over the set")] = None,
    model: Annotated[
        str | None, typer.Option(help="chat, copy, security: embedded model (default: the configured LLM)")
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(help="embedded, or openai (vLLM at SHOPASSIST_LLM__BASE_URL); default: the configured one"),
    ] = None,
    reports: Annotated[Path, typer.Option(help="where reports/<timestamp>/ is written")] = Path("reports"),
) -> None:
    """Run evaluation suites, print their figures and write a report (report.md, plots, figures.json)."""
    if ctx.invoked_subcommand is not None:
        return
    from dataclasses import replace

    from rich.markdown import Markdown

    from eval import report

    chosen = "security" if suite == "redteam" else suite
    if chosen == "llm":
        _eval_llm(cases or 12)
        return
    if chosen not in {*REPORT_SUITES, "all"}:
        raise typer.BadParameter(f"unknown suite {suite!r}; available: {', '.join(REPORT_SUITES)}, llm, all")
    if profile not in report.PROFILES:
        raise typer.BadParameter(f"unknown profile {profile!r}; available: {', '.join(report.PROFILES)}")
    sizes = report.PROFILES[profile]
    sizes = replace(
        sizes,
        copy_products=cases or sizes.copy_products,
        copy_zh_products=sizes.copy_zh_products if zh_cases is None else zh_cases,
        chat_dialogs=dialogs or sizes.chat_dialogs,
    )
    suites = list(REPORT_SUITES) if chosen == "all" else [chosen]
    llm = _llm_settings(model, backend)
    with console.status("evaluating…") as status:
        result = report.run(suites, sizes, llm, progress=lambda name: status.update(f"evaluating: {name}…"))
    out = report.write(result, reports)
    for name, block in report.summary_tables(report.load(out)).items():
        console.rule(f"{name} ({result.seconds.get(name, 0):.0f} s)")
        console.print(Markdown(block))
    console.print(f"report: {out / 'report.md'}")


@eval_cli.command("compare")
def eval_compare(
    a: Annotated[Path, typer.Argument(exists=True, help="report directory (or its figures.json)")],
    b: Annotated[Path, typer.Argument(exists=True, help="report directory (or its figures.json)")],
    show_all: Annotated[bool, typer.Option("--all", help="also figures that did not change")] = False,
) -> None:
    """Print every figure of two reports side by side with the change from A to B."""
    from eval import report

    table = Table("figure", "A", "B", "B - A", title=f"{a.name} → {b.name}")
    for name, x, y, delta in report.compare(a, b):
        if not show_all and delta is not None and abs(delta) < 1e-12:
            continue
        table.add_row(
            name,
            "—" if x is None else f"{x:.4g}",
            "—" if y is None else f"{y:.4g}",
            "—" if delta is None else f"{delta:+.4g}",
        )
    console.print(table)


@eval_cli.command("publish")
def eval_publish(
    report_dir: Annotated[Path | None, typer.Argument(help="a report directory (default: the latest)")] = None,
    reports: Annotated[Path, typer.Option(help="where reports are looked for")] = Path("reports"),
    target: Annotated[Path, typer.Option(help="the Markdown file to update")] = Path("docs/benchmarks.md"),
) -> None:
    """Write a report's tables into docs/benchmarks.md (the section between the eval-report markers)."""
    from eval import report

    chosen = report_dir or report.latest(reports)
    if chosen is None:
        console.print(f"[red]no report under {reports}[/]: run `shopassist eval` first")
        raise typer.Exit(2)
    report.publish(chosen, target)
    console.print(f"{target} updated from {chosen}")


fed_cli = typer.Typer(help="Federated personalization across shops (Flower, DP-FedAvg)")
cli.add_typer(fed_cli, name="federated")


@fed_cli.command("simulate")
def federated_simulate(
    shops: Annotated[int | None, typer.Option(min=2, help="shops the users are split over (default: settings)")] = None,
    rounds: Annotated[int | None, typer.Option(min=1, help="federated rounds (default: settings)")] = None,
    epsilon: Annotated[
        float | None, typer.Option(help="DP-FedAvg at this ε per shop (inf: clipping only; default: settings)")
    ] = None,
) -> None:
    """Train the recommender federated over simulated shops (users split at random) in Flower's simulation
    runtime, and save it as a new model version the service switches to."""
    import tempfile

    settings = get_settings()
    f = settings.federated
    target = epsilon if epsilon is not None else f.epsilon
    if target is not None and target <= 0:
        raise typer.BadParameter("--epsilon must be > 0 (inf: clipping only)")
    from app.federated import FederatedRunError, interpreter, run_federated

    python = interpreter(f)
    if not python.is_file():
        console.print(f"[red]{python} not found[/]: create the federated environment with `make venv-federated`")
        raise typer.Exit(2)

    with tempfile.TemporaryDirectory(prefix="shopassist-federated-") as tmp:
        try:
            with console.status(f"federated training: {shops or f.shops} shops, {rounds or f.rounds} rounds…"):
                model = run_federated(settings, python, Path(tmp), shops or f.shops, rounds or f.rounds, target)
        except FederatedRunError as exc:
            console.print(f"[red]federated run failed:[/] {exc}")
            raise typer.Exit(1) from exc
    run = model.metadata["federated"]
    eps = model.metadata.get("epsilon")
    privacy = "no DP" if target is None else (f"ε={eps:.2f}, δ={f.delta:g}" if eps else "clipping only (ε=∞)")
    console.print(
        f"model {model.version}: {run['shops']} shops, {run['rounds']} rounds, {run['interactions']} interactions, "
        f"{privacy}, {run['seconds']} s"
    )


@fed_cli.command("deploy")
def federated_deploy(
    superlink: Annotated[str, typer.Option(help="host:port of the SuperLink's Fleet API")] = "superlink.internal:9092",
) -> None:
    """Print the commands that run the same apps across machines (SuperLink + one SuperNode per shop)."""
    console.print(
        "\n".join(
            [
                "# coordinator (one machine):",
                "flower-superlink --ssl-ca-certfile ca.crt --ssl-certfile server.pem --ssl-keyfile server.key",
                "# each shop (its events stay there), with its own partition id and data directory:",
                f"flower-supernode --superlink {superlink} --root-certificates ca.crt "
                '--node-config "partition-id=0 shop-data=/srv/shopassist/federated"',
                "# start the run (server and client apps: retrieval.federated.apps):",
                "flwr run docker/federated <federation> --stream",
                "# see docs/deployment.md",
            ]
        )
    )


ft_cli = typer.Typer(help="Fine-tuning: the SFT dataset and LoRA training (extra `finetune`)")
cli.add_typer(ft_cli, name="finetune")


@ft_cli.command("build-data")
def finetune_build_data(
    out: Annotated[Path, typer.Option(help="directory for train.jsonl, heldout.jsonl and the data card")] = Path(
        "data/finetune"
    ),
    dialogs: Annotated[Path, typer.Option(help="scripted dialogs whose questions become support examples")] = Path(
        "eval/data/chat_dialogs.jsonl"
    ),
    copy_limit: Annotated[int | None, typer.Option(min=1, help="copy examples from at most N products")] = None,
    questions: Annotated[int, typer.Option(min=0, help="support questions generated from the catalog")] = 300,
    heldout: Annotated[float, typer.Option(min=0.0, max=0.9, help="share of groups held out")] = 0.1,
    seed: Annotated[int, typer.Option(help="seed of the sampling and the split")] = 0,
) -> None:
    """Build the chat-format SFT dataset from the shop's catalog, drafts, policies and the scripted dialogs."""
    from app.finetune.data import build_dataset
    from app.store.drafts import DraftStore
    from app.wiring import build_services

    settings = get_settings()
    services = build_services(settings)  # the LLM is not started: targets come from the data
    try:
        if services.catalog.index.count() == 0:
            console.print("[red]the catalog is empty[/]: ingest a feed first (`shopassist ingest FEED`)")
            raise typer.Exit(2)
        with console.status("building the SFT dataset…"):
            summary = build_dataset(
                services.catalog,
                services.copywriter,
                DraftStore(services.database),
                services.assistant,
                out,
                dialogs_path=dialogs,
                copy_limit=copy_limit,
                catalog_questions_count=questions,
                heldout_fraction=heldout,
                seed=seed,
            )
    finally:
        services.close()
    console.print(f"{summary.train} training and {summary.heldout} held-out examples in {out} (see DATA_CARD.md)")
    for source, count in summary.by_source["train"].items():
        console.print(f"  {source}: {count} + {summary.by_source['heldout'].get(source, 0)} held out")


@ft_cli.command("train")
def finetune_train(
    config: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="the run's YAML (configs/*.yaml)")],
) -> None:
    """LoRA fine-tuning (bf16 on a GPU, fp32 on CPU): saves the adapter, the merged model and metrics.json."""
    from pydantic import ValidationError

    from app.finetune.train import load_config, train

    try:
        run = load_config(config)
    except (ValueError, ValidationError, OSError) as exc:
        console.print(f"[red]invalid config {config}:[/] {exc}")
        raise typer.Exit(2) from exc

    def show(logs: dict[str, float]) -> None:
        console.print(
            f"  step loss {logs['loss']:.4f}" + (f"  lr {logs['learning_rate']:.2e}" if "learning_rate" in logs else "")
        )

    try:
        result = train(run, get_settings().llm.models_dir, on_log=show)
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    except ImportError as exc:
        console.print(f"[red]{exc}[/]: install the extra with `pip install -e '.[finetune]'` (make venv does)")
        raise typer.Exit(2) from exc
    console.print(
        f"{result.steps} steps on {result.train_examples} examples in {result.seconds} s; "
        f"loss {result.losses[0]:.3f} → {result.losses[-1]:.3f}"
        + (
            f"; held-out loss {result.heldout_loss_before:.3f} → {result.heldout_loss_after:.3f}"
            if result.heldout_loss_before is not None and result.heldout_loss_after is not None
            else ""
        )
    )
    for name, score in (("before", result.checks_before), ("after", result.checks_after)):
        if score is not None:
            console.print(f"  held-out checks {name}: {score}")
    console.print(
        f"adapter: {result.adapter_dir}" + (f"\nmerged model: {result.merged_dir}" if result.merged_dir else "")
    )


def _llm_settings(model: str | None, backend: str | None = None) -> LLMSettings:
    """The configured LLM, with the embedded model and/or the backend chosen on the command line."""
    from pydantic import ValidationError

    llm = get_settings().llm
    changes: dict[str, object] = {}
    if model is not None:
        changes["model"] = model
    if backend is not None:
        changes["backend"] = backend
    if not changes:
        return llm
    try:
        return LLMSettings.model_validate({**llm.model_dump(), **changes})
    except ValidationError as exc:
        raise typer.BadParameter(f"invalid LLM choice: {str(exc).splitlines()[0]}") from exc


def _eval_llm(cases: int) -> None:
    from app.llm.service import LLMService
    from app.observability import Metrics
    from eval import llm_grounding

    settings = get_settings()
    suite = "llm"
    llm = LLMService(settings.llm, Metrics())
    with console.status(f"starting the LLM ({settings.llm.backend})…"):
        llm.start()
    if llm.state != "ready":
        console.print(f"[red]LLM unavailable:[/] {llm.error}")
        raise typer.Exit(1)
    try:
        with console.status(f"running {cases} grounding cases…"):
            figures = llm_grounding.run(llm, settings.shop_name, cases)
    finally:
        llm.close()
    table = Table("figure", "value", title=f"eval: {suite} ({llm.backend.model_name})")
    for key, value in figures.items():
        table.add_row(key, f"{value:.3f}" if isinstance(value, float) else str(value))
    console.print(table)


def _flatten(data: dict[str, object], prefix: str = "") -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for key, value in data.items():
        if isinstance(value, dict) and value and key != "api_keys":
            rows.extend(_flatten(value, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", value))
    return rows


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
