"""Catalog feeds, embeddings, the product index, events and recommendations (never imports app)."""
