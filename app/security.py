"""API keys and roles. Keys are kept only as SHA-256 digests in memory and compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.config import Role, Settings

log = logging.getLogger(__name__)

ADMIN_KEY_FILE = "admin_api_key"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role and, for customers, the customer id."""

    role: Role
    subject: str

    @property
    def customer_id(self) -> str | None:
        return self.subject if self.role == "customer" else None

    @property
    def is_staff(self) -> bool:
        """Support and admin may act for any customer."""
        return self.role in ("support", "admin")


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


CUSTOMER_TOKEN_PREFIX = "sact."  # noqa: S105 - a format marker, not a secret
CUSTOMER_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")


class CustomerTokens:
    """Short-lived signed customer tokens: ``sact.<payload>.<HMAC-SHA256>`` (base64url, no padding).

    The payload holds the customer id and the expiry; nothing is stored server-side, so any replica with the
    same secret accepts them.
    """

    def __init__(self, secret: bytes, ttl_s: int) -> None:
        self._secret = secret
        self.ttl_s = ttl_s

    def mint(self, customer_id: str, now: float | None = None) -> tuple[str, datetime]:
        if not CUSTOMER_ID_PATTERN.match(customer_id):
            raise ValueError("customer_id must be 1-128 letters, digits or ._:@-")
        expires = int((now if now is not None else time.time()) + self.ttl_s)
        payload = _b64(json.dumps({"sub": customer_id, "exp": expires}, separators=(",", ":")).encode())
        token = f"{CUSTOMER_TOKEN_PREFIX}{payload}.{_b64(self._sign(payload))}"
        return token, datetime.fromtimestamp(expires, UTC)

    def verify(self, token: str, now: float | None = None) -> Principal | None:
        if not token.startswith(CUSTOMER_TOKEN_PREFIX):
            return None
        payload, sep, signature = token[len(CUSTOMER_TOKEN_PREFIX) :].partition(".")
        if not sep:
            return None
        try:
            given = _unb64(signature)
            claims = json.loads(_unb64(payload))
        except (ValueError, UnicodeDecodeError):
            return None
        if not hmac.compare_digest(given, self._sign(payload)):
            return None
        if not isinstance(claims, dict) or not isinstance(claims.get("sub"), str):
            return None
        expires = claims.get("exp")
        if not isinstance(expires, int) or expires <= (now if now is not None else time.time()):
            return None
        return Principal(role="customer", subject=claims["sub"])

    def _sign(self, payload: str) -> bytes:
        return hmac.new(self._secret, payload.encode("ascii"), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class KeyRing:
    def __init__(self, keys: dict[str, Role], customer_tokens: CustomerTokens | None = None) -> None:
        self._roles = [(_digest(key), role) for key, role in keys.items()]
        self.customer_tokens = customer_tokens

    def authenticate(self, key: str) -> Principal | None:
        if key.startswith(CUSTOMER_TOKEN_PREFIX):
            return self.customer_tokens.verify(key) if self.customer_tokens else None
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
    if settings.auth.token_secret is not None:
        secret = settings.auth.token_secret.get_secret_value().encode("utf-8")
    else:  # derived, so rotating the admin key also invalidates every customer token
        secret = hmac.new(admin_key.encode("utf-8"), b"shopassist customer tokens v1", hashlib.sha256).digest()
    return KeyRing(
        {**settings.api_keys, admin_key: "admin"}, CustomerTokens(secret, settings.auth.customer_token_ttl_s)
    )
