"""``serve`` and ``info``: the service and what it would run with."""

from __future__ import annotations

import importlib.util
from typing import Annotated

import typer
from rich.table import Table

from app.cli.base import cli, console
from app.config import Settings, get_settings


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
        "app.main:create_served_app",
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


def _flatten(data: dict[str, object], prefix: str = "") -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for key, value in data.items():
        if isinstance(value, dict) and value and key != "api_keys":
            rows.extend(_flatten(value, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", value))
    return rows
