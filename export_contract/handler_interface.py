"""`ExportHandlers`: the operations every server answers, one method per operationId.

Method names are the operationIds in snake_case (`application.handler_name`). Only what
both servers implement is here; optional capabilities (export jobs) are extra handler
objects given to `build_app` beside these.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from starlette.responses import Response

__all__ = ["ExportHandlers"]


@runtime_checkable
class ExportHandlers(Protocol):
    async def download_export(self, body: dict[str, Any], response_type: str | None = None
                              ) -> Response:
        """`downloadExport`: one file, or its exported URL (`responseType=urls`)."""

    async def download_batch(self, body: dict[str, Any], response_type: str | None = None
                             ) -> Response:
        """`downloadBatch`: a zip of the items, or their exported URLs."""

    async def get_exported_file(self, token: str) -> Response:
        """`getExportedFile`: the file behind a signed exported URL."""

    async def register_export(self, *args: Any, **kwargs: Any) -> Response:
        """`registerExport`: store an upload under its sourceFileUrl.

        Either from connexion's parsed form (`body`, `file`), or, marked
        `streamed_operations.streams_request`, from the request with its body unread.
        """

    async def list_exports(self) -> Response:
        """`listExports`: every registered export."""

    async def delete_export(self, source_file_url: str) -> Response:
        """`deleteExport`: forget one registered export."""
