"""erp.base client: what applications import (depends on psycopg only)."""
