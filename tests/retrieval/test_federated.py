"""Federated personalization: the aggregation and DP arithmetic, the privacy accountant (in the federated
environment), and a CI-sized Flower simulation through ``shopassist federated simulate`` on the demo events that
saves a model version and leaves no process behind."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from app.personalization.promotion import PromotionLog
from retrieval.federated.mf import (
    FederatedParams,
    ShopUpdate,
    clipped_change,
    dp_fedavg,
    fedavg,
    local_update,
    train_in_process,
)
from retrieval.recs import AlsRecommender
from tests.test_cli import BIN, cli_env

ROOT = Path(__file__).resolve().parents[2]
FED_PYTHON = ROOT / ".venv-federated" / "bin" / "python"
PARAMS = FederatedParams(factors=8, regularization=0.05, alpha=2.0, rounds=3)


def test_fedavg_weights_each_item_by_the_shops_that_saw_it() -> None:
    items = np.zeros((3, 2))
    a = ShopUpdate(np.array([[1.0, 1.0], [2.0, 2.0], [9.0, 9.0]]), np.array([1.0, 3.0, 0.0]), 4)
    b = ShopUpdate(np.array([[3.0, 3.0], [4.0, 4.0], [9.0, 9.0]]), np.array([3.0, 1.0, 0.0]), 4)
    merged = fedavg(items, [a, b])
    assert merged[0].tolist() == [2.5, 2.5] and merged[1].tolist() == [2.5, 2.5]
    assert merged[2].tolist() == [0.0, 0.0]  # nobody saw item 2: unchanged


def test_dp_updates_are_clipped_and_only_touch_seen_items() -> None:
    rng = np.random.default_rng(0)
    items = rng.normal(size=(5, 3))
    update = ShopUpdate(items + 10.0, np.array([1.0, 0.0, 2.0, 0.0, 1.0]), 3)
    change = clipped_change(items, update, clip=0.5)
    assert np.linalg.norm(change) == pytest.approx(0.5) and not change[[1, 3]].any()
    mean = dp_fedavg(items, [change, change], clip=0.5, noise=0.0, rng=rng)
    assert np.allclose(mean, items + change)
    noisy = dp_fedavg(items, [change, change], clip=0.5, noise=4.0, rng=rng)
    assert not np.allclose(noisy, items + change)


def test_federated_rounds_fit_the_shops_data() -> None:
    rng = np.random.default_rng(1)
    dense = (rng.random((60, 30)) < 0.15).astype(np.float64)
    shops = [csr_matrix(dense[:30]), csr_matrix(dense[30:])]
    items = train_in_process(shops, PARAMS)
    update = local_update(csr_matrix(dense), items, PARAMS)
    assert update.interactions == int(dense.sum()) and np.isfinite(items).all()
    scores = update.factors @ update.factors.T  # items that are bought together end up closer than others
    assert scores.shape == (30, 30)


@pytest.fixture(scope="module")
def fed_python() -> Path:
    assert FED_PYTHON.is_file(), "the federated environment is missing: make venv-federated"
    return FED_PYTHON


@pytest.mark.slow  # the federated environment's own interpreter (make venv-federated): make test-slow
def test_the_accountant_gives_a_budget_that_falls_with_noise(fed_python: Path) -> None:
    code = (
        "import json; from retrieval.federated.privacy import epsilon, noise_for;"
        "z = noise_for(8.0, 20, 1e-5);"
        "print(json.dumps([epsilon(1.0, 20, 1e-5), epsilon(2.0, 20, 1e-5), z, epsilon(z, 20, 1e-5),"
        " noise_for(1.0, 20, 1e-5)]))"
    )
    done = subprocess.run(
        [str(fed_python), "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    eps_1, eps_2, z8, eps_z8, z1 = json.loads(done.stdout)
    assert eps_1 > eps_2 > 0 and eps_z8 <= 8.0 and eps_z8 > 7.9 and z1 > z8 > 0


def ray_processes() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if any(name in command for name in ("raylet", "gcs_server", "ray::", "flower-superlink")):
                found.append(command[:120])
    return found


@pytest.mark.slow  # two Flower simulations in the federated environment (~45 s): make test-slow
def test_a_one_round_dp_run_is_not_served_over_a_good_version_unless_forced_and_leaves_no_process(
    tmp_path: Path, demo_store: Path, fed_python: Path
) -> None:
    """DP-FedAvg at ε = 1 for one round through the CLI, after a central ALS version: the promotion gate keeps the
    central version serving; ``--force`` serves it. The same Flower apps without DP run end to end in the
    evaluation report's test (tests/eval/test_report.py)."""
    data_dir = tmp_path / "data"
    env = cli_env(data_dir, SHOPASSIST_FEDERATED__PYTHON=str(fed_python), COLUMNS="200")
    events = tmp_path / "events.jsonl"  # the first 200 shoppers, as the demo store had before it grew
    lines = (demo_store / "events.jsonl").read_text().splitlines()
    events.write_text("\n".join(x for x in lines if int(json.loads(x)["user_id"][1:]) <= 200) + "\n")
    for step in (["load-events", str(events)], ["train-recs"]):
        subprocess.run([str(BIN), *step], env=env, check=True, timeout=120, capture_output=True)
    central = AlsRecommender.load(data_dir / "recs")
    assert central is not None
    before = set(ray_processes())
    command = [str(BIN), "federated", "simulate", "--shops", "3", "--rounds", "1", "--epsilon", "1"]

    def simulate(*extra: str) -> str:
        started = time.perf_counter()
        done = subprocess.run([*command, *extra], env=env, capture_output=True, text=True, timeout=120, check=False,
                              cwd=ROOT)  # fmt: skip
        seconds = time.perf_counter() - started
        assert done.returncode == 0, done.stdout + done.stderr
        assert seconds <= 60, f"the simulation took {seconds:.0f} s"
        assert set(ray_processes()) <= before, ray_processes()
        return done.stdout

    assert "not served" in simulate()
    served = AlsRecommender.load(data_dir / "recs")
    assert served is not None and served.version == central.version
    decision = PromotionLog(data_dir / "recs").last(1)[0]
    assert not decision["promoted"] and decision["served"] == central.version and "-fed-" in decision["candidate"]
    assert decision["candidate_scores"]["ndcg"] < decision["served_scores"]["ndcg"]
    assert (data_dir / "recs" / decision["candidate"]).is_dir()  # kept for inspection, not served

    assert "promoted by --force" in simulate("--force")
    model = AlsRecommender.load(data_dir / "recs")
    assert model is not None and "-fed-" in model.version and PromotionLog(data_dir / "recs").last(1)[0]["forced"]
    run = model.metadata["federated"]
    assert (run["shops"], run["rounds"]) == (3, 1) and model.item_factors.shape[1] == 64
    assert model.metadata["engine"] == "federated ALS (Flower, DP-FedAvg)"
    assert 0.9 < model.metadata["epsilon"] <= 1.0 and model.metadata["delta"] == 1e-5
    history = {model.item_ids[0]: 10.0, model.item_ids[1]: 4.0}
    assert len(model.recommend(history, 5)) == 5
    assert sys.executable  # the service side never imported Flower
