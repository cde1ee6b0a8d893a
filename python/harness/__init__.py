"""erp.base harness: migrations, client, CLI, demo, stress, benchmarks."""

__version__ = "0.2.0"
