"""The cart rules: products and prices from the catalog, stock checked, variants the product offers, a checkout
link into the shop's own checkout (shopassist takes no payment), and each add a ``cart`` event for the
recommender, recorded once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from app.personalization import PersonalizationService
from app.store.carts import Cart, CartStore
from retrieval.catalog import Product
from retrieval.catalog_service import CatalogService
from retrieval.events import Event

VARIANT_ATTRIBUTES = {"size": ("size", "sizes"), "colour": ("colour", "color", "colours", "colors")}


class CartError(Exception):
    """A refused cart change: ``status`` is the HTTP status it maps to."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class CartView:
    cart: Cart
    checkout_url: str

    def public(self) -> dict[str, Any]:
        """The cart as the MCP tools and the chat reply show it (the REST route's shape)."""
        lines = [{"id": line.id, "product_id": line.product_id, "title": line.title, "quantity": line.quantity,
                  "unit_price": line.unit_price, "variant": line.variant, "line_total": line.total}
                 for line in self.cart.lines]  # fmt: skip
        cart = self.cart
        return {"id": cart.id, "customer_id": cart.customer_id, "lines": lines, "subtotal": cart.subtotal,
                "currency": cart.currency, "checkout_url": self.checkout_url}  # fmt: skip


class CartService:
    def __init__(
        self, store: CartStore, catalog: CatalogService, personalization: PersonalizationService, checkout_url: str
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.personalization = personalization
        self.checkout_url = checkout_url

    def view(self, cart: Cart) -> CartView:
        return CartView(cart, self.checkout_url.format(cart_id=cart.id))

    def create(self, customer_id: str | None, currency: str) -> CartView:
        return self.view(self.store.create(customer_id, currency))

    def get(self, cart_id: str, customer_id: str | None, staff: bool) -> CartView:
        cart = self.store.get(cart_id, customer_id=customer_id, staff=staff)
        if cart is None:
            raise CartError(404, f"no cart {cart_id}")
        return self.view(cart)

    def add(
        self, cart_id: str, customer_id: str | None, staff: bool, product_id: str, quantity: int,
        variant: dict[str, str],
    ) -> CartView:  # fmt: skip
        cart = self.get(cart_id, customer_id, staff).cart
        product = self._product(product_id)
        if product.currency != cart.currency:
            raise CartError(409, f"{product_id} is priced in {product.currency}, the cart in {cart.currency}")
        chosen = _variant(product, variant)
        self._check_stock(product, cart.quantity_of(product_id) + quantity)
        self.store.add(cart_id, product.id, product.title, quantity, product.price, chosen)
        if cart.customer_id:  # the recommender learns from the shopper's cart at once
            event = Event(event_id=f"cart-{uuid.uuid4().hex}", user_id=cart.customer_id, product_id=product.id,
                          type="cart", value=float(quantity))  # fmt: skip
            self.personalization.record([event])
        return self.get(cart_id, customer_id, staff)

    def set_quantity(self, cart_id: str, customer_id: str | None, staff: bool, line_id: str, quantity: int) -> CartView:
        cart = self.get(cart_id, customer_id, staff).cart
        line = next((line for line in cart.lines if line.id == line_id), None)
        if line is None:
            raise CartError(404, f"no line {line_id} in cart {cart_id}")
        others = cart.quantity_of(line.product_id) - line.quantity
        self._check_stock(self._product(line.product_id), others + quantity)
        self.store.set_quantity(cart_id, line_id, quantity)
        return self.get(cart_id, customer_id, staff)

    def remove(self, cart_id: str, customer_id: str | None, staff: bool, line_id: str) -> CartView:
        self.get(cart_id, customer_id, staff)
        if not self.store.remove(cart_id, line_id):
            raise CartError(404, f"no line {line_id} in cart {cart_id}")
        return self.get(cart_id, customer_id, staff)

    def _product(self, product_id: str) -> Product:
        product = self.catalog.get(product_id)
        if product is None:
            raise CartError(404, f"no product {product_id}")
        return product

    @staticmethod
    def _check_stock(product: Product, wanted: int) -> None:
        if not product.in_stock:
            raise CartError(409, f"{product.id} is out of stock")
        if product.stock is not None and wanted > product.stock:
            raise CartError(409, f"only {product.stock} of {product.id} in stock")


def offered(product: Product, key: str) -> list[str]:
    """The values of a variant (``size``, ``colour``) the product lists, under any of the attribute's names."""
    value = next((product.attributes[n] for n in VARIANT_ATTRIBUTES[key] if n in product.attributes), None)
    items = value if isinstance(value, list) else [] if value is None else [value]
    return [str(v) for v in items if str(v)]


def _variant(product: Product, variant: dict[str, str]) -> dict[str, str]:
    """The variant as the product spells it; a size or colour the product does not list is refused (422)."""
    chosen: dict[str, str] = {}
    for key, value in variant.items():
        values = offered(product, key)
        match = next((v for v in values if v.casefold() == value.strip().casefold()), None)
        if match is None:
            listed = ", ".join(values) if values else "none listed"
            raise CartError(422, f"{product.id} has no {key} {value!r} (offered: {listed})")
        chosen[key] = match
    return chosen
