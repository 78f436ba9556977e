"""The merchant studio's Campaigns tab: create a sponsored-product campaign, pause or resume one, and read each
campaign's report (today and in total). It calls the same services as the REST routes."""

from __future__ import annotations

import asyncio
from typing import Any

import gradio as gr

from app.ads.campaigns import CampaignError
from app.ui.markdown import escape
from app.wiring import Services

COLUMNS = ["id", "name", "status", "bid", "budget/day", "impressions today", "clicks today", "spend today",
           "impressions", "clicks", "CTR", "spend", "conversions", "revenue", "ROAS"]  # fmt: skip


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.replace("\n", ",").split(",") if w.strip()]


def campaigns_tab(services: Services) -> None:
    """Build the tab inside the studio's Blocks."""

    def table() -> list[list[Any]]:
        rows = []
        for c in services.ads.store.campaigns():
            r = services.campaigns.report(c.id)
            t = r["today"]
            rows.append([c.id, c.name, c.status, c.bid_cpc, c.daily_budget, int(t["impressions"]), int(t["clicks"]),
                         t["spend"], int(r["impressions"]), int(r["clicks"]), round(r["ctr"], 4), r["spend"],
                         int(r["conversions"]), r["revenue"], r["roas"]])  # fmt: skip
        return rows

    async def refresh() -> tuple[list[list[Any]], Any]:
        rows = await asyncio.to_thread(table)
        return rows, gr.update(choices=[(f"{r[1]} ({r[0]})", r[0]) for r in rows])

    async def create(name: str, products: str, bid: float, budget: float, keywords: str, categories: str) -> Any:
        from app.api.routes.ads import CampaignBody  # the REST route's own validation

        try:
            body = CampaignBody(name=name, product_ids=_words(products), bid_cpc=bid, daily_budget=budget,
                                keywords=_words(keywords), categories=_words(categories))  # fmt: skip
            made = await asyncio.to_thread(services.campaigns.create, body.model_dump())
        except (CampaignError, ValueError) as exc:
            return (*await refresh(), f"Not created: {str(exc).splitlines()[0]}")
        return (*await refresh(), f"Created {made.name} ({made.id}).")

    async def set_status(campaign_id: str | None, status: str) -> Any:
        if not campaign_id:
            return (*await refresh(), "Pick a campaign first.")
        try:
            await asyncio.to_thread(services.campaigns.update, campaign_id, {"status": status})
        except CampaignError as exc:
            return (*await refresh(), str(exc))
        return (*await refresh(), f"{campaign_id} is {status}.")

    def creatives_text(campaign_id: str | None) -> str:
        if not campaign_id:
            return "Pick a campaign first."
        made = services.ads.store.creatives(campaign_id)
        if not made:
            return "No creatives yet."
        lines = []
        for c in made:
            unsupported = ", ".join(c.checks.get("unsupported", []))
            problems = f" (unsupported: {unsupported})" if unsupported else ""
            lines.append(f"- `{c.id}` **{escape(c.headline)}**: {escape(c.line)} [{c.status}]{problems}")
        return "\n".join(lines)

    async def write_creatives(campaign_id: str | None) -> str:
        if not campaign_id:
            return "Pick a campaign first."
        try:
            async with services.generation.slot():
                await services.creatives.write(campaign_id)
        except CampaignError as exc:
            return str(exc)
        return await asyncio.to_thread(creatives_text, campaign_id)

    async def approve(campaign_id: str | None, creative_id: str) -> str:
        try:
            await asyncio.to_thread(services.creatives.approve, creative_id.strip(), "studio")
        except CampaignError as exc:
            return f"Not approved: {exc}"
        return await asyncio.to_thread(creatives_text, campaign_id)

    with gr.Tab("Campaigns"):
        gr.Markdown("Sponsored products: a campaign bids per click on its products for the queries its keywords name.")
        gr.Markdown("Reports update when you press Refresh.")
        with gr.Row():
            name = gr.Textbox(label="Name", max_lines=1)
            products = gr.Textbox(label="Product ids (comma-separated)", max_lines=1)
            bid = gr.Number(label="Max CPC", value=0.5, minimum=0.01)
            budget = gr.Number(label="Daily budget", value=20, minimum=1)
        with gr.Row():
            keywords = gr.Textbox(label="Keywords (comma-separated; none: any query)", max_lines=1)
            categories = gr.Textbox(label="Categories (comma-separated; none: any)", max_lines=1)
            create_button = gr.Button("Create campaign", variant="primary")
        status = gr.Markdown(elem_id="campaign-status")
        with gr.Row():
            chosen = gr.Dropdown(label="Campaign", choices=[], interactive=True)
            pause = gr.Button("Pause")
            resume = gr.Button("Resume")
            reload = gr.Button("Refresh report")
        report = gr.Dataframe(headers=COLUMNS, interactive=False, elem_id="campaign-report")
        with gr.Row():
            write = gr.Button("Write ad creatives (LLM)")
            creative_id = gr.Textbox(label="Creative id", max_lines=1)
            approve_button = gr.Button("Approve creative")
        creatives = gr.Markdown(elem_id="campaign-creatives")
        write.click(write_creatives, [chosen], [creatives])
        approve_button.click(approve, [chosen, creative_id], [creatives])
        chosen.change(creatives_text, [chosen], [creatives])
        create_button.click(create, [name, products, bid, budget, keywords, categories], [report, chosen, status])

        async def pause_it(campaign_id: str | None) -> Any:
            return await set_status(campaign_id, "paused")

        async def resume_it(campaign_id: str | None) -> Any:
            return await set_status(campaign_id, "active")

        pause.click(pause_it, [chosen], [report, chosen, status])
        resume.click(resume_it, [chosen], [report, chosen, status])
        reload.click(refresh, [], [report, chosen])
