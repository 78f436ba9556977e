"""The SFT dataset (`shopassist finetune build-data`): chat-format examples built from the shop's own data with
the exact prompts the service sends, so a tuned model learns the serving format.

* copy: product attributes → the copy JSON. The target is the product's approved draft, else its newest draft
  whose claims all passed the faithfulness check, else a reference copy composed from the attributes alone
  (synthetic; every target is checked by the same claim checker before it is kept).
* support: a customer question → a reply built only from the data the assistant retrieved for it (product ids
  cited, prices from the cards, policy text quoted). Questions come from the scripted eval dialogs and from
  questions generated from the catalog's categories and attributes and a fixed list per policy topic.

The held-out split is by group (a product, a dialog, a question), chosen by a stable hash, so no product or
dialog appears on both sides.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from app.assistant.grounding import CITED_ID
from app.assistant.service import Assistant
from app.assistant.tools import Caller
from app.copywriter.service import CopyFields, CopyOptions, Copywriter, enforce_limits, product_facts
from app.copywriter.validate import check_copy
from app.store.drafts import DraftStore
from retrieval.catalog import Product
from retrieval.catalog_service import CatalogService

TONES = ("neutral", "playful", "luxury", "technical")
LENGTHS = ("short", "medium", "long")
# Questions per policy topic (the assistant's own retrieval picks the passage they are answered from).
POLICY_QUESTIONS = {
    "returns": [
        "How long do I have to return something?",
        "Can I exchange a dress for another size?",
        "Do I have to pay for return shipping?",
        "How do I send an item back?",
        "When will I get my refund?",
    ],
    "shipping": [
        "How much is shipping?",
        "How long does delivery take?",
        "Do you ship internationally?",
        "Is there free shipping?",
        "Can I get express delivery?",
    ],
    "sizing": [
        "How do your sizes run?",
        "What size should I take if I'm between sizes?",
        "Do you have petite sizes?",
        "How do I measure myself for a dress?",
    ],
    "payment": [
        "Which payment methods do you accept?",
        "Can I pay with PayPal?",
        "Is it safe to pay by card on your site?",
        "Can I pay in instalments?",
    ],
}


@dataclass
class Example:
    kind: str  # copy | support
    source: str  # approved_draft | checked_draft | reference_copy | eval_dialog | catalog_question | policy_question
    group: str  # the unit of the held-out split
    messages: list[dict[str, str]]
    meta: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "source": self.source, "group": self.group, "messages": self.messages, **self.meta}


@dataclass(frozen=True)
class DatasetSummary:
    out_dir: Path
    train: int
    heldout: int
    by_source: dict[str, dict[str, int]]
    dropped_unfaithful: int


def as_chat(messages: Sequence[BaseMessage], reply: str) -> list[dict[str, str]]:
    roles = {SystemMessage: "system", HumanMessage: "user", AIMessage: "assistant"}
    chat = [{"role": roles[type(m)], "content": str(m.content)} for m in messages]
    return [*chat, {"role": "assistant", "content": reply}]


def in_heldout(group: str, fraction: float, seed: int) -> bool:
    digest = hashlib.sha256(f"{seed}:{group}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def _listed(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else ([str(value)] if value not in (None, "") else [])


def reference_copy(product: Product, length: str) -> CopyFields:
    """Copy that states only the product's attributes: a faithful (if plain) target for any product."""
    a = product.attributes
    material, colours, sizes = (
        _listed(a.get("material")),
        _listed(a.get("colour") or a.get("color")),
        _listed(a.get("size")),
    )
    bullets = []
    if material:
        bullets.append(f"Made of {' and '.join(material)}")
    if a.get("fit"):
        bullets.append(f"{str(a['fit']).capitalize()} fit")
    if colours:
        bullets.append(f"Available in {', '.join(colours)}")
    if sizes:
        bullets.append(f"Sizes {', '.join(sizes)}")
    if a.get("petite") is True:
        bullets.append("Petite sizing")
    sentences = [product.description.strip()] if product.description.strip() else []
    if length != "short" and product.brand:
        sentences.append(f"From {product.brand}.")
    if length == "long" and product.rating is not None and product.review_count:
        noun = "review" if product.review_count == 1 else "reviews"
        sentences.append(f"Rated {product.rating:.1f} out of 5 in {product.review_count} {noun}.")
    description = " ".join(sentences) or product.title
    return enforce_limits(
        CopyFields(
            title=product.title,
            bullets=bullets or [product.title],
            description=description,
            seo_title=product.title,
            meta_description=description,
        )
    )


def _copy_json(fields: CopyFields) -> str:
    keys = ("title", "bullets", "description", "seo_title", "meta_description")
    return json.dumps({k: getattr(fields, k) for k in keys}, ensure_ascii=False)


def copy_examples(
    catalog: CatalogService, copywriter: Copywriter, drafts: DraftStore, limit: int | None, seed: int
) -> tuple[list[Example], int]:
    """One copy example per product (tone and length vary by product); unfaithful targets are dropped."""
    ids = sorted(catalog.ids())
    rng = random.Random(seed)
    rng.shuffle(ids)
    ids = ids[:limit] if limit is not None else ids
    products = catalog.get_many(ids)
    checked = drafts.checked()
    examples: list[Example] = []
    dropped = 0
    for product_id in ids:
        product = products.get(product_id)
        if product is None:
            continue
        facts = product_facts(product)
        draft = checked.get(product_id)
        if draft is not None:
            fields = CopyFields.model_validate(draft.data["fields"])
            stored = draft.data.get("options") or {}
            options = CopyOptions(tone=stored.get("tone", "neutral"), length=stored.get("length", "medium"))
            source = "approved_draft" if draft.status == "approved" else "checked_draft"
        else:
            options = CopyOptions(tone=rng.choice(TONES), length=rng.choice(LENGTHS))  # type: ignore[arg-type]
            fields = reference_copy(product, options.length)
            source = "reference_copy"
        texts = [fields.title, *fields.bullets, fields.description, fields.seo_title, fields.meta_description]
        if not check_copy(texts, facts, copywriter.banned_claims).faithful:
            dropped += 1
            continue
        messages = copywriter.prompt_messages(facts, options, "", [])
        examples.append(
            Example(
                "copy",
                source,
                f"product:{product_id}",
                as_chat(messages, _copy_json(fields)),
                {"product_id": product_id, "tone": options.tone, "length": options.length, "facts": facts},
            )
        )
    return examples, dropped


def catalog_questions(catalog: CatalogService, count: int, seed: int) -> Iterator[tuple[str, str]]:
    """(group, question) pairs a shopper could ask, from the catalog's categories, colours and prices."""
    rng = random.Random(seed + 1)
    ids = sorted(catalog.ids())
    rng.shuffle(ids)
    products = catalog.get_many(ids[: count * 2])
    made = 0
    for product_id in ids[: count * 2]:
        product = products.get(product_id)
        if product is None:
            continue
        kind = product.category.split(">")[-1].strip().lower()
        colours = _listed(product.attributes.get("colour"))
        material = _listed(product.attributes.get("material"))
        forms = [f"do you have {kind} in {colours[0]}?" if colours else f"show me your {kind}"]
        if material:
            forms.append(f"I'm looking for something in {material[0]} from your {kind}")
        forms.append(f"any {kind} under ${int(product.price // 10 * 10 + 10)}?")
        yield f"question:{product_id}", rng.choice(forms)
        made += 1
        if made >= count:
            return


def support_examples(
    assistant: Assistant, catalog: CatalogService, dialogs_path: Path | None, catalog_count: int, seed: int
) -> list[Example]:
    examples: list[Example] = []

    def add(group: str, source: str, caller: Caller, question: str, past: list[tuple[str, str]]) -> str | None:
        previous = [i for _, reply in past[-1:] for i in _ids(reply)]
        turn = assistant.llm_turn(caller, question, past, previous)
        if turn is None:
            return None
        meta = {
            "intent": turn.intent,
            "product_ids": turn.product_ids,
            "policy_docs": turn.policy_docs,
            "refs": turn.refs,
        }
        examples.append(Example("support", source, group, as_chat(turn.messages, turn.reference), meta))
        return turn.reply  # the history holds what the customer read: ids, not the cards' references

    if dialogs_path is not None and dialogs_path.is_file():
        for line in dialogs_path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            dialog = json.loads(line)
            customer = dialog.get("customer")
            caller = Caller(customer or "anonymous", customer, False)
            past: list[tuple[str, str]] = []
            for turn in dialog["turns"]:
                reply = add(f"dialog:{dialog['id']}", "eval_dialog", caller, turn["user"], past)
                if reply is None:
                    break  # later turns depend on a reply the model does not write
                past += [("user", turn["user"]), ("assistant", reply)]
    anonymous = Caller("anonymous", None, False)
    for group, question in catalog_questions(catalog, catalog_count, seed):
        add(group, "catalog_question", anonymous, question, [])
    for topic, questions in POLICY_QUESTIONS.items():
        for question in questions:
            add(f"policy:{topic}:{question}", "policy_question", anonymous, question, [])
    return examples


def _ids(text: str) -> list[str]:
    return CITED_ID.findall(text)


def write_dataset(
    examples: Sequence[Example], out_dir: Path, heldout_fraction: float, seed: int, dropped: int
) -> DatasetSummary:
    out_dir.mkdir(parents=True, exist_ok=True)
    splits: dict[str, list[Example]] = {"train": [], "heldout": []}
    for example in examples:
        splits["heldout" if in_heldout(example.group, heldout_fraction, seed) else "train"].append(example)
    for name, rows in splits.items():
        tmp = out_dir / f".{name}.jsonl.tmp"
        with tmp.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row.as_json(), ensure_ascii=False) + "\n")
        tmp.replace(out_dir / f"{name}.jsonl")
    by_source = {
        name: dict(sorted(Counter(f"{e.kind}/{e.source}" for e in rows).items())) for name, rows in splits.items()
    }
    summary = DatasetSummary(out_dir, len(splits["train"]), len(splits["heldout"]), by_source, dropped)
    (out_dir / "data_card.json").write_text(json.dumps(_card_json(summary, heldout_fraction, seed), indent=2))
    (out_dir / "DATA_CARD.md").write_text(_card_markdown(summary, heldout_fraction, seed))
    return summary


def _card_json(summary: DatasetSummary, fraction: float, seed: int) -> dict[str, Any]:
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "format": "chat (messages: system, user, [assistant, user]..., assistant target last)",
        "train": summary.train,
        "heldout": summary.heldout,
        "heldout_fraction": fraction,
        "split": "by group (product, dialog, question), stable hash",
        "seed": seed,
        "by_source": summary.by_source,
        "dropped_unfaithful_copy_targets": summary.dropped_unfaithful,
    }


def _card_markdown(summary: DatasetSummary, fraction: float, seed: int) -> str:
    rows = "\n".join(
        f"| {source} | {summary.by_source['train'].get(source, 0)} | {summary.by_source['heldout'].get(source, 0)} |"
        for source in sorted(set(summary.by_source["train"]) | set(summary.by_source["heldout"]))
    )
    return f"""# shopassist SFT dataset — data card

Chat-format examples (`messages`, the target is the last assistant message) built by
`shopassist finetune build-data` from this shop's data with the prompts the service sends (`prompts/`).

| kind/source | train | held-out |
|---|---|---|
{rows}
| **total** | **{summary.train}** | **{summary.heldout}** |

Held-out split: {fraction:.0%} of groups (a product, a dialog or a question) by a stable hash (seed {seed}); no
group is on both sides.

## Sources and what is synthetic
- **copy/approved_draft, copy/checked_draft**: copy written by the service's model and approved by a merchant, or
  whose every claim the faithfulness checker found in the attributes. Model-written.
- **copy/reference_copy**: synthetic. For products without such a draft, copy composed by a fixed template from
  the product's own attributes (material, fit, colours, sizes, description seed, brand, rating). Plain, but every
  claim is true. Tones and lengths are drawn at random per product; the template varies only length.
- **support/eval_dialog**: questions of the scripted dialogs in `eval/data/chat_dialogs.jsonl` (written by the
  project), replies built only from what the assistant retrieved for them (product cards with ids and prices,
  policy text). Synthetic replies, real retrieval.
- **support/catalog_question**: synthetic questions generated from product categories, colours, materials and
  prices; replies as above.
- **support/policy_question**: a fixed list of questions per policy topic; replies quote the retrieved policy.
- Order questions, greetings and hand-offs are not included: the service answers them from templates, never
  from the model.

Copy targets dropped because the claim checker found an unsupported claim: {summary.dropped_unfaithful}.
The demo store itself is generated from real clothing reviews (see `data/demo/README.md`): product titles,
prices, colours, sizes and materials are synthetic.
"""


def build_dataset(
    catalog: CatalogService,
    copywriter: Copywriter,
    drafts: DraftStore,
    assistant: Assistant,
    out_dir: Path,
    *,
    dialogs_path: Path | None,
    copy_limit: int | None,
    catalog_questions_count: int,
    heldout_fraction: float,
    seed: int,
) -> DatasetSummary:
    copies, dropped = copy_examples(catalog, copywriter, drafts, copy_limit, seed)
    support = support_examples(assistant, catalog, dialogs_path, catalog_questions_count, seed)
    return write_dataset([*copies, *support], out_dir, heldout_fraction, seed, dropped)
