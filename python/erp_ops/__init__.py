"""erp.base operations: migrations and the install bundle, audit maintenance, stream, verify."""
