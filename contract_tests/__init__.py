"""Conformance checks that judge any backend against the export-download contract."""
