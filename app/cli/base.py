"""What every command group shares: the root Typer app, the console, and opening the data dir's index."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console

from app.config import Settings

if TYPE_CHECKING:
    from rich.progress import Progress

    from app.personalization.promotion import Decision
    from retrieval.catalog_service import CatalogService

cli = typer.Typer(help="shopassist: LLM e-commerce assistant and content generator", no_args_is_help=True)
console = Console()


def open_catalog(settings: Settings, instead: str) -> CatalogService:
    """The catalog for a command that works on the data dir itself; a clear exit when a server holds it."""
    from app.wiring import build_catalog
    from retrieval.index.base import IndexInUseError

    try:
        return build_catalog(settings)
    except IndexInUseError as exc:
        console.print(f"[red]the index is open in another process[/] (a running `shopassist serve`?): {instead}")
        raise typer.Exit(1) from exc


def show_decision(decision: Decision) -> None:
    """The promotion gate's decision on a new recommender version, as the command's last line."""
    verdict = "[green]served[/]" if decision.promoted else "[yellow]not served[/]"
    served = f" (was {decision.served})" if decision.served else ""
    console.print(f"version {decision.candidate}: {verdict}{served}: {decision.reason}")


def job_progress_bar() -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )
