"""Signal receivers of the engine (none yet: audit is written explicitly, in-transaction)."""
