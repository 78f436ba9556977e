"""The product index seam: one Protocol, the embedded Qdrant engine and a Qdrant server behind it."""

from retrieval.index.base import Hit, IndexedPoint, IndexQuery, ProductIndex, SearchFilters, SparseVec

__all__ = ["Hit", "IndexQuery", "IndexedPoint", "ProductIndex", "SearchFilters", "SparseVec"]
