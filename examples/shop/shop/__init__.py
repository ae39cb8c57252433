"""A tiny shop: the example project telemetry-inject instruments in the quick start."""
