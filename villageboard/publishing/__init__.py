"""Publishing the rendered site atomically into --out."""
