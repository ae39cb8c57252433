"""telemetry-inject: telemetry where the code changes."""

__version__ = "0.1.0"
