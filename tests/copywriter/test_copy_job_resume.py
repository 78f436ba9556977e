"""A batch copy job over 50 products survives a SIGKILL of its worker (``shopassist copy``, a real process) and,
resumed, ends with exactly one draft per product.

What is tested is the job machinery (claims, atomic completion, resume), not the prose: the process's model is
the scripted OpenAI-protocol server, answering each request after 0.2 s so that the kill lands mid-job. The
copy routes' tests use the real model.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.scripted_llm import ScriptedLLM
from tests.test_cli import BIN, cli_env

pytestmark = pytest.mark.integration  # a real process, killed

COPY = json.dumps(
    {
        "title": "Linen Dress",
        "bullets": ["A linen dress."],
        "description": "A dress in linen.",
        "seo": {"title": "Linen Dress", "meta_description": "A dress in linen."},
    }
)

PRODUCTS = 50


def job_state(db: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as connection:
        rows = connection.execute("SELECT status, count(*) FROM copy_job_items GROUP BY status").fetchall()
    return {status: count for status, count in rows}


def test_a_killed_copy_job_resumes_and_writes_each_product_exactly_once(
    tmp_path: Path, demo_store: Path, scripted: ScriptedLLM
) -> None:
    from app.wiring import build_catalog

    data_dir = tmp_path / "data"
    dresses = [
        line for line in (demo_store / "products.jsonl").read_text().splitlines() if '"Dresses > Dresses"' in line
    ]
    catalog = build_catalog(make_settings(data_dir))
    try:
        outcome = catalog.ingest_feed("\n".join(dresses[:60]).encode(), "jsonl")
        assert outcome.report.written == 60
        expected = catalog.ids("Dresses")[:PRODUCTS]
    finally:
        catalog.index.close()
    scripted.reset()
    scripted.say("", COPY, delay_s=0.2)
    llm = scripted.llm_settings()
    env = cli_env(
        data_dir,
        SHOPASSIST_COPYWRITER__JOB_CONCURRENCY="2",
        SHOPASSIST_LLM__BACKEND="openai",
        SHOPASSIST_LLM__BASE_URL=str(llm.base_url),
        SHOPASSIST_LLM__API_KEY=llm.api_key.get_secret_value() if llm.api_key else "",
        SHOPASSIST_LLM__SERVED_MODEL=llm.served_model,
        COLUMNS="120",
    )
    db = data_dir / "shopassist.db"
    first = subprocess.Popen(
        [str(BIN), "copy", "--category", "Dresses", "--limit", str(PRODUCTS), "--tone", "playful"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        state: dict[str, int] = {}
        while time.monotonic() < deadline and first.poll() is None:
            if db.exists():
                try:
                    state = job_state(db)
                except sqlite3.OperationalError:  # tables not created yet
                    state = {}
                if state.get("done", 0) >= 12:
                    break
            time.sleep(0.2)
        assert first.poll() is None, f"the job ended before it could be killed: {first.stdout and first.stdout.read()}"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == -signal.SIGKILL
    killed = job_state(db)
    assert killed.get("running", 0) >= 1, killed  # killed in the middle of writing a product
    assert 12 <= killed.get("done", 0) < PRODUCTS, killed
    with sqlite3.connect(db) as connection:
        (job_id,) = connection.execute("SELECT id FROM copy_jobs").fetchone()

    resumed = subprocess.run(
        [str(BIN), "copy", "--resume", job_id], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"job {job_id}: done, {PRODUCTS} drafts written, 0 failed of {PRODUCTS}" in " ".join(resumed.stdout.split())

    with sqlite3.connect(db) as connection:
        items = connection.execute(
            "SELECT product_id, status, draft_id, attempts FROM copy_job_items WHERE job_id = ?", (job_id,)
        ).fetchall()
        drafts = connection.execute("SELECT id, product_id, data FROM copy_drafts").fetchall()
        job_status = connection.execute("SELECT status FROM copy_jobs WHERE id = ?", (job_id,)).fetchone()[0]
    assert job_status == "done"
    assert sorted(p for p, *_ in items) == expected and all(s == "done" for _, s, *_ in items)
    assert sorted(p for _, p, _ in drafts) == expected  # exactly one draft per product, none lost, none twice
    by_product = {p: d for d, p, _ in drafts}
    assert all(by_product[p] == draft_id for p, _, draft_id, _ in items)
    assert any(attempts == 2 for *_, attempts in items)  # the interrupted products were written again
    assert all(json.loads(data)["options"]["tone"] == "playful" for *_, data in drafts)  # the job's own options
