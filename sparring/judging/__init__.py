"""Is the small model good enough? Blind votes, the statistics, the ledger, the report."""
