from __future__ import annotations

import json

import pytest

from retrieval.feeds import FeedError, detect_format, read_feed, read_products


def test_csv_loads_good_rows_and_reports_bad_ones_by_line() -> None:
    text = (
        "id,title,price,in_stock,category,colour,attributes\n"
        'A1,Linen Dress,49.90,yes,Dresses / Midi,red|blue,"{""material"": ""linen""}"\n'
        "A2,,10,yes,Tops,,\n"
        "A3,Bad Price,abc,yes,Tops,,\n"
        "A4,Bad Stock,10,maybe,Tops,,\n"
        "A5,Priced,12.99 EUR,no,Tops,,\n"
        "A1,Duplicate,10,yes,Tops,,\n"
    )
    result = read_feed(text, "csv")
    assert [p.id for p in result.products] == ["A1", "A5"]
    dress = result.products[0]
    assert dress.category == "Dresses > Midi"
    assert dress.attributes == {"colour": ["red", "blue"], "material": "linen"}
    assert result.products[1].currency == "EUR" and result.products[1].in_stock is False
    problems = {(r.line, r.field) for r in result.rejected}
    assert problems == {(3, "title"), (4, "price"), (5, "in_stock"), (7, "id")}
    assert "first on line 2" in next(r.message for r in result.rejected if r.line == 7)


def test_five_percent_broken_rows_load_the_rest() -> None:
    lines = ["id,title,price"]
    broken = set(range(5, 100, 20))
    for n in range(100):
        lines.append(f"P{n},Item {n},{'-3' if n in broken else n + 1}")
    result = read_feed("\n".join(lines) + "\n", "csv")
    assert len(result.products) == 95
    assert sorted(r.line for r in result.rejected) == sorted(n + 2 for n in broken)
    assert all(r.field == "price" for r in result.rejected)


def test_jsonl_reports_invalid_lines() -> None:
    rows = [
        json.dumps({"id": "J1", "title": "Tee", "price": 10, "attributes": {"color": ["red"]}}),
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"id": "J2", "title": "Tee", "price": 10, "rating": 7}),
        "",
        json.dumps({"id": "bad id!", "title": "x", "price": 1}),
    ]
    result = read_feed("\n".join(rows), filename="feed.jsonl")
    assert [p.id for p in result.products] == ["J1"]
    assert result.products[0].attributes == {"colour": ["red"]}
    assert [(r.line, r.field) for r in result.rejected] == [(2, "row"), (3, "row"), (4, "rating"), (6, "id")]


def test_google_merchant_tsv() -> None:
    header = (
        "id\ttitle\tdescription\tlink\timage_link\tprice\tsale_price\tavailability\tbrand\tproduct_type\tcolor\tsize"
    )
    rows = [
        "G1\tWrap Dress\t<p>Soft &amp; light</p>\thttps://shop.example/g1\thttps://img.example/g1.jpg\t"
        "59.00 USD\t\tin stock\tAcme\tApparel > Dresses\tNavy\tS/M/L",
        "G2\tCoat\tWarm\t\t\t120.00 USD\t99.00 USD\tout of stock\tAcme\tApparel > Outerwear\t\t",
        "G3\tNo price\t\t\t\t\t\tin stock\t\t\t\t",
    ]
    result = read_feed("\n".join([header, *rows]) + "\n", filename="feed.tsv")
    assert result.format == "gmc"
    g1, g2 = result.products
    assert (g1.price, g1.currency, g1.in_stock, g1.category) == (59.0, "USD", True, "Apparel > Dresses")
    assert g1.description == "Soft & light"
    assert g1.attributes == {"colour": ["Navy"], "size": ["S", "M", "L"]}
    assert g1.image_url == "https://img.example/g1.jpg"
    assert (g2.price, g2.in_stock) == (99.0, False)  # the sale price is what the shopper pays
    assert [(r.line, r.field) for r in result.rejected] == [(4, "price")]


def test_shopify_export_groups_variants_by_handle() -> None:
    header = (
        "Handle,Title,Body (HTML),Vendor,Type,Tags,Option1 Name,Option1 Value,Option2 Name,Option2 Value,"
        "Variant Price,Variant Inventory Qty,Image Src,Status"
    )
    rows = [
        'linen-shirt,Linen Shirt,<b>Breathable</b> linen,Acme,Shirts,"summer, linen",Size,S,Color,White,45.00,3,'
        "https://img.example/ls.jpg,active",
        "linen-shirt,,,,,,,M,,White,45.00,0,,",
        "linen-shirt,,,,,,,L,,Blue,49.00,2,,",
        "draft-thing,Draft,,Acme,Shirts,,Title,Default Title,,,10.00,1,,draft",
        "no-price,Thing,,Acme,Shirts,,Title,Default Title,,,,1,,active",
    ]
    result = read_feed("\n".join([header, *rows]) + "\n", filename="products_export.csv")
    assert result.format == "shopify"
    (shirt,) = result.products
    assert shirt.id == "linen-shirt" and shirt.description == "Breathable linen"
    assert shirt.price == 45.0 and shirt.stock == 5 and shirt.in_stock
    assert shirt.attributes["size"] == ["S", "M", "L"]
    assert shirt.attributes["colour"] == ["White", "Blue"]
    assert shirt.attributes["tags"] == ["summer", "linen"]
    assert {(r.line, r.field) for r in result.rejected} == {(5, "Status"), (6, "Variant Price")}


def test_format_detection_and_unreadable_feeds() -> None:
    assert detect_format('{"id": "x"}\n') == "jsonl"
    assert detect_format("id\ttitle\tprice\n") == "gmc"
    assert detect_format("Handle,Title,Variant Price\n") == "shopify"
    assert detect_format("id,title,price\n") == "csv"
    with pytest.raises(FeedError, match="UTF-8"):
        read_feed(b"\xff\xfe\x00bad")
    with pytest.raises(FeedError, match="format"):
        read_feed("just some words")


def test_api_products_are_validated_one_by_one() -> None:
    result = read_products([{"id": "A", "title": "T", "price": 1}, "nope", {"id": "B", "title": "T", "price": -1}])
    assert [p.id for p in result.products] == ["A"]
    assert [(r.line, r.field) for r in result.rejected] == [(2, "row"), (3, "price")]
