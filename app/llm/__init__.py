"""The LLM seam: model files, the embedded llama.cpp server, and the one OpenAI-compatible client."""
