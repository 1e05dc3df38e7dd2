"""export-contract: the shared core of the export-download contract toolkit."""
