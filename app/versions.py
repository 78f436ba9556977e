"""Versions of the packages the service depends on most (read from metadata, nothing imported)."""

from __future__ import annotations

from importlib import metadata

KEY_PACKAGES = ("fastapi", "langchain-openai", "xllamacpp", "sqlalchemy", "pydantic")


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions
