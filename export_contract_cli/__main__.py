"""`python -m export_contract_cli`, the same as the `export-contract` script."""

from .main import main

main(prog_name="export-contract")
