"""Parse → select → plan → verify → apply."""
