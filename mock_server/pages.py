"""The demo page and the browser client module, served by the mock.

`/` is the mock console (the download form, export jobs, scenarios and the live journal),
`/export-client.js` the dependency-free client module a frontend can import or copy (a
stable path), `/demo.js`, `/console.js`, `/dom.js`, `/zip-reader.js` and `/demo.css` the
page's own assets. When the
mock runs with its built-in development key, the page is served with that key filled in,
so it works with zero set-up; a key of your own is never written into the page.
"""

from __future__ import annotations

import html
from importlib import resources

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["PAGE_PATHS", "StaticPages"]

# URL path -> (file in static/, media type)
PAGE_PATHS: dict[str, tuple[str, str]] = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/export-client.js": ("export-client.js", "text/javascript; charset=utf-8"),
    "/demo.js": ("demo.js", "text/javascript; charset=utf-8"),
    "/demo.css": ("demo.css", "text/css; charset=utf-8"),
    "/console.js": ("console.js", "text/javascript; charset=utf-8"),
    "/dom.js": ("dom.js", "text/javascript; charset=utf-8"),
    "/zip-reader.js": ("zip-reader.js", "text/javascript; charset=utf-8"),
}
_KEY_META = '<meta name="export-api-key" content="{key}">'


class StaticPages:
    """The static files, read once; `page_key` is written into the demo page when given."""

    def __init__(self, page_key: str | None = None) -> None:
        files = resources.files(__package__) / "static"
        self._cache = {name: (files / name).read_bytes() for name, _ in PAGE_PATHS.values()}
        if page_key:
            meta = _KEY_META.format(key=html.escape(page_key, quote=True))
            page = self._cache["index.html"].decode("utf-8")
            self._cache["index.html"] = page.replace("</title>", "</title>\n  " + meta, 1).encode()

    def content(self, path: str) -> tuple[bytes, str]:
        filename, media_type = PAGE_PATHS[path]
        return self._cache[filename], media_type

    async def endpoint(self, request: Request) -> Response:
        body, media_type = self.content(request.url.path)
        return Response(body, media_type=media_type, headers={"Cache-Control": "no-cache"})
