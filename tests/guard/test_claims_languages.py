"""The claim checker on catalogs in other languages: yes/no questions, negations, and values asked for that a
record lacks, in French."""

from __future__ import annotations

from retrieval.language import stop_words


def test_french_yes_no_questions_are_read_as_such_and_value_questions_are_not() -> None:
    from app.guard.claim_terms import NEGATION, POLAR

    for polar in (
        "La doudoune est-elle lavable en machine ?",
        "Puis-je rendre des chaussures ?",
        "Livrez-vous en Suisse ?",
    ):
        assert POLAR.search(polar), polar
    for value in ("De quelle couleur est-elle ?", "Combien pèse-t-il ?", "Quel est le poids ?"):
        assert not POLAR.search(value), value
    for denied in ("elle n'est pas rechargeable", "nicht waschbar", "non è impermeabile", "sans garnissage"):
        assert NEGATION.search(denied), denied
    assert not NEGATION.search("a non-stick pan")


def test_a_french_value_for_an_attribute_the_record_lacks_is_unsupported() -> None:
    from app.assistant.grounding import ClaimScope, GroundingData
    from app.guard.claims import ClaimChecker
    from retrieval.catalog import Product
    from retrieval.vocabulary import ShopVocabulary

    harness = Product(id="SM-1", title="Baudrier Cordée Falaise", price=69.0, category="Escalade > Baudriers",
                      attributes={"taille": ["S", "M", "L"]})  # fmt: skip
    fleece = Product(id="SM-2", title="Polaire Altiva Brume", price=59.0, category="Vêtements > Polaires",
                     attributes={"couleur": "gris", "taille": ["S", "M"]})  # fmt: skip
    checker = ClaimChecker(ShopVocabulary.build([harness, fleece], stop_words("fr"), "french"))
    question = "De quelle couleur est le baudrier Cordée Falaise ?"
    made_up = ClaimScope(GroundingData(products={harness.id: harness}), checker, question)
    assert not made_up.check("Le baudrier Cordée Falaise est de couleur blanche.").ok
    honest = ClaimScope(GroundingData(products={harness.id: harness}), checker, question)
    assert honest.check("La couleur du baudrier n'est pas indiquée.").ok
    held = ClaimScope(GroundingData(products={fleece.id: fleece}), checker, "De quelle couleur est la polaire Brume ?")
    assert held.check("La polaire Brume est de couleur gris.").ok


def test_a_value_the_question_asks_for_and_the_record_lacks_is_unsupported_however_it_is_said() -> None:
    from app.assistant.grounding import ClaimScope, GroundingData
    from app.guard.claims import ClaimChecker
    from retrieval.catalog import Product
    from retrieval.vocabulary import ShopVocabulary

    harness = Product(id="SM-1", title="Baudrier Cordée Falaise", price=69.0, category="Escalade > Baudriers",
                      description="Baudrier confortable pour l'escalade.", attributes={"taille": ["S"]})  # fmt: skip
    fleece = Product(id="SM-2", title="Polaire Altiva Brume", price=59.0, category="Vêtements > Polaires",
                     attributes={"couleur": "gris"})  # fmt: skip
    checker = ClaimChecker(ShopVocabulary.build([harness, fleece], stop_words("fr"), "french"))
    question = "De quelle couleur est le baudrier Cordée Falaise ?"

    def ok(reply: str) -> bool:
        return ClaimScope(GroundingData(products={harness.id: harness}), checker, question).check(reply).ok

    assert not ok("Le baudrier Cordée Falaise est blanc.")
    assert ok("Ce n'est pas indiqué pour le baudrier Cordée Falaise.")
    assert ok("Le baudrier Cordée Falaise est confortable pour l'escalade.")  # the record's own words


def test_a_listed_fact_answered_no_is_a_denial() -> None:
    from app.guard.claim_terms import negated_before

    assert negated_before("lumens: 200; rechargeable: non ; en stock", "rechargeable")
    assert not negated_before("lumens: 200; rechargeable ; en stock", "rechargeable")
