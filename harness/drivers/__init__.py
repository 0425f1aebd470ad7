"""Load generators. Each builds the tool's argv and parses its machine-readable output only."""
