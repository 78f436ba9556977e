"""Ad creatives: a short headline and line for each product of a campaign, written through the copywriter (its
prompt, its claim check against the product's attributes, its one regenerate), checked again as cut to ad
length, and served only once a merchant approved them."""

from __future__ import annotations

from app.ads.campaigns import CampaignError, CampaignService
from app.copywriter.service import CopyOptions, Copywriter, product_facts
from app.store.ads import Creative

HEADLINE_CHARS = 40
LINE_CHARS = 90


def _cut(text: str, limit: int) -> str:
    """At a word boundary, without a dangling comma or conjunction."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0].rstrip(",;:- \u2013\u2014")  # and en and em dashes
    return cut.removesuffix(" and").removesuffix(" or").removesuffix(" with")


class CreativeService:
    def __init__(self, campaigns: CampaignService, copywriter: Copywriter) -> None:
        self.campaigns = campaigns
        self.copywriter = copywriter
        self.store = campaigns.store

    async def write(self, campaign_id: str, options: CopyOptions | None = None) -> list[Creative]:
        """One draft creative per product of the campaign."""
        campaign = self.campaigns.get(campaign_id)
        out = []
        for product_id in campaign.product_ids:
            written = await self.copywriter.write(product_id, None, options or CopyOptions(length="short"))
            fields = written.fields
            headline = _cut(fields.seo_title or fields.title, HEADLINE_CHARS)
            line = _cut(fields.meta_description or (fields.bullets[0] if fields.bullets else fields.description),
                        LINE_CHARS)  # fmt: skip
            product = self.campaigns.ads.catalog.get(product_id)
            facts = product_facts(product) if product is not None else {}
            report = self.copywriter.check_texts([headline, line], facts)  # cut text can change what it claims
            checks = {"claims": list(report.claims), "unsupported": list(report.unsupported),
                      "copy_checks": written.data["checks"], "model": written.data["model"]}  # fmt: skip
            out.append(self.store.add_creative(campaign_id, product_id, headline, line, checks))
        return out

    def approve(self, creative_id: str, by: str) -> Creative:
        """A creative with an unsupported claim is refused (409): write another or fix the listing first."""
        found = self.store.creative(creative_id)
        if found is None:
            raise CampaignError(404, "id", f"no creative {creative_id}")
        if found.checks.get("unsupported"):
            raise CampaignError(409, "checks", f"unsupported claims: {', '.join(found.checks['unsupported'])}")
        approved = self.store.approve_creative(creative_id, by)
        assert approved is not None
        self.campaigns.ads.changed()
        return approved
