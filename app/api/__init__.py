"""The HTTP surface: REST routes, the OpenAI-compatible API, errors and middleware."""
