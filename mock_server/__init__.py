"""The mock server (a zero-set-up stand-in for an export backend)."""
