"""Guardrails: input screening, output checks, PII redaction and output sanitization (OWASP LLM Top 10)."""
