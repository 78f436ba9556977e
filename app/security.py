"""API keys and roles. Keys are kept only as SHA-256 digests in memory and compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from app.config import Role, Settings

log = logging.getLogger(__name__)

ADMIN_KEY_FILE = "admin_api_key"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role and, for customers, the customer id."""

    role: Role
    subject: str


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


class KeyRing:
    def __init__(self, keys: dict[str, Role]) -> None:
        self._roles = [(_digest(key), role) for key, role in keys.items()]

    def authenticate(self, key: str) -> Principal | None:
        digest = _digest(key)
        found: Role | None = None
        for known, role in self._roles:  # no early exit: time does not depend on which key matched
            if hmac.compare_digest(known, digest):
                found = role
        if found is None:
            return None
        return Principal(role=found, subject=f"key:{digest.hex()[:12]}")


def resolve_admin_key(settings: Settings) -> tuple[str, bool]:
    """The admin key: from settings, else read from (or generated once into) the data dir.

    Returns the key and whether it was generated just now.
    """
    if settings.admin_api_key is not None:
        return settings.admin_api_key.get_secret_value(), False
    path = Path(settings.data_dir) / ADMIN_KEY_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    log.info("generated an admin API key", extra={"path": str(path)})
    return key, True


def keyring_from_settings(settings: Settings) -> KeyRing:
    admin_key, _ = resolve_admin_key(settings)
    return KeyRing({**settings.api_keys, admin_key: "admin"})
