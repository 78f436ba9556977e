"""``copy``: resumable batch copy jobs, in this process or submitted to a running service."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.base import cli, console, job_progress_bar, open_catalog
from app.config import get_settings


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


def _copy_in_process(
    category: str | None, product: list[str] | None, limit: int | None, options: object, resume: str | None
) -> None:
    import asyncio

    from app.copywriter.jobs import JobRequest, JobSelectionError
    from app.store.copy_jobs import JobProgress
    from app.wiring import build_copy_jobs, build_copywriter, build_llm, open_database

    settings = get_settings()
    database = open_database(settings)
    catalog = open_catalog(settings, "use --server URL, or POST /v1/copy/jobs")
    llm = build_llm(settings)
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
        bar = job_progress_bar()
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
        bar = job_progress_bar()
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
