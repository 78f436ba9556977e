"""Writing a generated shop to a directory: products, customers, orders, events and policies, replaced atomically
(a build that fails half-way leaves the previous store in place)."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from retrieval.catalog import Product


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def write_shop(
    target: Path,
    *,
    products: list[Product] | list[dict[str, Any]],
    tables: Mapping[str, list[dict[str, Any]]],
    policies: Mapping[str, str],
    manifest: dict[str, Any],
    readme: str,
) -> dict[str, Any]:
    """``products.jsonl`` plus one ``<name>.jsonl`` per table, ``policies/*.md``, manifest and README."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        rows = [p.model_dump(mode="json", exclude_none=True) if isinstance(p, Product) else p for p in products]
        write_jsonl(staging / "products.jsonl", rows)
        for name, table in tables.items():
            write_jsonl(staging / f"{name}.jsonl", table)
        folder = staging / "policies"
        folder.mkdir()
        for name, text in sorted(policies.items()):
            (folder / f"{name}.md").write_text(text, encoding="utf-8")
        manifest = {**manifest, "products": len(rows), "policies": sorted(f"{n}.md" for n in policies)}
        manifest.update({name: len(table) for name, table in tables.items()})
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        (staging / "README.md").write_text(readme.format(**manifest))
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest
