"""Shared fixtures: isolated settings, the real embedded LLM (SmolLM2-135M), a real uvicorn server."""

from __future__ import annotations

import os
from pathlib import Path

# Nothing may reach a model hub, and no developer's environment leaks into the tests.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
for _name in [n for n in os.environ if n.startswith("SHOPASSIST_")]:
    del os.environ[_name]

import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

# One vector cache for the run: the demo catalog, ingested by several fixtures and commands, is embedded once.
# Each run starts empty, so every run still embeds through the real encoders.
# With pytest-xdist the workers inherit the controller's folder.
if "PYTEST_SHOPASSIST_VECTORS" in os.environ:
    _VECTORS = Path(os.environ["PYTEST_SHOPASSIST_VECTORS"])
else:
    _VECTORS = Path(tempfile.mkdtemp(prefix="shopassist-vectors-"))
    os.environ["PYTEST_SHOPASSIST_VECTORS"] = str(_VECTORS)
    atexit.register(shutil.rmtree, _VECTORS, ignore_errors=True)
VECTOR_CACHE_ENV = {"SHOPASSIST_EMBED__VECTOR_CACHE_PATH": str(_VECTORS / "vectors.sqlite")}
os.environ.update(VECTOR_CACHE_ENV)

import asyncio  # noqa: E402
from collections.abc import Callable, Coroutine, Iterator  # noqa: E402
from typing import Any, TypeVar  # noqa: E402

import pytest  # noqa: E402

from app.assistant.service import Assistant  # noqa: E402
from app.assistant.tools import OrderTools  # noqa: E402
from app.config import AssistantSettings, LLMSettings, Settings  # noqa: E402
from app.llm.service import LLMService  # noqa: E402
from app.observability import Metrics  # noqa: E402
from retrieval.catalog_service import CatalogService  # noqa: E402
from tests.live_server import LiveServer, serve_app  # noqa: E402
from tests.scripted_llm import ScriptedLLM, serve_scripted  # noqa: E402
from tests.vllm_server import ADAPTER_NAME, VllmServer, serve_vllm, train_adapter  # noqa: E402

ADMIN_KEY = "test-admin-key-0123456789abcdef"
MERCHANT_KEY = "test-merchant-key-0123456789"
SUPPORT_KEY = "test-support-key-0123456789"

T = TypeVar("T")
Runner = Callable[[Coroutine[Any, Any, T]], T]


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for a test: no .env file, a private data dir, the small test model."""
    llm = LLMSettings(model="smollm2-135m", models_dir=data_dir / "models", ctx_size=4096, parallel=2)
    values: dict[str, Any] = {
        "env": "test",
        "data_dir": data_dir,
        "admin_api_key": ADMIN_KEY,
        "api_keys": {MERCHANT_KEY: "merchant", SUPPORT_KEY: "support"},
        "llm": llm,
        # SmolLM2 rarely finishes a long copy JSON; a lower cap keeps each copy test to a few seconds (the
        # copy machinery, not the prose, is what the suite tests; quality is measured by `shopassist eval`)
        "copywriter": {"max_tokens": 200},
        # the same for chat replies: what the suite checks (grounding, cards, guards, memory) is decided before
        # or around the model's prose, and SmolLM2 writes at the cap more often than not
        "assistant": {"reply_max_tokens": 120, "staff_reply_max_tokens": 120},
        "log": {"level": "INFO", "format": "json"},
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="session")
def aio() -> Iterator[Runner[Any]]:
    """Run coroutines on one event loop for the whole session (async HTTP clients are bound to a loop)."""
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


@pytest.fixture(scope="session")
def session_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--llm-backend",
        choices=["embedded", "vllm"],
        default="embedded",
        help="vllm: the session's app talks to a real vLLM server on CPU (make test-vllm)",
    )


# Fixtures that bring up the real model (the embedded llama.cpp server, or vLLM): their tests are integration tests.
MODEL_FIXTURES = frozenset({"llm", "live", "shop", "vllm_server"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests on the real model or in a browser are marked ``integration`` (``make test-fast`` leaves them out);
    the vLLM tier's own tests run only with ``--llm-backend=vllm`` (make test-vllm)."""
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())) or "e2e" in item.path.parts:
            item.add_marker(pytest.mark.integration)
    if config.getoption("--llm-backend") == "vllm":
        return
    tier = [item for item in items if item.get_closest_marker("vllm")]
    if tier:
        config.hook.pytest_deselected(items=tier)
        items[:] = [item for item in items if not item.get_closest_marker("vllm")]


@pytest.fixture(scope="session")
def settings(session_data_dir: Path, request: pytest.FixtureRequest) -> Settings:
    if request.config.getoption("--llm-backend") == "vllm":
        server = request.getfixturevalue("vllm_server")
        llm = LLMSettings(
            backend="openai",
            base_url=server.base_url,
            api_key=server.api_key,
            served_model=ADAPTER_NAME,  # every request through the fine-tuned LoRA adapter
            models_dir=session_data_dir / "models",
        )
        return make_settings(session_data_dir, llm=llm)
    return make_settings(session_data_dir)


@pytest.fixture(scope="session")
def vllm_server(tmp_path_factory: pytest.TempPathFactory, demo_store: Path) -> Iterator[VllmServer]:
    """vLLM on CPU serving SmolLM2-135M (safetensors) and a LoRA adapter trained by the fine-tuning pipeline."""
    from app.finetune.base_model import hf_model_dir

    work = tmp_path_factory.mktemp("vllm")
    models_dir = work / "models"
    adapter = train_adapter(work, demo_store, models_dir)
    with serve_vllm(hf_model_dir("smollm2-135m", models_dir), adapter, work / "vllm.log") as server:
        yield server


@pytest.fixture(scope="session")
def llm(settings: Settings) -> Iterator[LLMService]:
    """The real embedded llama.cpp server with SmolLM2-135M, started once for the session."""
    service = LLMService(settings.llm, Metrics())
    service.start()
    assert service.state == "ready", service.error
    yield service
    service.close()


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store, built once (deterministic, 3 to 5 s on 2 cores)."""
    from retrieval.demo_store import write_demo_store

    target = tmp_path_factory.mktemp("store") / "demo"
    write_demo_store(target)
    return target


@pytest.fixture(scope="session")
def catalog(tmp_path_factory: pytest.TempPathFactory, demo_store: Path) -> Iterator[CatalogService]:
    """The whole demo catalog embedded (real encoders) in a real embedded Qdrant index."""
    from app.wiring import build_catalog

    settings = make_settings(tmp_path_factory.mktemp("catalog"))
    service = build_catalog(settings)
    outcome = service.ingest_feed((demo_store / "products.jsonl").read_bytes(), "jsonl")
    assert outcome.report.written > 1000 and not outcome.rejected
    yield service
    service.index.close()


@pytest.fixture(scope="session")
def live(settings: Settings) -> Iterator[LiveServer]:
    """The whole app on a real uvicorn server on 127.0.0.1 (its own embedded LLM)."""
    from app.main import create_app

    with serve_app(create_app(settings)) as server:
        server.wait_ready()
        yield server


@pytest.fixture(scope="session")
def shop(live: LiveServer, demo_store: Path) -> LiveServer:
    """The live server with the whole demo store: catalog, events (ALS trained), customers and orders."""
    import json

    merchant = {"Authorization": f"Bearer {MERCHANT_KEY}"}
    with live.client() as client:
        feed = (demo_store / "products.jsonl").read_bytes()
        response = client.post("/v1/catalog/ingest", headers=merchant, files={"file": ("products.jsonl", feed)})
        assert response.status_code == 200, response.text
        events = [json.loads(line) for line in (demo_store / "events.jsonl").read_text().splitlines()]
        for start in range(0, len(events), 2_000):  # within the request body limit
            posted = client.post("/v1/events", headers=merchant, json={"events": events[start : start + 2_000]})
            assert posted.status_code == 202, posted.text
    services = live.app.state.services
    services.commerce.load_files(demo_store / "customers.jsonl", demo_store / "orders.jsonl")
    assert services.personalization.train() is not None
    return live


@pytest.fixture(scope="session")
def scripted() -> Iterator[ScriptedLLM]:
    """The scripted OpenAI-protocol server (fixed completions over real HTTP) for the fast tier."""
    with serve_scripted() as script:
        yield script


@pytest.fixture(scope="session")
def scripted_shop(scripted: ScriptedLLM, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A second shop (Voltline: SKU ids, electronics and outdoor) with every real part but the model: its LLM
    is the scripted server, so a turn takes milliseconds and its reply is known."""
    from app.main import create_app
    from eval.shops import shop_services

    llm = scripted.llm_settings()
    keys = {"admin_api_key": ADMIN_KEY, "api_keys": {MERCHANT_KEY: "merchant", SUPPORT_KEY: "support"}}
    with shop_services("voltline", tmp_path_factory.mktemp("voltline"), llm=llm, env="test", **keys) as services:
        services.start(wait_for_llm=True)
        assert services.llm.state == "ready", services.llm.error
        with serve_app(create_app(services=services)) as server:
            server.wait_ready()
            yield server


def assistant_like(
    services: Any, llm: LLMService | None = None, settings: AssistantSettings | None = None
) -> Assistant:
    """The shop's assistant with its real parts, but another LLM service or other assistant settings."""
    return Assistant(
        settings or services.settings.assistant,
        services.settings.shop_name,
        llm or services.llm,
        services.catalog,
        services.personalization,
        services.policies,
        OrderTools(services.commerce, services.settings.assistant.return_window_days),
        services.conversations,
        Metrics(),
        services.assistant.knowledge,
        services.assistant.examples,
        services.assistant.carts,
        services.assistant.ads,
    )


def customer_token(server: LiveServer, customer_id: str) -> dict[str, str]:
    """Authorization header of a freshly minted customer token."""
    with server.client() as client:
        response = client.post(
            "/v1/auth/customer-token",
            headers={"Authorization": f"Bearer {SUPPORT_KEY}"},
            json={"customer_id": customer_id},
        )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture(scope="session")
def sentiment_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Review sentiment models trained once for the suite on every k-th review of the real training split (a
    few seconds, not the full fit); their held-out figures are ``shopassist eval --suite sentiment``'s."""
    from app.insights.sentiment import LANGS, SentimentModel, labelled, split_of

    folder = tmp_path_factory.mktemp("sentiment")
    for lang in LANGS:
        rows = [r for r in labelled(lang) if split_of(r[0]) == "train"]
        SentimentModel.train(lang, rows[:: max(1, len(rows) // 4000)]).save(folder / f"sentiment-{lang}.npz")
    return folder
