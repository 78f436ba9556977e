"""The catalog out, in the formats other systems read: Google's Merchant API product inputs, the OpenAI product
feed, and schema.org ``Product`` JSON-LD with an ``Offer`` (for the shop's own product pages).

A product's own ``url`` and ``image_url`` win; otherwise links are built from the storefront's templates. Copy a
merchant approved is already in the catalog record (approving writes it there), so every format carries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from retrieval.catalog import Product

GOOGLE_REQUIRED = ("offerId", "contentLanguage", "feedLabel")
GOOGLE_REQUIRED_ATTRIBUTES = ("title", "description", "link", "imageLink", "availability", "price", "condition")
OPENAI_REQUIRED = ("item_id", "title", "description", "url", "brand", "image_url", "availability", "price")


@dataclass(frozen=True)
class Storefront:
    """Where the shop's pages live: ``{url}`` and ``{id}`` are filled in the templates."""

    url: str
    product_link: str
    image_link: str
    language: str
    country: str
    seller: str

    def link(self, product: Product) -> str:
        return product.url or self.product_link.format(url=self.url.rstrip("/"), id=product.id)

    def image(self, product: Product) -> str:
        return product.image_url or self.image_link.format(url=self.url.rstrip("/"), id=product.id)


def _description(product: Product) -> str:
    return product.description or product.title  # every format requires one; the title is the honest minimum


def google_product_input(product: Product, shop: Storefront) -> dict[str, Any]:
    """One Merchant API ``ProductInput`` (products v1: ``productAttributes``, price in micros)."""
    attributes: dict[str, Any] = {
        "title": product.title,
        "description": _description(product),
        "link": shop.link(product),
        "imageLink": shop.image(product),
        "availability": "IN_STOCK" if product.in_stock else "OUT_OF_STOCK",
        "price": {"amountMicros": str(round(product.price * 1_000_000)), "currencyCode": product.currency},
        "condition": "NEW",
    }
    if product.brand:
        attributes["brand"] = product.brand
    else:
        attributes["identifierExists"] = False  # no brand, GTIN or MPN: Google asks to say so
    if product.category_path:
        attributes["productTypes"] = [" > ".join(product.category_path)]
    return {
        "offerId": product.id,
        "contentLanguage": shop.language,
        "feedLabel": shop.country,
        "productAttributes": attributes,
    }


def openai_product(product: Product, shop: Storefront) -> dict[str, Any]:
    """One item of the OpenAI product feed."""
    item: dict[str, Any] = {
        "item_id": product.id,
        "title": product.title,
        "description": _description(product),
        "url": shop.link(product),
        "brand": product.brand or shop.seller,
        "image_url": shop.image(product),
        "availability": "in_stock" if product.in_stock else "out_of_stock",
        "price": f"{product.price:.2f} {product.currency}",
        "seller_name": shop.seller,
        "enable_search": True,
        "enable_checkout": False,  # checkout is the shop's own: shopassist takes no payment
    }
    if product.category_path:
        item["product_category"] = " > ".join(product.category_path)
    if product.stock is not None:
        item["inventory_quantity"] = product.stock
    if product.rating is not None and product.review_count:
        item["product_review_rating"] = product.rating
        item["product_review_count"] = product.review_count
    return item


def json_ld(product: Product, shop: Storefront) -> dict[str, Any]:
    """schema.org ``Product`` with one ``Offer`` (what a product page embeds for search engines)."""
    availability = "https://schema.org/InStock" if product.in_stock else "https://schema.org/OutOfStock"
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "sku": product.id,
        "name": product.title,
        "description": _description(product),
        "image": [shop.image(product)],
        "url": shop.link(product),
        "offers": {
            "@type": "Offer",
            "url": shop.link(product),
            "price": f"{product.price:.2f}",
            "priceCurrency": product.currency,
            "availability": availability,
            "itemCondition": "https://schema.org/NewCondition",
            "seller": {"@type": "Organization", "name": shop.seller},
        },
    }
    if product.brand:
        data["brand"] = {"@type": "Brand", "name": product.brand}
    if product.category_path:
        data["category"] = " > ".join(product.category_path)
    if product.rating is not None and product.review_count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": product.rating,
            "reviewCount": product.review_count,
        }
    return data
