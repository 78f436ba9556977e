"""The ``shopassist`` command line: one module per command group. Heavy modules are imported inside commands,
never at import time; services come from ``app.wiring``."""

from __future__ import annotations

from app.cli import copy, data, evaluate, federated, finetune, service
from app.cli.base import cli, console

__all__ = ["cli", "console", "copy", "data", "evaluate", "federated", "finetune", "main", "service"]


def main() -> None:
    cli()
