from __future__ import annotations

import pytest

from app.copywriter.service import META_MAX, SEO_TITLE_MAX, CopyFields, enforce_limits, parse_copy, template_copy


def test_json_is_found_in_chatter_and_variants_are_accepted() -> None:
    text = (
        'Sure! {"title": "T", "bullets": "- a\\n- b\\n- c", "description": "D", '
        '"seo": {"title": "S", "meta_description": "M"}} hope it helps'
    )
    fields = parse_copy(text)
    assert fields.bullets == ["a", "b", "c"] and fields.seo_title == "S" and fields.meta_description == "M"
    with pytest.raises(ValueError):
        parse_copy("no json here")


def test_limits_and_markup() -> None:
    long = "word " * 100
    fields = enforce_limits(
        CopyFields(
            title="<b>Title</b>",
            bullets=["<script>x</script>one", *["b"] * 6],
            description=long,
            seo_title=long,
            meta_description=long,
        )
    )
    assert fields.title == "Title" and fields.bullets[0] == "one" and len(fields.bullets) == 5
    assert len(fields.seo_title) <= SEO_TITLE_MAX and len(fields.meta_description) <= META_MAX
    assert not fields.seo_title.endswith(" ")


def test_template_copy_uses_only_the_attributes() -> None:
    fields = template_copy({"title": "Wool Scarf", "brand": "Wren", "material": "wool", "colour": ["red"]})
    assert fields.title == "Wool Scarf" and "Material: wool" in fields.bullets and "Colour: red" in fields.bullets


def test_reviews_summary_shows_rating_share_recommending_and_the_most_helpful() -> None:
    from app.ui.studio import reviews_summary
    from retrieval.catalog import Product

    product = Product(id="P1", title="Dress", category="Dresses", price=10.0, rating=4.5, review_count=3)
    reviews = [
        {"text": "Runs small, order a size up", "recommended": True, "positive_feedback": 9},
        {"text": "Lovely <b>colour</b>", "recommended": True, "positive_feedback": 2},
        {"text": "", "recommended": False, "positive_feedback": 30},
    ]
    summary = reviews_summary(product, reviews)
    assert "**4.5★** from 3 reviews; 67% recommend it" in summary
    assert summary.index("Runs small") < summary.index("Lovely") and "\\<b\\>" in summary
    assert reviews_summary(product.model_copy(update={"review_count": 0}), []) == "No reviews yet."
