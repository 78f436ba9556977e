"""The merchant studio's Insights tab: what to reorder, what sits in stock, one product's demand forecast with
its interval, what its reviews say, and the top complaints of a category by month. Same services as the REST
routes."""

from __future__ import annotations

import asyncio
from typing import Any

import gradio as gr

from app.insights.restock import Advice
from app.insights.reviews import complaints
from app.ui.markdown import escape
from app.wiring import Services

STOCK_COLUMNS = ["product", "title", "stock", "demand/day", "days of cover", "stock-out", "reorder point", "order"]


def _rows(services: Services, items: list[Advice]) -> list[list[Any]]:
    products = services.catalog.get_many([a.product_id for a in items])
    return [[a.product_id, products[a.product_id].title if a.product_id in products else "", a.stock, a.daily_mean,
             a.days_of_cover, a.stockout_date.isoformat() if a.stockout_date else "", a.reorder_point,
             a.suggested_quantity] for a in items]  # fmt: skip


def forecast_figure(view: dict[str, Any]) -> Any:
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(7, 3))
    days = [d["date"] for d in view["daily"]]
    ax.plot(days, [d["mean"] for d in view["daily"]], label=f"forecast ({view['model']})")
    ax.fill_between(days, [d["lo"] for d in view["daily"]], [d["hi"] for d in view["daily"]], alpha=0.25,
                    label=f"{view['level']}% interval")  # fmt: skip
    ax.set_ylabel("units a day")
    ax.set_xticks(days[:: max(1, len(days) // 7)])
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=8)
    figure.tight_layout()
    return figure


def summary_markdown(summary: dict[str, Any], headline: str) -> str:
    if not summary["reviews"]:
        return f"{headline}\n\nNo reviews yet."
    s = summary["sentiment"]
    counts = (
        f"{summary['reviews']} reviews: {s['positive']} positive, {s['neutral']} neutral, {s['negative']} negative."
    )
    lines = [f"{headline}\n\n{counts}", "", "| aspect | what reviews say | reviews | share |", "|---|---|---|---|"]
    for a in summary["aspects"][:12]:
        lines.append(f"| {escape(a['aspect'])} | {escape(a['label'])} ({a['sentiment']}) | {a['count']} | "
                     f"{a['share']:.0%} |")  # fmt: skip
    return "\n".join(lines)


def complaints_markdown(found: dict[str, Any]) -> str:
    if not found["top"]:
        return f"No complaints in {found['reviews']} reviews."
    labels = [t["label"] for t in found["top"]]
    top = ", ".join(f"{escape(t['label'])} ({t['count']})" for t in found["top"])
    header = "| month | " + " | ".join(escape(label) for label in labels) + " |"
    lines = [f"Top complaints in {found['reviews']} reviews: {top}", "", header, "|---" * (len(labels) + 1) + "|"]
    for month, counts in found["by_month"].items():
        lines.append(f"| {month} | " + " | ".join(str(counts[label]) for label in labels) + " |")
    return "\n".join(lines)


def insights_tab(services: Services) -> None:
    """Build the tab inside the studio's Blocks."""

    async def stock_tables() -> tuple[list[list[Any]], list[list[Any]]]:
        restock = await asyncio.to_thread(services.insights.restock, 50)
        overstock = await asyncio.to_thread(services.insights.overstock, 50)
        return _rows(services, restock), _rows(services, overstock)

    async def product(product_id: str, horizon: float) -> tuple[Any, str]:
        pid = product_id.strip()
        found = await asyncio.to_thread(services.catalog.get, pid) if pid else None
        if found is None:
            return None, f"No product {escape(pid)!s}." if pid else "Type a product id."
        days = int(min(max(horizon or 28, 1), 365))
        view = await asyncio.to_thread(services.insights.forecast_view, pid, days)
        summary = await asyncio.to_thread(services.reviews.summary, pid)
        cover = view["days_of_cover"]
        headline = (f"**{escape(found.title)}**: stock {view['stock'] if view['stock'] is not None else 'unknown'}, "
                    f"{cover if cover is not None else '—'} days of cover, stock-out "
                    f"{view['stockout_date'] or 'not within the horizon'}.")  # fmt: skip
        return forecast_figure(view), summary_markdown(summary, headline)

    async def category_complaints(category: str) -> str:
        ids = await asyncio.to_thread(services.catalog.ids, category.strip() or None)
        found = await asyncio.to_thread(lambda: complaints(services.reviews.store.of_products(ids)))
        return complaints_markdown(found)

    with gr.Tab("Insights"):
        gr.Markdown("Forecasts are refitted hourly and move with today's sales; stock comes from the feed.")
        refresh = gr.Button("Refresh stock tables")
        gr.Markdown("**Reorder** (most urgent first)")
        restock = gr.Dataframe(headers=STOCK_COLUMNS, interactive=False, elem_id="restock-table")
        gr.Markdown("**Overstock** (longest cover first)")
        overstock = gr.Dataframe(headers=STOCK_COLUMNS, interactive=False)
        refresh.click(stock_tables, [], [restock, overstock])
        with gr.Row():
            product_id = gr.Textbox(label="Product id", max_lines=1)
            horizon = gr.Number(label="Days ahead", value=28, precision=0, minimum=1, maximum=365)
            show = gr.Button("Forecast and reviews", variant="primary")
        plot = gr.Plot(label="Demand forecast")
        reviews = gr.Markdown(elem_id="review-aspects")
        show.click(product, [product_id, horizon], [plot, reviews])
        with gr.Row():
            category = gr.Textbox(label="Category (path prefix; empty: the whole shop)", max_lines=1)
            look = gr.Button("Top complaints")
        complaints_view = gr.Markdown(elem_id="complaints")
        look.click(category_complaints, [category], [complaints_view])
