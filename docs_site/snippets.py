"""Client snippets for a route variant: curl, browser fetch and Python httpx.

Each snippet is complete: copied into a shell, an ES module or a Python file, it runs as it
is against a backend at `base_url`. Its request body is the variant's first request example
from the spec. A file download is read as a blob (fetch) or streamed to disk (httpx) and named
from `Content-Disposition`, falling back to `canvas-export` plus the extension of the media
type for a single file and to `canvas-exports.zip` for a batch (rule F6); URL mode is read as
JSON and prints the fields of the spec's response example.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from .operations import Variant
from .settings import SiteSettings

__all__ = ["BATCH_FALLBACK_FILENAME", "FALLBACK_STEM", "Snippet", "snippets_for"]

FALLBACK_STEM = "canvas-export"
BATCH_FALLBACK_FILENAME = "canvas-exports.zip"
ZIP_MEDIA_TYPE = "application/zip"

# The extensions a browser client knows for the media types exports commonly have.
_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
    "text/csv": ".csv",
    "application/json": ".json",
    "application/zip": ".zip",
}


@dataclass(frozen=True)
class Snippet:
    client: str
    language: str
    title: str
    code: str


def snippets_for(variant: Variant, settings: SiteSettings) -> tuple[Snippet, ...]:
    """The three snippets of a variant with a JSON request example; none for other variants."""
    if not variant.json_request or not variant.request_examples:
        return ()
    request = _Request(variant, settings)
    return (
        Snippet("curl", "sh", "curl", _curl(request)),
        Snippet("fetch", "js", "Browser fetch", _fetch(request)),
        Snippet("httpx", "python", "Python httpx", _httpx(request)),
    )


@dataclass(frozen=True)
class _Request:
    variant: Variant
    settings: SiteSettings

    @property
    def body(self) -> Any:
        return self.variant.request_examples[0].value

    @property
    def batch(self) -> bool:
        return any(m.media_type == ZIP_MEDIA_TYPE for m in self.variant.success)

    @property
    def path(self) -> str:
        """The path and query below the base URL (which includes the server prefix)."""
        return self.variant.url_path

    @property
    def fields(self) -> dict[str, Any]:
        """The fields of the JSON success example, except the constant `success`."""
        example = next((m.example for m in self.variant.success if m.example), None)
        value = example.value if example else None
        if not isinstance(value, dict):
            return {}
        return {key: item for key, item in value.items() if key != "success"}


# --- curl -------------------------------------------------------------------------------------

def _curl(request: _Request) -> str:
    literal = _literal(request.body, level=1)
    body = f"'{literal}'" if "'" not in literal else shlex.quote(literal)
    url = f'"$BASE_URL{request.path}"'
    key = f'-H "x-api-key: ${request.settings.api_key_env}"'
    if request.variant.binary:
        lines = [
            "# Saves under the name from Content-Disposition (curl uses the ASCII `filename`).",
            f"BASE_URL={shlex.quote(request.settings.base_url)}",
            "curl -sS --fail -OJ -w 'saved %{filename_effective}\\n' \\",
        ]
    else:
        lines = [
            f"BASE_URL={shlex.quote(request.settings.base_url)}",
            "curl -sS --fail-with-body \\",
        ]
    lines += [
        f"  {key} \\",
        "  -H 'Content-Type: application/json' \\",
        f"  -d {body} \\",
        f"  {url}",
    ]
    return "\n".join(lines)


# --- browser fetch ----------------------------------------------------------------------------

_FETCH_HEAD = """\
// An ES module (top-level await). From another origin the backend must allow this page by
// CORS and expose Content-Disposition, or the file name falls back to the default.
const BASE_URL = {base_url};
const API_KEY = {api_key};

const response = await fetch(`${{BASE_URL}}{path}`, {{
  method: "POST",
  headers: {{ "Content-Type": "application/json", "x-api-key": API_KEY }},
  body: JSON.stringify({body}),
}});
"""

_FETCH_FILE = """\
if (!response.ok) {{
  const problem = await response.json().catch(() => ({{}}));
  throw new Error(`${{response.status}}: ${{problem.detail ?? response.statusText}}`);
}}
const blob = await response.blob();
const filename =
  filenameFromContentDisposition(response.headers.get("Content-Disposition")) ??
  {fallback};
saveBlob(blob, filename);

/** The name in Content-Disposition (`filename*` first); null when missing or unreadable. */
function filenameFromContentDisposition(header) {{
  if (!header) return null; // also what a cross-origin page sees when the header is not exposed
  const extended = /filename\\*\\s*=\\s*UTF-8'[^']*'([^;\\s]+)/i.exec(header);
  const quoted = /filename\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"/i.exec(header);
  const token = /filename\\s*=\\s*([^";\\s]+)/i.exec(header);
  let name = null;
  try {{
    name = extended ? decodeURIComponent(extended[1]) : null;
  }} catch {{
    name = null; // a broken percent-escape: use the plain filename instead
  }}
  name ??= quoted ? quoted[1].replace(/\\\\(.)/g, "$1") : token?.[1] ?? null;
  name = name?.split(/[\\\\/]/).pop().trim() ?? null;
  const unusable = !name || name === "." || name === ".." || /[\\u0000-\\u001f\\u007f]/.test(name);
  return unusable ? null : name;
}}
{fallback_function}
/** Hands the blob to the browser's downloads under `filename`. */
function saveBlob(blob, filename) {{
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), {{ href: url, download: filename }});
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000); // revoking at once can cancel it
}}
"""

_FETCH_FALLBACK_FUNCTION = """
/** No usable name: "{stem}" plus the extension of a known Content-Type (rule F6). */
function fallbackFilename(contentType) {{
  const extensions = {extensions};
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  return "{stem}" + (extensions[type] ?? "");
}}
"""

_FETCH_JSON = """\
const envelope = await response.json();
if (!response.ok) throw new Error(`${{response.status}}: ${{envelope.detail}}`);
{prints}
"""


def _fetch(request: _Request) -> str:
    head = _FETCH_HEAD.format(base_url=json.dumps(request.settings.base_url),
                              api_key=json.dumps(request.settings.api_key_placeholder),
                              path=request.path,
                              body=_literal(request.body, level=1))
    if not request.variant.binary:
        return head + _FETCH_JSON.format(prints=_js_prints(request.fields)).rstrip("\n")
    if request.batch:
        fallback = json.dumps(BATCH_FALLBACK_FILENAME)
        fallback_function = ""
    else:
        fallback = 'fallbackFilename(response.headers.get("Content-Type"))'
        extensions = json.dumps(_EXTENSIONS, indent=4).replace("\n}", "\n  }")
        fallback_function = _FETCH_FALLBACK_FUNCTION.format(stem=FALLBACK_STEM,
                                                            extensions=extensions)
    return (head + _FETCH_FILE.format(fallback=fallback, fallback_function=fallback_function)
            ).rstrip("\n")


def _js_prints(fields: dict[str, Any]) -> str:
    lines = []
    for name, value in fields.items():
        if isinstance(value, list):
            lines.append(f"for (const item of envelope.{name}) console.log({json.dumps(name)}, "
                         "item);")
        else:
            lines.append(f"console.log({json.dumps(name)}, envelope.{name});")
    return "\n".join(lines) or "console.log(envelope);"


# --- Python httpx -----------------------------------------------------------------------------

_HTTPX_HEAD = """\
{imports}

import httpx

BASE_URL = {base_url}
API_KEY = os.environ.get({api_key_env}, "")
"""

_HTTPX_FILENAME_FUNCTION = '''

def filename_from_content_disposition(header):
    """The name in Content-Disposition (`filename*` first); None when missing or unreadable."""
    message = email.message.Message()
    message["Content-Disposition"] = header
    params = message.get_params([], header="Content-Disposition")
    values = [value for key, value in params if key == "filename"]
    for value in sorted(values, key=lambda v: not isinstance(v, tuple)):  # filename* first
        name = email.utils.collapse_rfc2231_value(value).replace("\\\\", "/").split("/")[-1]
        if name.strip() not in ("", ".", "..") and name.isprintable():
            return name.strip()
    return None

'''

_HTTPX_FILE = """
body = {body}
with httpx.stream("POST", f"{{BASE_URL}}{path}",{params} json=body,
                  headers={{"x-api-key": API_KEY}}, timeout=60) as response:
    if response.is_error:
        response.read()
        raise SystemExit(f"{{response.status_code}}: {{response.text}}")
    name = filename_from_content_disposition(response.headers.get("Content-Disposition", ""))
{fallback}
    path = Path(name)
    with path.open("wb") as file:
        for chunk in response.iter_bytes():
            file.write(chunk)
print(f"saved {{path}} ({{path.stat().st_size}} bytes)")"""

_HTTPX_SINGLE_FALLBACK = """\
    if name is None:  # no usable header: "{stem}" plus the type's extension (rule F6)
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        name = "{stem}" + (mimetypes.guess_extension(media_type) or "")"""

_HTTPX_BATCH_FALLBACK = """\
    if name is None:  # no usable header (rule F6)
        name = {name}"""

_HTTPX_JSON = """
body = {body}
response = httpx.post(f"{{BASE_URL}}{path}", params={params},
                      json=body, headers={{"x-api-key": API_KEY}}, timeout=60)
envelope = response.json()
if response.is_error:
    raise SystemExit(f"{{response.status_code}}: {{envelope.get('detail')}}")
{prints}"""


def _httpx(request: _Request) -> str:
    variant = request.variant
    imports = ["import os"]
    body = _literal(request.body, python=True, indent="    ")
    if variant.binary:
        imports += ["import email.message", "import email.utils", "from pathlib import Path"]
        if request.batch:
            fallback = _HTTPX_BATCH_FALLBACK.format(name=json.dumps(BATCH_FALLBACK_FILENAME))
        else:
            imports.append("import mimetypes")
            fallback = _HTTPX_SINGLE_FALLBACK.format(stem=FALLBACK_STEM)
        params = f" params={_literal(variant.query, python=True)}," if variant.query else ""
        tail = _HTTPX_FILENAME_FUNCTION + _HTTPX_FILE.format(
            body=body, path=variant.path, params=params, fallback=fallback)
    else:
        tail = _HTTPX_JSON.format(body=body, path=variant.path,
                                  params=_literal(variant.query, python=True),
                                  prints=_python_prints(request.fields))
    head = _HTTPX_HEAD.format(imports="\n".join(sorted(imports, key=_import_order)),
                              base_url=json.dumps(request.settings.base_url),
                              api_key_env=json.dumps(request.settings.api_key_env))
    return (head + tail).rstrip("\n")


def _import_order(line: str) -> tuple[bool, str]:
    """isort's order: `import x` lines first, then `from x import y`, each alphabetical."""
    return line.startswith("from "), line


def _python_prints(fields: dict[str, Any]) -> str:
    lines = []
    for name, value in fields.items():
        key = json.dumps(name)
        if isinstance(value, list):
            lines.append(f"for item in envelope[{key}]:\n    print({key}, item)")
        else:
            lines.append(f"print({key}, envelope[{key}])")
    return "\n".join(lines) or "print(envelope)"


# --- literals ---------------------------------------------------------------------------------

def _literal(value: Any, *, python: bool = False, level: int = 0, indent: str = "  ",
             width: int = 90) -> str:
    """`value` as a JSON-style literal of JavaScript or Python, on one line when it fits."""
    inline = _inline(value, python=python)
    if len(inline) + len(indent) * level <= width or not isinstance(value, dict | list) \
            or not value:
        return inline

    def nested(item: Any) -> str:
        return _literal(item, python=python, level=level + 1, indent=indent, width=width)

    if isinstance(value, dict):
        items = [f"{json.dumps(str(k), ensure_ascii=False)}: {nested(v)}" for k, v in value.items()]
        opening, closing = "{", "}"
    else:
        items = [nested(v) for v in value]
        opening, closing = "[", "]"
    # Python style keeps a trailing comma; JSON (and so the curl body) cannot have one.
    body = ",\n".join(indent * (level + 1) + item for item in items) + ("," if python else "")
    return f"{opening}\n{body}\n{indent * level}{closing}"


def _inline(value: Any, *, python: bool) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)}: "
                               f"{_inline(v, python=python)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v, python=python) for v in value) + "]"
    if python and (value is None or isinstance(value, bool)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)
