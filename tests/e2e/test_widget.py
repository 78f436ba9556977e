"""The widget end to end: Debian's Chromium (headless, through Playwright) opens /demo, asks a question, sees the
answer stream in with product cards, and adds one to a cart."""

from __future__ import annotations

import re
import time
from typing import Any

from playwright.sync_api import Browser, Page

from tests.live_server import LiveServer


def test_demo_page_streams_an_answer_with_product_cards(shop: LiveServer, browser: Browser) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{shop.url}/demo")
    page.click("#shopassist-widget .launcher")  # the storefront opens with the chat closed
    page.wait_for_selector("#shopassist-widget .panel.open")
    # record how the reply bubble grows: streaming means it is seen partly filled before it is complete
    page.evaluate(
        """() => {
        window.__lengths = [];
        const root = document.querySelector('#shopassist-widget').shadowRoot;
        new MutationObserver(() => {
          const bubble = root.querySelector('.msg.assistant');
          if (bubble) window.__lengths.push([bubble.textContent.length, bubble.classList.contains('streaming')]);
        }).observe(root, {subtree: true, childList: true, characterData: true});
      }"""
    )
    page.fill("#shopassist-widget input", "I'm looking for a linen dress under $150")
    page.click("#shopassist-widget button.send")
    cards = page.locator("#shopassist-widget .product-card")
    cards.first.wait_for(timeout=90_000)
    page.wait_for_function(
        "() => !document.querySelector('#shopassist-widget').shadowRoot.querySelector('.msg.assistant.streaming')",
        timeout=90_000,
    )
    reply = page.locator("#shopassist-widget .msg.assistant").first.inner_text()
    assert reply.strip()
    ids = [cards.nth(i).get_attribute("data-product-id") for i in range(cards.count())]
    known = shop.app.state.services.catalog.get_many([i for i in ids if i])
    assert ids and all(i in known for i in ids)
    card_text = cards.first.inner_text()
    assert "$" in card_text
    lengths: list[Any] = page.evaluate("window.__lengths")
    assert any(streaming and length > 0 for length, streaming in lengths), lengths  # partial text was shown
    conversation = page.evaluate("Object.entries(localStorage).find(([k]) => k.startsWith('shopassist:conversation:'))")
    assert conversation and len(conversation[1]) == 32
    # "Add to cart" on a card: a cart for the demo customer with that product, and a checkout link
    button = page.locator("#shopassist-widget .product-card button.add-to-cart:not([disabled])").first
    chosen = button.locator("xpath=..").get_attribute("data-product-id")
    button.click()
    note = page.locator("#shopassist-widget .cart-note")
    note.wait_for(timeout=30_000)
    assert "Added" in note.inner_text() and note.locator("a").get_attribute("href")
    cart_id = page.evaluate("Object.entries(localStorage).find(([k]) => k.startsWith('shopassist:cart:'))[1]")
    services = shop.app.state.services
    cart = services.carts.get(cart_id, None, True).cart
    assert [(line.product_id, line.quantity) for line in cart.lines] == [(chosen, 1)]
    assert cart.customer_id == services.settings.assistant.demo_customer_id
    assert not errors, errors
    # the conversation id survives a reload: the next turn continues the same conversation
    page.reload()
    page.click("#shopassist-widget .launcher")
    page.wait_for_selector("#shopassist-widget .panel.open")
    page.fill("#shopassist-widget input", "thanks!")
    page.click("#shopassist-widget button.send")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and page.locator("#shopassist-widget .msg.assistant").count() == 0:
        time.sleep(0.1)
    page.wait_for_function(
        "() => !document.querySelector('#shopassist-widget').shadowRoot.querySelector('.msg.assistant.streaming')",
        timeout=60_000,
    )
    stored = shop.app.state.services.conversations.get(conversation[1])
    assert stored is not None and [m.role for m in stored.messages] == ["user", "assistant"] * 2
    page.close()


def test_widget_script_and_demo_are_public(shop: LiveServer) -> None:
    with shop.client() as client:
        script = client.get("/widget.js")
        demo = client.get("/demo")
    assert script.status_code == 200 and script.headers["content-type"].startswith("application/javascript")
    assert "/v1/chat" in script.text
    assert demo.status_code == 200 and "sact." in demo.text and "/widget.js" in demo.text


def ask(page: Page, text: str) -> str:
    """Send a message in the widget and return the reply once it has finished streaming."""
    bubbles = page.locator("#shopassist-widget .msg.assistant")
    before = bubbles.count()
    page.fill("#shopassist-widget input", text)
    page.click("#shopassist-widget button.send")
    page.wait_for_function(
        f"""() => {{
        const root = document.querySelector('#shopassist-widget').shadowRoot;
        return root.querySelectorAll('.msg.assistant').length > {before} && !root.querySelector('.msg.streaming');
      }}""",
        timeout=90_000,
    )
    return bubbles.nth(before).inner_text()


def test_the_chat_adds_to_the_cart_after_the_shopper_clicks_yes(shop: LiveServer, browser: Browser) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{shop.url}/demo")
    page.click("#shopassist-widget .launcher")
    ask(page, "show me linen shorts")
    first = page.locator("#shopassist-widget .product-card").first.get_attribute("data-product-id")
    reply = ask(page, "add the first one to my cart")
    for _ in range(3):  # the product's sizes and colours are asked for one at a time
        choice = re.search(r"It comes in (.+?)(?:,| and |\.)", reply)
        if choice is None:
            break
        reply = ask(page, choice.group(1))
    assert reply.startswith("Shall I add") and f"[{first}]" in reply, reply
    services = shop.app.state.services
    customer = str(services.settings.assistant.demo_customer_id)
    before = services.carts.store.latest(customer, "USD")
    count = sum(line.quantity for line in before.lines) if before else 0
    page.click("#shopassist-widget .confirm button:has-text('Yes')")
    note = page.locator("#shopassist-widget .cart-note", has_text="Your cart is updated")
    note.wait_for(timeout=30_000)
    cart = services.carts.store.latest(customer, "USD")
    assert cart is not None and sum(line.quantity for line in cart.lines) == count + 1
    assert first in [line.product_id for line in cart.lines]
    assert page.evaluate("document.getElementById('cart-count').textContent") == str(count + 1)  # the page saw it
    assert not errors, errors
    page.close()
