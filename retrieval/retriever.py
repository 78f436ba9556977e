"""A LangChain retriever over the product search, for users' own chains (and the assistant)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from retrieval.catalog import Product
from retrieval.index.base import SearchFilters
from retrieval.search import Mode, ProductSearch


def product_card(product: Product) -> str:
    """A compact, stable text card of a product (what an LLM sees)."""
    attributes = product.attributes
    colour, size = attributes.get("colour"), attributes.get("size")
    colours = ", ".join(colour) if isinstance(colour, list) else str(colour or "")
    sizes = ", ".join(size) if isinstance(size, list) else str(size or "")
    stock = "in stock" if product.in_stock else "out of stock"
    parts = [f"[{product.id}] {product.title}", product.category, f"{product.price:.2f} {product.currency}", stock]
    if colours:
        parts.append(f"colours: {colours}")
    if sizes:
        parts.append(f"sizes: {sizes}")
    if "material" in attributes:
        parts.append(f"material: {attributes['material']}")
    if product.rating is not None:
        parts.append(f"rating {product.rating:.1f} ({product.review_count} reviews)")
    return " | ".join(parts)


class ProductRetriever(BaseRetriever):
    """``retriever.invoke("red linen dress")`` → Documents with product cards and the product as metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    search: ProductSearch
    k: int = 5
    filters: SearchFilters = SearchFilters()
    mode: Mode | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        result = self.search.search(query, self.filters, self.k, self.mode)
        documents = []
        for hit in result.hits:
            metadata: dict[str, Any] = {
                "id": hit.id,
                "score": hit.score,
                "product": hit.product.model_dump(mode="json"),
            }
            documents.append(Document(page_content=product_card(hit.product), metadata=metadata, id=hit.id))
        return documents
