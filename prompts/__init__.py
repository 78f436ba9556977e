"""Prompt templates as files: a small YAML header (name, version, purpose) and a Jinja2 body."""
