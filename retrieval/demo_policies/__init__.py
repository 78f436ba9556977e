"""Demo store policies (Markdown files), copied into the demo data directory."""
