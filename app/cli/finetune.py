"""``finetune``: the SFT dataset and LoRA training (extra `finetune`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.base import cli, console
from app.config import get_settings

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
