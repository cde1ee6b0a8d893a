"""erp.base harness: migrations, client, CLI, demo, stress, benchmarks."""

__version__ = "0.3.0"  # equals sql/base/module.json's version (tested)
