"""The product model shared by feeds, the index, the API and the prompts."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

CATEGORY_SEPARATOR = " > "

AttributeValue = str | float | int | bool | list[str]


MAX_COUNT = 10**12


class Product(BaseModel):
    """A catalog product (the fields of API.md, validated)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")]
    title: Annotated[str, Field(min_length=1, max_length=300)]
    description: str = ""
    brand: str = ""
    category: str = ""
    price: Annotated[float, Field(ge=0, le=1_000_000)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    in_stock: bool = True
    # counts stay below 2**53: the index stores numbers as JSON doubles, and a larger int would not read back
    stock: Annotated[int | None, Field(ge=0, le=MAX_COUNT)] = None
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    rating: Annotated[float | None, Field(ge=0, le=5)] = None
    review_count: Annotated[int, Field(ge=0, le=MAX_COUNT)] = 0
    image_url: str | None = None
    url: str | None = None

    @field_validator("category")
    @classmethod
    def _normalise_category(cls, value: str) -> str:
        return normalise_category(value)

    @property
    def category_path(self) -> list[str]:
        return self.category.split(CATEGORY_SEPARATOR) if self.category else []

    def content_hash(self) -> str:
        """Hash of everything that is indexed: an unchanged product is not re-embedded."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def normalise_category(value: str) -> str:
    """``"Tops>Knits"``, ``"Tops / Knits"`` → ``"Tops > Knits"``."""
    parts = [part.strip() for part in value.replace("/", ">").split(">")]
    return CATEGORY_SEPARATOR.join(part for part in parts if part)


def within(category: str, path: str) -> bool:
    """Whether a category is the path or under it, as a category filter matches: ``"Tops > Knits"`` is within
    ``"Tops"``; ``"Tops & Tees"`` is not."""
    return category == path or category.startswith(path + CATEGORY_SEPARATOR)


def category_prefixes(category: str) -> list[str]:
    """``"Tops > Knits"`` → ``["Tops", "Tops > Knits"]``: what a category-prefix filter matches."""
    parts = category.split(CATEGORY_SEPARATOR) if category else []
    return [CATEGORY_SEPARATOR.join(parts[: i + 1]) for i in range(len(parts))]
