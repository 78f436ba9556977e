"""Generate product copy: attributes → prompt (with an approved example of a similar product) → LLM → JSON parsed
(one repair retry, unless the reply was cut at the token cap) → length limits → sanitized → faithfulness check →
regenerated once naming the unsupported claims → stored as a draft. Approval writes the copy into the catalog and
re-embeds the product."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field, ValidationError

from app.copywriter.validate import FaithfulnessReport, check_copy, supported_sentences
from app.guard.output import sanitize_text
from app.llm.prompts import load_prompt
from app.llm.service import LLMService
from app.store.drafts import DraftStore, StoredDraft
from retrieval.catalog import Product
from retrieval.catalog_service import CatalogService
from retrieval.vocabulary import ShopVocabulary

log = logging.getLogger(__name__)

Tone = Literal["neutral", "playful", "luxury", "technical"]
Length = Literal["short", "medium", "long"]
SEO_TITLE_MAX = 60
META_MAX = 155
TITLE_MAX = 120
LANGUAGES = {"en": "English", "zh": "Chinese (简体中文)", "fr": "French", "de": "German", "es": "Spanish"}
_LENGTH_HINTS = {
    "short": "description of 1-2 sentences",
    "medium": "description of 3-4 sentences",
    "long": "description of 5-7 sentences",
}
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


class CopyError(RuntimeError):
    """The product cannot be written about (unknown, or not approvable)."""


class CopyFields(BaseModel):
    title: str = Field(min_length=1)
    bullets: list[str] = Field(min_length=1)
    description: str = Field(min_length=1)
    seo_title: str = ""
    meta_description: str = ""


@dataclass(frozen=True)
class CopyOptions:
    tone: Tone = "neutral"
    length: Length = "medium"
    language: str = "en"


@dataclass(frozen=True)
class Written:
    """A checked draft's content before it is stored."""

    product_id: str | None
    data: dict[str, Any]  # what is stored: fields, checks (regenerated, fallback, …), options, attributes, …
    fields: CopyFields
    report: FaithfulnessReport


@dataclass(frozen=True)
class Draft:
    stored: StoredDraft
    fields: CopyFields
    report: FaithfulnessReport


def product_facts(product: Product) -> dict[str, object]:
    """What copy about a product may say: its catalog fields and attributes."""
    facts: dict[str, object] = {
        "title": product.title,
        "brand": product.brand,
        "category": product.category,
        "price": product.price,
        "currency": product.currency,
    }
    for name, value in product.attributes.items():
        if name not in {"bullets", "seo_title", "meta_description"}:
            facts[name] = value
    return {k: v for k, v in facts.items() if v not in ("", None, [])}


def _truncate(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut[:limit]


def enforce_limits(fields: CopyFields) -> CopyFields:
    """Length limits always hold (SEO title ≤ 60, meta ≤ 155, 3-5 bullets), and nothing carries markup."""
    sanitized = (sanitize_text(b) for b in fields.bullets)
    clean = [_truncate(b, 160) for b in sanitized if b.strip()][:5]
    title = _truncate(sanitize_text(fields.title), TITLE_MAX)
    description = sanitize_text(fields.description).strip()
    seo = _truncate(sanitize_text(fields.seo_title or title), SEO_TITLE_MAX)
    meta = _truncate(sanitize_text(fields.meta_description or description), META_MAX)
    return CopyFields(
        title=title, bullets=clean or [title], description=description or title, seo_title=seo, meta_description=meta
    )


def parse_copy(text: str) -> CopyFields:
    match = _JSON_OBJECT.search(text)
    if match is None:
        raise ValueError("no JSON object in the reply")
    data = json.loads(match.group(0))
    if isinstance(data.get("bullets"), str):
        data["bullets"] = [b.strip("-• ") for b in data["bullets"].splitlines() if b.strip()]
    if isinstance(data.get("seo"), dict):
        data.setdefault("seo_title", data["seo"].get("title", ""))
        data.setdefault("meta_description", data["seo"].get("meta_description", ""))
    return CopyFields.model_validate(data)


def _checks(report: FaithfulnessReport, *, regenerated: bool, removed: list[str], fallback: bool) -> dict[str, Any]:
    """What a draft records about its claims (``checks`` in the API)."""
    return {
        "faithful": report.faithful,
        "unsupported_claims": report.unsupported,
        "claims": report.claims,
        "regenerated": regenerated,
        "removed_claims": removed,
        "fallback": fallback,
    }


def template_copy(facts: dict[str, object]) -> CopyFields:
    """Copy built only from the attributes, when the model gives nothing usable twice."""
    title = str(facts.get("title") or "Product")
    bullets: list[str] = []
    for name, value in facts.items():
        if name in _NOT_BULLETS or value in ("", None, [], False) or len(bullets) == 5:
            continue
        shown = "yes" if value is True else ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        bullets.append(f"{name.split('.')[-1].replace('_', ' ').capitalize()}: {shown}")
    description = f"{title}." + (f" From {facts['brand']}." if facts.get("brand") else "")
    return CopyFields(title=title, bullets=bullets or [title], description=description)


_NOT_BULLETS = {"id", "title", "brand", "category", "price", "currency", "description", "in_stock", "stock"}


class Copywriter:
    def __init__(
        self,
        llm: LLMService,
        catalog: CatalogService,
        drafts: DraftStore,
        shop_name: str,
        banned_claims: list[str],
        max_tokens: int,
        avoid_words: list[str] | None = None,
        *,
        shop_description: str = "an online shop",
        vocabulary: Callable[[], ShopVocabulary] | None = None,
    ) -> None:
        self.vocabulary = vocabulary
        self.llm = llm
        self.catalog = catalog
        self.drafts = drafts
        self.banned_claims = banned_claims
        self.max_tokens = max_tokens
        self.avoid_words = list(avoid_words or [])
        self.system = load_prompt("copy_system")
        self.user = load_prompt("copy_user")
        self.system_text = self.system.render(shop_name=shop_name, shop_description=shop_description)

    def facts_for(
        self, product_id: str | None, attributes: dict[str, object] | None
    ) -> tuple[str | None, dict[str, object]]:
        if product_id is not None:
            product = self.catalog.get(product_id)
            if product is None:
                raise CopyError(f"no product {product_id!r}")
            return product.id, product_facts(product)
        return None, {k: v for k, v in (attributes or {}).items() if v not in ("", None, [])}

    def _example(self, product_id: str | None, facts: dict[str, object]) -> str:
        query = str(facts.get("title") or facts.get("category") or "")
        if not query:
            return ""
        try:
            hits = self.catalog.search(query, limit=8, mode="dense").hits
        except Exception:  # no example is fine
            return ""
        approved = self.drafts.approved_for([h.id for h in hits if h.id != product_id])
        if approved is None:
            return ""
        fields = approved.data.get("fields", {})
        return json.dumps({k: fields.get(k) for k in ("title", "bullets", "description")}, ensure_ascii=False)

    def prompt_messages(
        self, facts: dict[str, object], options: CopyOptions, example: str, problems: list[str]
    ) -> list[BaseMessage]:
        """The system and user messages of one copy request (serving and fine-tuning data share them)."""
        attributes = [
            (name, ", ".join(str(v) for v in value) if isinstance(value, list) else str(value))
            for name, value in facts.items()
        ]
        prompt = self.user.render(
            attributes=[(n, sanitize_text(v)[:300]) for n, v in attributes],
            tone=options.tone,
            length=options.length,
            length_hint=_LENGTH_HINTS[options.length],
            language=LANGUAGES.get(options.language, options.language),
            example=example,
            problems="; ".join(problems),
        )
        return [SystemMessage(self.system_text), HumanMessage(prompt)]

    async def _attempt(self, messages: list[BaseMessage]) -> CopyFields | None:
        completion = await self.llm.complete(
            messages, max_tokens=self.max_tokens, temperature=0.4, avoid_words=self.avoid_words
        )
        try:
            return parse_copy(completion.text)
        except (ValueError, ValidationError) as exc:  # one repair retry with the error named
            if completion.completion_tokens >= self.max_tokens:
                return None  # cut off at the cap: a repair under the same cap would be cut again
            repair = [
                *messages,
                AIMessage(completion.text),
                HumanMessage(f"That was not valid: {str(exc)[:200]}. Return only the JSON object."),
            ]
            retry = await self.llm.complete(
                repair, max_tokens=self.max_tokens, temperature=0.2, avoid_words=self.avoid_words
            )
            try:
                return parse_copy(retry.text)
            except (ValueError, ValidationError):
                return None

    async def write(
        self, product_id: str | None, attributes: dict[str, object] | None, options: CopyOptions
    ) -> Written:
        """Generate, check, regenerate once, cut what is still unsupported: a draft's content, not yet stored."""
        pid, facts = self.facts_for(product_id, attributes)
        example = self._example(pid, facts)
        fields = await self._attempt(self.prompt_messages(facts, options, example, []))
        fallback = fields is None
        fields = enforce_limits(fields or template_copy(facts))
        report = self._check(fields, facts)
        first_report = report
        regenerated = False
        if not report.faithful and not fallback:
            regenerated = True
            again = await self._attempt(self.prompt_messages(facts, options, example, report.unsupported))
            if again is not None:
                second = enforce_limits(again)
                second_report = self._check(second, facts)
                if len(second_report.unsupported) <= len(report.unsupported):
                    fields, report = second, second_report
        after_regenerate = report
        removed: list[str] = []
        if not report.faithful:  # still unsupported after the regenerate step: cut what makes the claims
            removed = list(report.unsupported)
            fields = self._without(fields, facts)
            report = self._check(fields, facts)
        data: dict[str, Any] = {
            "fields": fields.model_dump(),
            "checks": {
                **_checks(report, regenerated=regenerated, removed=removed, fallback=fallback),
                "first_attempt": {"claims": len(first_report.claims), "unsupported": first_report.unsupported},
                "after_regenerate": {
                    "claims": len(after_regenerate.claims),
                    "unsupported": after_regenerate.unsupported,
                },
            },
            "options": {"tone": options.tone, "length": options.length, "language": options.language},
            "attributes": facts,
            "prompt": f"{self.system.ref}+{self.user.ref}",
            "model": self.llm.backend.model_name,
        }
        return Written(pid, data, fields, report)

    async def generate(
        self, product_id: str | None, attributes: dict[str, object] | None, options: CopyOptions, author: str
    ) -> Draft:
        written = await self.write(product_id, attributes, options)
        stored = self.drafts.add(written.product_id, written.data, author)
        return Draft(stored, written.fields, written.report)

    def _without(self, fields: CopyFields, facts: dict[str, object]) -> CopyFields:
        """Drop the bullets and sentences that make an unsupported claim, each checked on its own; a title that
        makes one falls back to the catalog title."""

        def supported(text: str) -> bool:
            return self.check_texts([text], facts).faithful

        title_source = str(facts.get("title") or fields.title)
        title = fields.title if supported(fields.title) else title_source
        seo = fields.seo_title if supported(fields.seo_title) else title
        bullets = [b for b in fields.bullets if supported(b)] or [title]
        description = supported_sentences(fields.description, supported) or title
        meta = supported_sentences(fields.meta_description, supported) or description
        return enforce_limits(
            CopyFields(title=title, bullets=bullets, description=description, seo_title=seo, meta_description=meta)
        )

    def _check(self, fields: CopyFields, facts: dict[str, object]) -> FaithfulnessReport:
        texts = [fields.title, *fields.bullets, fields.description, fields.seo_title, fields.meta_description]
        return self.check_texts(texts, facts)

    def check_texts(self, texts: list[str], facts: dict[str, object]) -> FaithfulnessReport:
        """The claim check of any text about a product (copy, ad creatives) against its facts."""
        return check_copy(texts, facts, self.banned_claims, self.vocabulary() if self.vocabulary else None)

    def revise(self, draft_id: str, fields: CopyFields, author: str) -> Draft:
        """A merchant's edit of a draft: stored as a new draft, limits applied and the claims checked again."""
        original = self.drafts.get(draft_id)
        if original is None:
            raise LookupError(draft_id)
        facts = dict(original.data.get("attributes") or {})
        edited = enforce_limits(fields)
        report = self._check(edited, facts)
        data: dict[str, Any] = {
            **original.data,
            "fields": edited.model_dump(),
            "checks": _checks(report, regenerated=False, removed=[], fallback=False),
            "revised_from": draft_id,
        }
        stored = self.drafts.add(original.product_id, data, author)
        return Draft(stored, edited, report)

    def approve(self, draft_id: str, by: str) -> tuple[StoredDraft, str]:
        """Write an approved draft into its product and re-embed it; returns (draft, index version). A draft
        with unsupported claims (an edit can add some) is refused."""
        draft = self.drafts.get(draft_id)
        if draft is None:
            raise LookupError(draft_id)
        if draft.product_id is None:
            raise CopyError("this draft was written from raw attributes: there is no product to update")
        unsupported = draft.data.get("checks", {}).get("unsupported_claims") or []
        if unsupported:
            raise CopyError(f"the draft makes claims the attributes do not support: {', '.join(unsupported)}")
        product = self.catalog.get(draft.product_id)
        if product is None:
            raise CopyError(f"product {draft.product_id!r} is no longer in the catalog")
        fields = CopyFields.model_validate(draft.data["fields"])
        attributes = {
            **product.attributes,
            "bullets": fields.bullets,
            "seo_title": fields.seo_title,
            "meta_description": fields.meta_description,
        }
        updated = product.model_copy(
            update={"title": fields.title, "description": fields.description, "attributes": attributes}
        )
        outcome = self.catalog.ingest_items([updated.model_dump(mode="json")])
        return self.drafts.mark_approved(draft_id, by) or draft, outcome.report.index_version
