"""EdgeIndex specifics: versions on disk, crash safety (a real SIGKILL), serving during a build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from retrieval.index.base import DENSE, IndexInUseError, IndexQuery
from retrieval.index.edge import EdgeIndex
from tests.retrieval.test_index_congruence import POINTS, make_points

WRITER = """
import sys
from pathlib import Path
from retrieval.index.edge import EdgeIndex
from tests.retrieval.test_index_congruence import make_points
index = EdgeIndex(Path(sys.argv[1]))
print("building", flush=True)
index.apply(make_points(6000, seed=11), [])
print("done", flush=True)
"""

HOLDER = """
import sys, time
from pathlib import Path
from retrieval.index.edge import EdgeIndex
index = EdgeIndex(Path(sys.argv[1]))
print("open", flush=True)
time.sleep(120)
"""


def test_reopen_serves_the_committed_version(tmp_path: Path) -> None:
    index = EdgeIndex(tmp_path / "idx")
    version = index.apply(POINTS, [])
    index.close()
    again = EdgeIndex(tmp_path / "idx")
    assert again.version == version
    assert again.count() == len(POINTS)
    again.close()


def test_killed_mid_ingest_leaves_the_previous_index_serving(tmp_path: Path) -> None:
    root = tmp_path / "idx"
    index = EdgeIndex(root)
    committed = index.apply(POINTS, [])
    index.close()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(root)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "building"
        deadline = time.monotonic() + 60
        while not any(p.name.startswith(".staging-") for p in root.iterdir()):
            assert time.monotonic() < deadline and writer.poll() is None, "the writer never started a build"
            time.sleep(0.01)
        time.sleep(0.3)  # well inside the build: copying, upserting 6,000 points or optimising
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    reopened = EdgeIndex(root)
    assert reopened.version == committed
    assert reopened.count() == len(POINTS)
    hits = reopened.search(IndexQuery(dense={DENSE: POINTS[7].dense[DENSE]}, limit=3))
    assert hits[0].id == POINTS[7].product.id
    assert not [p for p in root.iterdir() if p.name.startswith(".staging-")]  # the half-built copy is gone
    reopened.close()


def test_searches_keep_working_while_a_new_version_is_built(tmp_path: Path) -> None:
    index = EdgeIndex(tmp_path / "idx")
    index.apply(POINTS, [])
    extra = make_points(1000, seed=5)
    errors: list[BaseException] = []
    counts: list[int] = []
    stop = threading.Event()

    def reader() -> None:
        query = IndexQuery(dense={DENSE: POINTS[2].dense[DENSE]}, limit=5)
        while not stop.is_set():
            try:
                hits = index.search(query)
                counts.append(len(hits))
                time.sleep(0.002)
            except BaseException as exc:
                errors.append(exc)
                return

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        new_version = index.apply(extra, [])
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors, errors
    assert len(counts) > 5 and all(c == 5 for c in counts)
    assert index.version == new_version
    assert index.count() == 1000  # the new ids T000..T999 include (and overwrite) the first 120
    index.close()


def test_old_versions_are_pruned(tmp_path: Path) -> None:
    root = tmp_path / "idx"
    index = EdgeIndex(root, keep_versions=2)
    for n in range(4):
        index.apply(POINTS[n * 10 : n * 10 + 10], [])
    versions = sorted(p.name for p in root.iterdir() if p.name.startswith("v"))
    assert len(versions) == 2 and versions[-1] == index.version
    index.close()


def test_a_directory_another_process_holds_is_refused_by_type_until_that_process_dies(tmp_path: Path) -> None:
    root = tmp_path / "idx"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(root)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(IndexInUseError):
            EdgeIndex(root)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    EdgeIndex(root).close()  # the kernel released the dead holder's lock
