"""The product copywriter: faithful titles, bullets, descriptions and SEO text from product attributes."""
