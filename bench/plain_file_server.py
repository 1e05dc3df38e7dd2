"""The best plain-file baseline on our stack: uvicorn + Starlette FileResponse, 1 MiB chunks.

Run as `python bench/plain_file_server.py FILE PORT`; serves FILE at `/file`.
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Route


class BigChunkFileResponse(FileResponse):
    chunk_size = 1024 * 1024


def main() -> None:
    path, port = sys.argv[1], int(sys.argv[2])

    async def serve_file(_: Request) -> FileResponse:
        return BigChunkFileResponse(path, media_type="application/octet-stream")

    app = Starlette(routes=[Route("/file", serve_file)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
