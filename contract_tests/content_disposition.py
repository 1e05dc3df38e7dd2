"""Parse and judge a ``Content-Disposition`` header (RFC 6266 with RFC 8187 ext-values).

The conformance checks use this to read the filename a backend sends (rules F1 to F4) from the
raw header text alone. It is deliberately strict: where RFC 6266 leaves no room, a header that a
lenient browser would still accept is reported as malformed, with a message naming the fault.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

__all__ = [
    "ContentDisposition",
    "ContentDispositionError",
    "fallback_problems",
    "filename_problems",
    "parse_content_disposition",
]

# RFC 7230 section 3.2.6.
_TCHAR = frozenset("!#$%&'*+-.^_`|~" + string.digits + string.ascii_letters)
# RFC 8187 section 3.2.1.
_ATTR_CHAR = frozenset("!#$&+-.^_`|~" + string.digits + string.ascii_letters)
_MIME_CHARSETC = frozenset("!#$%&+-^_`{}~" + string.digits + string.ascii_letters)
_HEXDIGITS = frozenset(string.hexdigits)
_OWS = " \t"
# RFC 5646 simplified to its outer shape: the checks care that the tag is not garbage,
# not whether its subtags are registered.
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
# Charsets are compared case-insensitively; these are the Python codec names they map to.
_CHARSETS = {"utf-8": "utf-8", "iso-8859-1": "iso-8859-1"}
_MAX_NAME_BYTES = 255
_EXT_VALUE_SHAPE = "is not an RFC 8187 ext-value (charset'lang'pct-encoded)"


class ContentDispositionError(ValueError):
    """The header does not parse by RFC 6266; the message says what is wrong."""


@dataclass(frozen=True)
class ContentDisposition:
    """A parsed header.

    ``params`` keeps every parameter under its lower-cased name. Plain values are unquoted with
    their backslash escapes removed; ext-values (names ending in ``*``) are kept as sent, so
    ``params["filename*"]`` still shows the charset. ``filename_star`` is the decoded value.
    """

    disposition_type: str
    params: dict[str, str] = field(hash=False)
    filename: str | None
    filename_star: str | None

    @property
    def effective_filename(self) -> str | None:
        """The name a recipient saves under: ``filename*`` wins over ``filename`` (RFC 6266 4.3)."""
        return self.filename_star if self.filename_star is not None else self.filename


def parse_content_disposition(value: str) -> ContentDisposition:
    """Parse a header value; raise :class:`ContentDispositionError` when it is malformed."""
    scanner = _Scanner(value)
    disposition_type = _read_disposition_type(scanner)
    params: dict[str, str] = {}
    last = "disposition type"
    while not scanner.at_end():
        if scanner.peek() != ";":
            raise ContentDispositionError(f"unexpected {scanner.describe()} after {last}")
        scanner.advance()
        scanner.skip_ows()
        name, param_value = _read_param(scanner)
        if name in params:
            raise ContentDispositionError(f"duplicate parameter {name}")
        params[name] = param_value
        last = f"the value of {name}"
        scanner.skip_ows()
    filename_star = None
    if "filename*" in params:
        filename_star = _decode_ext_value(params["filename*"], "filename*")[1]
    return ContentDisposition(disposition_type, params, params.get("filename"), filename_star)


def filename_problems(name: str) -> list[str]:
    """Why ``name`` breaks rule F2 (safe effective filename); empty when it is fine."""
    problems: list[str] = []
    if not name:
        return ["filename is empty"]
    if name in (".", ".."):
        problems.append(f"filename is {name!r}")
    for separator in ("/", "\\"):
        if separator in name:
            problems.append(f"filename contains {separator!r}")
    controls = _control_characters(name)
    if controls:
        problems.append(f"filename contains control characters {controls}")
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        problems.append("filename contains lone surrogates, so it has no UTF-8 form")
    else:
        if size > _MAX_NAME_BYTES:
            problems.append(f"filename is {size} bytes in UTF-8, more than {_MAX_NAME_BYTES}")
    return problems


def fallback_problems(cd: ContentDisposition) -> list[str]:
    """Why ``cd`` breaks rule F3 (non-ASCII names need ``filename*`` and an ASCII fallback)."""
    problems: list[str] = []
    if cd.filename is not None and not cd.filename.isascii():
        problems.append(f"filename fallback {cd.filename!r} is not ASCII")
    name = cd.effective_filename
    if name is None or name.isascii():
        return problems
    if cd.filename_star is None:
        problems.append("non-ASCII filename is sent without filename*=UTF-8''...")
        return problems
    raw = cd.params.get("filename*")
    charset = _split_ext_value(raw, "filename*")[0].lower() if raw is not None else "utf-8"
    if charset != "utf-8":
        problems.append(f"filename* uses charset {charset.upper()}, not UTF-8")
    if cd.filename is None:
        problems.append("filename* comes without an ASCII filename fallback")
    return problems


def _control_characters(text: str) -> str:
    """List the distinct control characters (C0, DEL, C1) in ``text`` as code points."""
    found = dict.fromkeys(ch for ch in text if unicodedata.category(ch) == "Cc")
    return ", ".join(f"U+{ord(ch):04X}" for ch in found)


class _Scanner:
    """A cursor over the header text; the grammar is small enough not to need a tokenizer."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def advance(self) -> None:
        self.pos += 1

    def skip_ows(self) -> None:
        while self.peek() and self.peek() in _OWS:
            self.pos += 1

    def take_while(self, allowed: frozenset[str]) -> str:
        start = self.pos
        while self.peek() and self.peek() in allowed:
            self.pos += 1
        return self.text[start : self.pos]

    def describe(self) -> str:
        """Name the character under the cursor for an error message."""
        if self.at_end():
            return "end of header"
        char = self.peek()
        shown = repr(char) if char.isprintable() else f"U+{ord(char):04X}"
        return f"character {shown} at position {self.pos}"


def _read_disposition_type(scanner: _Scanner) -> str:
    scanner.skip_ows()
    disposition_type = scanner.take_while(_TCHAR)
    if not disposition_type:
        if scanner.at_end() or scanner.peek() == ";":
            raise ContentDispositionError("no disposition type")
        raise ContentDispositionError(
            f"disposition type is not a token: unexpected {scanner.describe()}"
        )
    scanner.skip_ows()
    if scanner.peek() == "=":
        # Without "attachment" the first parameter sits where the type belongs.
        raise ContentDispositionError(
            f"no disposition type (the header starts with parameter {disposition_type.lower()})"
        )
    return disposition_type.lower()


def _read_param(scanner: _Scanner) -> tuple[str, str]:
    """Read ``name = value`` after a ``;``; return the lower-cased name and the value."""
    name = scanner.take_while(_TCHAR).lower()
    if not name:
        if scanner.at_end() or scanner.peek() == ";":
            raise ContentDispositionError("empty parameter after ';'")
        raise ContentDispositionError(f"parameter name is not a token: {scanner.describe()}")
    scanner.skip_ows()
    if scanner.peek() != "=":
        if scanner.at_end() or scanner.peek() == ";":
            raise ContentDispositionError(f"parameter {name} has no value")
        raise ContentDispositionError(f"expected '=' after {name}, found {scanner.describe()}")
    scanner.advance()
    scanner.skip_ows()
    if name.endswith("*"):
        return name, _read_ext_value(scanner, name)
    if scanner.peek() == '"':
        return name, _read_quoted_string(scanner, name)
    token = scanner.take_while(_TCHAR)
    if token:
        return name, token
    if scanner.at_end() or scanner.peek() == ";":
        raise ContentDispositionError(f"parameter {name} has no value")
    raise ContentDispositionError(
        f"value of {name} is neither a token nor a quoted-string: unexpected {scanner.describe()}"
    )


def _read_quoted_string(scanner: _Scanner, name: str) -> str:
    """Read an RFC 7230 quoted-string and undo its quoted-pairs."""
    scanner.advance()
    chars: list[str] = []
    while not scanner.at_end():
        char = scanner.peek()
        scanner.advance()
        if char == '"':
            return "".join(chars)
        if char == "\\":
            if scanner.at_end():
                break
            char = scanner.peek()
            scanner.advance()
        if not _is_quotable(char):
            raise ContentDispositionError(
                f"control character U+{ord(char):04X} in quoted-string of {name}"
            )
        chars.append(char)
    raise ContentDispositionError(f"unterminated quoted-string in {name}")


def _is_quotable(char: str) -> bool:
    """HTAB, SP, VCHAR or obs-text: what qdtext and quoted-pair allow, quotes aside.

    obs-text is any byte from 0x80; a client that decoded the header as Latin-1 shows those
    bytes as U+0080 to U+00FF, one that decoded UTF-8 as higher code points: accept both.
    """
    code = ord(char)
    return char == "\t" or 0x20 <= code <= 0x7E or code >= 0x80


def _read_ext_value(scanner: _Scanner, name: str) -> str:
    """Read the raw text of an ext-value, check its syntax and return it undecoded."""
    if scanner.peek() == '"':
        raise ContentDispositionError(
            f"{name} {_EXT_VALUE_SHAPE}: a quoted-string is not allowed here"
        )
    start = scanner.pos
    while not scanner.at_end() and scanner.peek() not in _OWS + ";":
        scanner.advance()
    raw = scanner.text[start : scanner.pos]
    _split_ext_value(raw, name)
    return raw


def _split_ext_value(raw: str, name: str) -> tuple[str, str]:
    """Check ``charset'lang'value-chars`` and return the charset and the encoded value."""
    parts = raw.split("'", 2)
    if len(parts) != 3 or not parts[0]:
        raise ContentDispositionError(f"{name} {_EXT_VALUE_SHAPE}")
    charset, language, encoded = parts
    if not set(charset) <= _MIME_CHARSETC:
        raise ContentDispositionError(f"{name} {_EXT_VALUE_SHAPE}: bad charset {charset!r}")
    if language and not _LANGUAGE.fullmatch(language):
        raise ContentDispositionError(f"{name} has an invalid language tag {language!r}")
    for index, char in enumerate(encoded):
        if char == "%":
            escape = encoded[index : index + 3]
            if len(escape) != 3 or not set(escape[1:]) <= _HEXDIGITS:
                raise ContentDispositionError(f"{name} has an invalid percent-escape {escape!r}")
        elif char not in _ATTR_CHAR:
            raise ContentDispositionError(f"{name} has {char!r}, which must be percent-encoded")
    return charset, encoded


def _decode_ext_value(raw: str, name: str) -> tuple[str, str]:
    """Decode an ext-value; return its lower-cased charset and the text."""
    charset, encoded = _split_ext_value(raw, name)
    codec = _CHARSETS.get(charset.lower())
    if codec is None:
        raise ContentDispositionError(
            f"{name} uses charset {charset!r}; only UTF-8 and ISO-8859-1 are accepted"
        )
    try:
        return charset.lower(), unquote_to_bytes(encoded).decode(codec)
    except UnicodeDecodeError:
        raise ContentDispositionError(
            f"{name} is not valid {charset.upper()} after percent-decoding"
        ) from None
