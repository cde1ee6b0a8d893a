"""erp.base lab: the command line, demo, stress, benchmarks, embedded cluster, PostgreSQL
majors, test support and the README doc-test. Applications import :mod:`erp_client`; the
operations live in :mod:`erp_ops`."""

from erp_ops import __version__

__all__ = ["__version__"]
