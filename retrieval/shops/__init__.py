"""Generated test and evaluation shops beside the demo boutique: other trades, id shapes, attribute schemas,
policy topics and languages, so nothing in the answer path can quietly depend on one shop."""
