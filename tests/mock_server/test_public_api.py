"""The mock's public surface is what we mean it to be."""

from __future__ import annotations

import importlib
import pkgutil

import mock_server


def test_package_exports() -> None:
    assert sorted(mock_server.__all__) == sorted([
        "DEV_API_KEY", "SCENARIOS", "MockApp", "MockOptions", "create_mock_app", "serve_mock"])
    for name in mock_server.__all__:
        assert hasattr(mock_server, name)


def test_every_module_declares_its_public_names_and_imports_only_the_core() -> None:
    for info in pkgutil.iter_modules(mock_server.__path__):
        module = importlib.import_module(f"mock_server.{info.name}")
        assert isinstance(getattr(module, "__all__", None), list), info.name
        for name in module.__all__:
            assert hasattr(module, name), f"{info.name}.{name}"
        source = module.__loader__.get_source(module.__name__)  # type: ignore[union-attr]
        assert "reference_impl" not in source and "contract_tests" not in source, info.name
