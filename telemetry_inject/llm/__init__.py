"""The LLM path (issue 5). LLM output is data: parsed and verified, never executed (I9)."""
