"""A small route table derived from the spec: which operation a request hits, and its needs.

Middlewares use it to decide, before connexion parses anything, whether a request needs the
API key and whether its body must be JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

__all__ = ["Route", "RouteTable"]

_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    operation_id: str
    secured: bool
    json_body: bool
    multipart_body: bool


class RouteTable:
    def __init__(self, routes: list[Route], base_path: str) -> None:
        self.routes = routes
        self.base_path = base_path.rstrip("/")
        self._patterns = [(_compile(self.base_path + r.path), r) for r in routes]

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> RouteTable:
        global_security = spec.get("security", [])
        routes = []
        for path, path_item in spec.get("paths", {}).items():
            for method, operation in path_item.items():
                if method not in _HTTP_METHODS:
                    continue
                security = operation.get("security", global_security)
                content = operation.get("requestBody", {}).get("content", {})
                routes.append(
                    Route(
                        method=method.upper(),
                        path=path,
                        operation_id=operation["operationId"],
                        secured=any(bool(requirement) for requirement in security),
                        json_body="application/json" in content,
                        multipart_body="multipart/form-data" in content,
                    )
                )
        return cls(routes, base_path(spec))

    def match(self, method: str, path: str) -> Route | None:
        for pattern, route in self._patterns:
            if route.method == method and pattern.fullmatch(path):
                return route
        return None

    def template_of(self, path: str) -> str | None:
        """The spec path (base path included) that `path` matches, whatever the method."""
        for pattern, route in self._patterns:
            if pattern.fullmatch(path):
                return self.base_path + route.path
        return None

    def methods_of(self, path: str) -> list[str]:
        """The methods the spec offers on `path` (HEAD with GET, OPTIONS for preflights), for
        the `Allow` header of a 405."""
        methods = {route.method for pattern, route in self._patterns if pattern.fullmatch(path)}
        if "GET" in methods:
            methods.add("HEAD")
        if methods:
            methods.add("OPTIONS")
        return sorted(methods)

    def secures_path(self, path: str) -> bool:
        """Whether any operation on `path` needs the key.

        For requests no operation answers (HEAD, or a method the path does not offer): the
        server still answers them (HEAD runs the GET handler), so they need the key too.
        """
        return any(route.secured and pattern.fullmatch(path)
                   for pattern, route in self._patterns)

    def path_parameters(self, method: str, path: str) -> dict[str, str]:
        """The values of the path's `{parameters}` (percent-decoded), by name."""
        for pattern, route in self._patterns:
            match = pattern.fullmatch(path)
            if route.method == method and match:
                return {name: unquote(value) for name, value in match.groupdict().items()}
        return {}

    def by_operation(self, operation_id: str) -> Route:
        for route in self.routes:
            if route.operation_id == operation_id:
                return route
        raise KeyError(operation_id)

    def url_path(self, operation_id: str) -> str:
        return self.base_path + self.by_operation(operation_id).path


def base_path(spec: dict[str, Any]) -> str:
    servers = spec.get("servers") or [{"url": ""}]
    return str(servers[0]["url"]).rstrip("/")


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p)
                    for p in parts)
    return re.compile(regex)
