from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import Settings

STRONG = "k" * 20 + "9f3Qz7LmP2xW"


def settings_from_env(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings(_env_file=None)


def test_defaults_are_the_documented_ones() -> None:
    settings = Settings(_env_file=None)
    assert settings.env == "dev"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.llm.backend == "embedded"
    assert settings.llm.model == "qwen2.5-1.5b"
    assert settings.resolved_database_url == "sqlite:///data/shopassist.db"


def test_nested_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from_env(
        monkeypatch,
        SHOPASSIST_LLM__BACKEND="openai",
        SHOPASSIST_LLM__BASE_URL="http://vllm:8000/v1",
        SHOPASSIST_LLM__THREADS="4",
        SHOPASSIST_DATABASE_URL="postgresql+psycopg://shop:pw@db/shop",
        SHOPASSIST_API_KEYS='{"merchant-key": "merchant"}',
    )
    assert settings.llm.backend == "openai"
    assert settings.llm.base_url == "http://vllm:8000/v1"
    assert settings.llm.threads == 4
    assert settings.api_keys == {"merchant-key": "merchant"}
    assert settings.resolved_database_url.startswith("postgresql+psycopg://")


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SHOPASSIST_SHOP_NAME=Acme Outfitters\nSHOPASSIST_LLM__PARALLEL=3\n")
    settings = Settings(_env_file=env_file)
    assert settings.shop_name == "Acme Outfitters"
    assert settings.llm.parallel == 3


def test_openai_backend_needs_a_url(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="BASE_URL"):
        settings_from_env(monkeypatch, SHOPASSIST_LLM__BACKEND="openai")


def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError):
        settings_from_env(monkeypatch, SHOPASSIST_LLM__BACKEND="telepathy")
    with pytest.raises(ValidationError):
        settings_from_env(monkeypatch, SHOPASSIST_API_KEYS='{"k": "superuser"}')


@pytest.mark.parametrize("key", [None, "changeme", "short-key"])
def test_production_refuses_missing_default_or_short_admin_key(
    monkeypatch: pytest.MonkeyPatch, key: str | None
) -> None:
    env = {"SHOPASSIST_ENV": "production"}
    if key is not None:
        env["SHOPASSIST_ADMIN_API_KEY"] = key
    with pytest.raises(ValidationError, match="ADMIN_API_KEY"):
        settings_from_env(monkeypatch, **env)


def test_production_refuses_weak_extra_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="API_KEYS"):
        settings_from_env(
            monkeypatch,
            SHOPASSIST_ENV="production",
            SHOPASSIST_ADMIN_API_KEY=STRONG,
            SHOPASSIST_API_KEYS='{"secret": "support"}',
        )


def test_production_accepts_a_strong_key(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from_env(monkeypatch, SHOPASSIST_ENV="production", SHOPASSIST_ADMIN_API_KEY=STRONG)
    assert settings.admin_api_key is not None
    assert settings.admin_api_key.get_secret_value() == STRONG


def test_masked_settings_hold_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from_env(
        monkeypatch,
        SHOPASSIST_ADMIN_API_KEY=STRONG,
        SHOPASSIST_API_KEYS='{"merchant-secret-123": "merchant"}',
        SHOPASSIST_LLM__API_KEY="vllm-secret-456",
        SHOPASSIST_DATABASE_URL="postgresql://shop:db-secret-000@db:5432/shop",
    )
    text = repr(settings.masked())
    for secret in (STRONG, "merchant-secret-123", "vllm-secret-456", "db-secret-000"):
        assert secret not in text
    assert "merchant" in text  # roles stay visible
    assert "postgresql://shop:***@db:5432/shop" in text


def test_startup_objects_are_kept_out_of_the_collectors_later_passes() -> None:
    import gc

    from app.main import freeze_startup_objects

    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
