"""The composition root: every service is built here, once, from the settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from app import __version__
from app.config import Settings
from app.llm.prompts import load_prompt
from app.llm.service import LLMService
from app.observability import Metrics
from app.security import KeyRing, keyring_from_settings
from app.store.database import Database

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    metrics: Metrics
    keyring: KeyRing
    database: Database
    llm: LLMService
    version: str = __version__
    started: bool = field(default=False)

    async def readiness(self) -> dict[str, str]:
        """Each component's state: ``ok`` or the reason it is not usable."""
        checks = {"database": self.database.check(), "llm": await self.llm.check()}
        result = {}
        for name, problem in checks.items():
            self.metrics.component_ready.labels(name).set(0 if problem else 1)
            result[name] = problem or "ok"
        return result

    def start(self, *, wait_for_llm: bool = False) -> None:
        self.database.create_all()
        system_prompt = load_prompt("assistant_system").render(shop_name=self.settings.shop_name)
        if wait_for_llm:
            self.llm.start(system_prompt)
        else:
            self.llm.start_in_background(system_prompt)
        self.started = True

    def close(self) -> None:
        self.llm.close()
        self.database.close()


def build_services(settings: Settings) -> Services:
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    metrics = Metrics()
    return Services(
        settings=settings,
        metrics=metrics,
        keyring=keyring_from_settings(settings),
        database=Database(settings.resolved_database_url),
        llm=LLMService(settings.llm, metrics),
    )
