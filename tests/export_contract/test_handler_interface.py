"""Both servers answer the shared operations through one interface, `ExportHandlers`."""

from __future__ import annotations

import inspect

import pytest

from export_contract.application import handler_name
from export_contract.handler_interface import ExportHandlers
from export_contract.settings import Settings
from export_contract.spec import load_spec
from export_contract.streamed_operations import is_streamed
from mock_server import create_mock_app
from mock_server.handlers import MockHandlers
from reference_impl.handlers import ReferenceHandlers

_SHARED = [name for name, _ in inspect.getmembers(ExportHandlers, inspect.iscoroutinefunction)]
# connexion's parsed form, or the request with its body unread (`streams_request`).
_REGISTER_FORMS = {False: ["self", "body", "file", "other_parts"], True: ["self", "request"]}


def test_the_interface_names_the_operations_both_servers_offer_not_jobs() -> None:
    operations = {handler_name(operation["operationId"])
                  for path_item in load_spec("contract")["paths"].values()
                  for operation in path_item.values()
                  if isinstance(operation, dict) and "operationId" in operation
                  and "jobs" not in operation.get("tags", [])}
    assert set(_SHARED) == operations


@pytest.mark.parametrize("handlers", [ReferenceHandlers, MockHandlers])
@pytest.mark.parametrize("method", _SHARED)
def test_each_server_implements_each_operation_with_the_interface_parameters(
        handlers: type, method: str) -> None:
    expected = list(inspect.signature(getattr(ExportHandlers, method)).parameters)
    handler = getattr(handlers, method)
    if method == "register_export":
        # Its form is read one of two ways (see the interface's docstring).
        expected = _REGISTER_FORMS[is_streamed(handler)]
    assert list(inspect.signature(handler).parameters) == expected
    assert inspect.iscoroutinefunction(handler)


@pytest.mark.parametrize("handlers", [ReferenceHandlers, MockHandlers])
def test_each_server_handler_class_satisfies_the_interface(handlers: type) -> None:
    assert issubclass(handlers, ExportHandlers)


def test_the_mock_app_answers_through_an_interface_object(settings: Settings) -> None:
    assert isinstance(create_mock_app(settings).handlers, ExportHandlers)


def test_an_object_missing_an_operation_does_not_satisfy_the_interface() -> None:
    class NoDelete:
        async def download_export(self) -> None: ...

    assert not isinstance(NoDelete(), ExportHandlers)
