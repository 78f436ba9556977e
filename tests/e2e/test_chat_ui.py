"""The Gradio chat for support staff at /ui/chat: sign-in with a staff key, then a streamed, grounded answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.conftest import MERCHANT_KEY, SUPPORT_KEY
from tests.live_server import LiveServer


def test_only_staff_keys_sign_in(shop: LiveServer) -> None:
    with shop.client() as client:
        merchant = client.post("/ui/chat/login", data={"username": "agent", "password": MERCHANT_KEY})
        support = client.post("/ui/chat/login", data={"username": "agent", "password": SUPPORT_KEY})
    assert merchant.status_code == 400
    assert support.status_code == 200


@pytest.mark.usefixtures("shop")
def test_support_agent_chats_in_the_browser(shop: LiveServer, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(f"{shop.url}/ui/chat/")
    page.get_by_label("username").fill("agent")
    page.get_by_label("password").fill(SUPPORT_KEY)
    page.get_by_role("button", name="Login").click()
    box = page.get_by_placeholder("Type a message...")
    box.wait_for(timeout=60_000)
    box.fill("show me a silk blouse")
    box.press("Enter")
    page.get_by_text("$", exact=False).first.wait_for(timeout=90_000)
    bot = page.locator(".bot").last
    bot.wait_for(timeout=90_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.bot')].some(e => /P\\d{4}/.test(e.innerText))", timeout=90_000
    )
    page.close()
