"""The customer-service assistant: intent rules, retrieval, prompt, LLM and the grounding check."""
