"""``federated``: federated personalization across shops (Flower, DP-FedAvg)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.base import cli, console, show_decision
from app.config import get_settings

fed_cli = typer.Typer(help="Federated personalization across shops (Flower, DP-FedAvg)")
cli.add_typer(fed_cli, name="federated")


@fed_cli.command("simulate")
def federated_simulate(
    shops: Annotated[int | None, typer.Option(min=2, help="shops the users are split over (default: settings)")] = None,
    rounds: Annotated[int | None, typer.Option(min=1, help="federated rounds (default: settings)")] = None,
    epsilon: Annotated[
        float | None, typer.Option(help="DP-FedAvg at this ε per shop (inf: clipping only; default: settings)")
    ] = None,
    force: Annotated[bool, typer.Option(help="serve the new version even if the promotion gate rejects it")] = False,
) -> None:
    """Train the recommender federated over simulated shops (users split at random) in Flower's simulation
    runtime into a new model version; the service switches to it if the promotion gate passes it."""
    import tempfile

    settings = get_settings()
    f = settings.federated
    target = epsilon if epsilon is not None else f.epsilon
    if target is not None and target <= 0:
        raise typer.BadParameter("--epsilon must be > 0 (inf: clipping only)")
    from app.personalization.federated import FederatedRunError, interpreter, run_federated
    from app.wiring import als_params, event_store, open_database, promotion_gate, recs_dir

    python = interpreter(f)
    if not python.is_file():
        console.print(f"[red]{python} not found[/]: create the federated environment with `make venv-federated`")
        raise typer.Exit(2)

    database = open_database(settings)
    plan = (shops or f.shops, rounds or f.rounds, target)
    try:
        with (
            tempfile.TemporaryDirectory(prefix="shopassist-federated-") as tmp,
            console.status(f"federated training: {plan[0]} shops, {plan[1]} rounds…"),
        ):
            trained = run_federated(
                event_store(settings, database), als_params(settings), f, python, Path(tmp),
                recs_dir(settings), promotion_gate(settings), plan, force=force,
            )  # fmt: skip
    except FederatedRunError as exc:
        console.print(f"[red]federated run failed:[/] {exc}")
        raise typer.Exit(1) from exc
    finally:
        database.close()
    model = trained.model
    run = model.metadata["federated"]
    eps = model.metadata.get("epsilon")
    privacy = "no DP" if target is None else (f"ε={eps:.2f}, δ={f.delta:g}" if eps else "clipping only (ε=∞)")
    console.print(
        f"model {model.version}: {run['shops']} shops, {run['rounds']} rounds, {run['interactions']} interactions, "
        f"{privacy}, {run['seconds']} s"
    )
    show_decision(trained.decision)


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
