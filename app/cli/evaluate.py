"""``eval``: evaluation suites, their reports, comparison and publishing into the docs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from app.cli.base import cli, console
from app.config import LLMSettings, get_settings

eval_cli = typer.Typer(help="Evaluation suites, reports and their comparison")
cli.add_typer(eval_cli, name="eval")


@eval_cli.callback(invoke_without_command=True)
def run_eval(
    ctx: typer.Context,
    suite: Annotated[
        str,
        typer.Option(
            help="search, recs, chat, copy, security (alias redteam), federated, ads, forecast, sentiment, llm, "
            "all (every report suite)"
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
    from eval.report_tables import summary_tables

    chosen = "security" if suite == "redteam" else suite
    if chosen == "llm":
        _eval_llm(cases or 12)
        return
    if chosen not in {*report.SUITES, "all"}:
        raise typer.BadParameter(f"unknown suite {suite!r}; available: {', '.join(report.SUITES)}, llm, all")
    if profile not in report.PROFILES:
        raise typer.BadParameter(f"unknown profile {profile!r}; available: {', '.join(report.PROFILES)}")
    sizes = report.PROFILES[profile]
    sizes = replace(
        sizes,
        copy_products=cases or sizes.copy_products,
        copy_zh_products=sizes.copy_zh_products if zh_cases is None else zh_cases,
        chat_dialogs=dialogs or sizes.chat_dialogs,
    )
    suites = list(report.SUITES) if chosen == "all" else [chosen]
    llm = _llm_settings(model, backend)
    with console.status("evaluating…") as status:
        result = report.run(suites, sizes, llm, progress=lambda name: status.update(f"evaluating: {name}…"))
    out = report.write(result, reports)
    for name, block in summary_tables(report.load(out)).items():
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
    from app.wiring import build_llm
    from eval import llm_grounding

    settings = get_settings()
    suite = "llm"
    llm = build_llm(settings)
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
