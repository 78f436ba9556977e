"""`shopassist finetune train --config configs/smoke.yaml` in a real process, on a given dataset (the finetune
test and the vLLM tier both train this way)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "configs" / "smoke.yaml"


def run_smoke_config(dataset: Path, output: Path, models_dir: Path, timeout_s: float) -> dict[str, Any]:
    """Train with the smoke config on ``dataset`` into ``output``; returns the config used (fails on exit ≠ 0)."""
    config = yaml.safe_load(SMOKE.read_text())
    config.update(data_dir=str(dataset), output_dir=str(output))
    output.mkdir(parents=True, exist_ok=True)
    path = output / "smoke.yaml"
    path.write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "finetune", "train", "--config", str(path)],
        cwd=ROOT,
        env={**os.environ, "SHOPASSIST_LLM__MODELS_DIR": str(models_dir)},
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return dict(config)
