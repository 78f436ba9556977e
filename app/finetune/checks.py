"""Held-out checks of a (tuned) model's replies with the service's own checkers: copy must parse as the copy
JSON and make only claims the attributes support; support replies may cite only the products shown to them and
must cite one when products were shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from app.assistant.grounding import CITED_ID
from app.config import CopySettings
from app.copywriter.service import enforce_limits, parse_copy
from app.copywriter.validate import check_copy


@dataclass(frozen=True)
class HeldoutScore:
    copy_examples: int
    copy_parsed: float | None  # share of replies that are the copy JSON
    copy_claims_supported: float | None  # supported claims / claims over the parsed replies
    copy_faithful: float | None  # share of parsed replies without an unsupported claim
    support_examples: int
    support_no_invented_ids: float | None  # share of replies citing only ids that were shown
    support_cites_product: float | None  # share of product turns whose reply cites a shown product


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 3) if total else None


def score_replies(rows: list[dict[str, Any]], replies: list[str]) -> HeldoutScore:
    banned = CopySettings().banned_claims
    copy_total = parsed = faithful = claims = supported = 0
    support_total = clean = product_turns = cites = 0
    for row, reply in zip(rows, replies, strict=True):
        if row["kind"] == "copy":
            copy_total += 1
            try:
                fields = enforce_limits(parse_copy(reply))
            except (ValueError, ValidationError):
                continue
            parsed += 1
            texts = [fields.title, *fields.bullets, fields.description, fields.seo_title, fields.meta_description]
            report = check_copy(texts, row.get("facts") or {}, banned)
            claims += len(report.claims)
            supported += len(report.claims) - len(report.unsupported)
            faithful += int(report.faithful)
        else:
            support_total += 1
            shown = set(row.get("product_ids") or [])
            refs = row.get("refs") or {}
            cited = {refs.get(c, c) for c in CITED_ID.findall(reply)}  # "[2]": the second card's product
            clean += int(cited <= shown)
            if shown:
                product_turns += 1
                cites += int(bool(cited & shown))
    return HeldoutScore(
        copy_examples=copy_total,
        copy_parsed=_share(parsed, copy_total),
        copy_claims_supported=_share(supported, claims) if parsed else None,
        copy_faithful=_share(faithful, parsed),
        support_examples=support_total,
        support_no_invented_ids=_share(clean, support_total),
        support_cites_product=_share(cites, product_turns),
    )
