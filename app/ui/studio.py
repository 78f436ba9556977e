"""The merchant studio (Gradio at ``/ui/studio``): find a product, read its attributes and reviews, generate 1-3
copy variants side by side with every claim highlighted (supported or not), edit one, approve it into the catalog;
and run a batch job over a category with a live progress bar. Sign-in: a merchant or admin API key.

Every action goes through the same services as the REST API (``Copywriter``, ``CopyJobRunner``); an edited
variant is stored as a new draft and its claims are checked again before it can be approved.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from functools import cache
from pathlib import Path
from typing import Any, get_args

from app.copywriter.jobs import JobRequest, JobSelectionError
from app.copywriter.service import (
    LANGUAGES,
    CopyError,
    CopyFields,
    CopyOptions,
    Draft,
    Length,
    Tone,
    product_facts,
)
from app.llm.gate import GenerationBusyError
from app.ui.markdown import escape
from app.ui.studio_ads import campaigns_tab
from app.ui.studio_insights import insights_tab
from app.wiring import Services
from retrieval.catalog import Product

log = logging.getLogger(__name__)

STUDIO_PATH = "/ui/studio"
VARIANTS = 3
TONES = list(get_args(Tone))
LENGTHS = list(get_args(Length))


@cache
def _reviews(path: Path) -> dict[str, list[dict[str, Any]]]:
    by_product: dict[str, list[dict[str, Any]]] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                review = json.loads(line)
                by_product.setdefault(str(review.get("product_id")), []).append(review)
    return by_product


def reviews_summary(product: Product, reviews: list[dict[str, Any]]) -> str:
    """Rating, count, share recommending, and the two reviews other shoppers found most helpful."""
    if not product.review_count and not reviews:
        return "No reviews yet."
    lines = [f"**{product.rating or 0:.1f}★** from {product.review_count} reviews"]
    if reviews:
        recommended = sum(bool(r.get("recommended")) for r in reviews) / len(reviews)
        lines[0] += f"; {recommended:.0%} recommend it"
        helpful = sorted((r for r in reviews if r.get("text")), key=lambda r: -int(r.get("positive_feedback") or 0))
        for review in helpful[:2]:
            text = str(review["text"])
            lines.append(f"> {escape(text[:220])}{'…' if len(text) > 220 else ''}")
    return "\n\n".join(lines)


def product_card(product: Product) -> str:
    facts = product_facts(product)
    rows = "\n".join(
        f"| {escape(name)} | {escape(', '.join(map(str, v)) if isinstance(v, list) else str(v))} |"
        for name, v in facts.items()
    )
    stock = "in stock" if product.in_stock else "out of stock"
    heading = f"#### {escape(product.title)} `{product.id}`\n\n{stock}, {product.stock} left"
    return f"{heading}\n\n| attribute | value |\n|---|---|\n{rows}"


def highlighted(fields: CopyFields, claims: list[str], unsupported: list[str]) -> list[tuple[str, str | None]]:
    """The variant's text with each claim marked ``supported`` or ``unsupported`` (for gr.HighlightedText)."""
    text = "\n".join([fields.title, *(f"• {b}" for b in fields.bullets), fields.description])
    if not claims:
        return [(text, None)]
    bad = {c.lower() for c in unsupported}
    terms = sorted({c.removeprefix("size ") for c in claims}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    spans: list[tuple[str, str | None]] = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() > position:
            spans.append((text[position : match.start()], None))
        word = match.group(0).lower()
        wrong = word in bad or f"size {word}" in bad
        spans.append((match.group(0), "unsupported" if wrong else "supported"))
        position = match.end()
    if position < len(text):
        spans.append((text[position:], None))
    return spans


def _fields_from(title: str, bullets: str, description: str, seo_title: str, meta: str) -> CopyFields:
    return CopyFields(
        title=title.strip() or "Untitled",
        bullets=[b.strip().lstrip("•-* ").strip() for b in bullets.splitlines() if b.strip()] or [title],
        description=description.strip() or title,
        seo_title=seo_title.strip(),
        meta_description=meta.strip(),
    )


def _checks_text(draft: Draft) -> str:
    data = draft.stored.data["checks"]
    parts = [f"draft `{draft.stored.id}`: {'faithful' if draft.report.faithful else '**unsupported claims**'}"]
    if draft.report.unsupported:
        parts.append("unsupported: " + ", ".join(draft.report.unsupported))
    if data.get("removed_claims"):
        parts.append("cut after regenerating: " + ", ".join(data["removed_claims"]))
    if data.get("fallback"):
        parts.append("built from the attributes (the model gave no usable copy)")
    return "; ".join(parts)


def build_studio(services: Services) -> Any:
    import gradio as gr

    copywriter = services.copywriter
    reviews_file = Path(services.settings.data_dir) / "demo" / "reviews.jsonl"

    def search(query: str) -> Any:
        if not query.strip():
            return gr.update(choices=[], value=None), "Type what you are looking for."
        hits = services.catalog.search(query.strip()[:200], limit=10).hits
        choices = [(f"{h.product.title} ({h.id})", h.id) for h in hits]
        return gr.update(choices=choices, value=choices[0][1] if choices else None), f"{len(choices)} products"

    def show(product_id: str | None) -> tuple[str, str]:
        product = services.catalog.get(product_id) if product_id else None
        if product is None:
            return "Pick a product.", ""
        return product_card(product), reviews_summary(product, _reviews(reviews_file).get(product.id, []))

    async def generate(product_id: str | None, tone: str, length: str, language: str, count: float) -> list[Any]:
        if not product_id:
            raise gr.Error("Pick a product first.")
        options = CopyOptions(tone=tone, length=length, language=language)  # type: ignore[arg-type]
        drafts: list[Draft] = []
        try:
            for _ in range(max(1, min(VARIANTS, int(count)))):
                async with services.generation.slot():
                    drafts.append(await copywriter.generate(product_id, None, options, "studio"))
        except (CopyError, GenerationBusyError) as exc:
            raise gr.Error(str(exc)) from None
        updates: list[Any] = []
        for n in range(VARIANTS):
            if n < len(drafts):
                d = drafts[n]
                f = d.fields
                updates += [
                    gr.update(visible=True),
                    d.stored.id,
                    f.title,
                    "\n".join(f.bullets),
                    f.description,
                    f.seo_title,
                    f.meta_description,
                    highlighted(f, d.report.claims, d.report.unsupported),
                    _checks_text(d),
                ]
            else:
                updates += [gr.update(visible=False), "", "", "", "", "", "", [], ""]
        return updates

    def approve(draft_id: str, title: str, bullets: str, description: str, seo: str, meta: str) -> list[Any]:
        if not draft_id:
            raise gr.Error("Generate a variant first.")
        fields = _fields_from(title, bullets, description, seo, meta)
        try:
            revised = copywriter.revise(draft_id, fields, "studio")
            if not revised.report.faithful:
                return [
                    highlighted(revised.fields, revised.report.claims, revised.report.unsupported),
                    "Not approved: the edit makes claims the attributes do not support: "
                    + ", ".join(revised.report.unsupported),
                ]
            approved, version = copywriter.approve(revised.stored.id, "studio")
        except (LookupError, CopyError) as exc:
            raise gr.Error(str(exc)) from None
        return [
            highlighted(revised.fields, revised.report.claims, []),
            f"Approved draft `{approved.id}` into product `{approved.product_id}` (index {version}).",
        ]

    async def run_batch(
        category: str, tone: str, length: str, language: str, limit: float, progress: Any = None
    ) -> AsyncIterator[str]:
        request = JobRequest(
            product_ids=None,
            category=category.strip() or None,
            options=CopyOptions(tone=tone, length=length, language=language),  # type: ignore[arg-type]
            limit=int(limit) if limit else None,
        )
        if request.category is None:
            raise gr.Error("Name a category, e.g. Dresses or Tops > Knits.")
        try:
            job_id = await asyncio.to_thread(services.copy_jobs.submit, request, "studio")
        except JobSelectionError as exc:
            raise gr.Error(str(exc)) from None
        while True:
            state = await asyncio.to_thread(services.copy_jobs.store.progress, job_id)
            assert state is not None
            finished = state.done + state.failed
            if progress is not None:
                progress((finished, state.total), desc=f"job {job_id}", unit="products")
            yield f"job `{job_id}`: {state.status}, {state.done} written, {state.failed} failed of {state.total}"
            if state.status != "running":
                return
            await asyncio.sleep(1.0)

    with gr.Blocks(title=f"{services.settings.shop_name} copy studio") as blocks:
        gr.Markdown(f"### {services.settings.shop_name}: copy studio")
        with gr.Tab("Write copy"):
            with gr.Row():
                query = gr.Textbox(label="Find a product", placeholder="linen dress", max_lines=1, scale=4)
                find = gr.Button("Search", scale=1)
            found = gr.Markdown()
            picked = gr.Dropdown(label="Product", choices=[], interactive=True)
            with gr.Row():
                card = gr.Markdown()
                reviews = gr.Markdown()
            with gr.Row():
                tone = gr.Radio(TONES, value="neutral", label="Tone")
                length = gr.Radio(LENGTHS, value="medium", label="Length")
                language = gr.Dropdown(list(LANGUAGES), value="en", label="Language")
                count = gr.Slider(1, VARIANTS, value=1, step=1, label="Variants")
            write = gr.Button("Generate", variant="primary")
            outputs: list[Any] = []
            with gr.Row():
                for n in range(VARIANTS):
                    with gr.Column(visible=False) as column:
                        gr.Markdown(f"**Variant {n + 1}**")
                        draft_id = gr.Textbox(label="Draft", interactive=False, max_lines=1)
                        title = gr.Textbox(label="Title", max_lines=1, elem_id=f"variant-{n + 1}-title")
                        bullets = gr.Textbox(label="Bullets (one per line)", lines=5)
                        description = gr.Textbox(label="Description", lines=5)
                        seo = gr.Textbox(label="SEO title", max_lines=1)
                        meta = gr.Textbox(label="Meta description", lines=2)
                        claims = gr.HighlightedText(
                            label="Claims",
                            color_map={"supported": "green", "unsupported": "red"},
                            combine_adjacent=True,
                        )
                        checks = gr.Markdown()
                        approve_button = gr.Button(f"Approve variant {n + 1}", variant="primary")
                        status = gr.Markdown(elem_id=f"variant-{n + 1}-status")
                        approve_button.click(
                            approve, [draft_id, title, bullets, description, seo, meta], [claims, status]
                        )
                    outputs += [column, draft_id, title, bullets, description, seo, meta, claims, checks]
            find.click(search, [query], [picked, found])
            query.submit(search, [query], [picked, found])
            picked.change(show, [picked], [card, reviews])
            write.click(generate, [picked, tone, length, language, count], outputs)
        with gr.Tab("Batch"):
            with gr.Row():
                category = gr.Textbox(label="Category", placeholder="Dresses or Tops > Knits", max_lines=1)
                limit = gr.Number(label="At most (products)", value=None, precision=0, minimum=1)
            with gr.Row():
                batch_tone = gr.Radio(TONES, value="neutral", label="Tone")
                batch_length = gr.Radio(LENGTHS, value="medium", label="Length")
                batch_language = gr.Dropdown(list(LANGUAGES), value="en", label="Language")
            start = gr.Button("Start job", variant="primary")
            job_state = gr.Markdown(elem_id="job-state")

            async def batch(
                category: str,
                tone: str,
                length: str,
                language: str,
                limit: float,
                progress: gr.Progress = gr.Progress(),  # Gradio's way to ask for a progress bar
            ) -> AsyncIterator[str]:
                async for line in run_batch(category, tone, length, language, limit, progress):
                    yield line

            start.click(batch, [category, batch_tone, batch_length, batch_language, limit], [job_state])
        campaigns_tab(services)
        insights_tab(services)
    return blocks
