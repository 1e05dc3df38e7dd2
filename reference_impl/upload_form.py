"""The registration form read straight from the request stream, its file part written into
the blob store as it arrives.

connexion parses a multipart body before any handler runs, spooling the file to the system
temp directory; an instance whose blobs live in a bucket would then copy that spool again.
Here python-multipart's push parser hands each piece of the file part to a `BlobUpload`
(pieces gathered to 1 MiB, written on a worker thread, where the checksums are computed
too), and the short text fields are kept in memory. Nothing is left behind when the body
is bad, too large or cut off: the upload is aborted before the error is raised.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import anyio
from anyio import to_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from export_contract.registration_rules import RegistrationError, check_source_url

from .blob_uploads import BlobUpload, UploadedBlob

__all__ = ["ReceivedForm", "UploadFormError", "receive_upload_form"]

FILE_FIELD = "file"
_URL_FIELD = "sourceFileUrl"
_FLUSH_BYTES = 1024 * 1024
# The form has four fields; room for a few a client adds, none for a flood.
_MAX_PARTS = 32
_MAX_FIELD_BYTES = 64 * 1024


class UploadFormError(RegistrationError):
    """The body is not a usable registration form; the message says what to fix."""


@dataclass
class ReceivedForm:
    """The text fields (first value of each name), and the file part once written."""

    fields: dict[str, str]
    file: UploadedBlob | None
    file_type: str | None


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    content_type: str | None = None
    data: bytearray = field(default_factory=bytearray)
    is_upload: bool = False


class _FormReader:
    """python-multipart callbacks: text fields into memory, the file part into `pending`."""

    def __init__(self, start_upload: Callable[[], BlobUpload]) -> None:
        self.start_upload = start_upload
        self.fields: dict[str, str] = {}
        self.upload: BlobUpload | None = None
        self.file_type: str | None = None
        self.pending = bytearray()
        self.file_ended = False
        self.ended = False
        self._part = _Part()
        self._parts = 0
        self._header_name = b""
        self._header_value = b""

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {"on_part_begin": self.on_part_begin, "on_part_data": self.on_part_data,
                "on_part_end": self.on_part_end, "on_header_field": self.on_header_field,
                "on_header_value": self.on_header_value, "on_header_end": self.on_header_end,
                "on_headers_finished": self.on_headers_finished, "on_end": self.on_end}

    def on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > _MAX_PARTS:
            raise UploadFormError(f"the form has more than {_MAX_PARTS} parts; send the "
                                  "fields sourceFileUrl, file, filename and contentType.")
        self._part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        name, value = self._header_name.lower(), self._header_value
        self._header_name = self._header_value = b""
        if name == b"content-disposition":
            _, options = parse_options_header(value)
            self._part.name = options.get(b"name", b"").decode("utf-8", "replace")
            if b"filename" in options:
                self._part.filename = options[b"filename"].decode("utf-8", "replace")
        elif name == b"content-type":
            self._part.content_type = value.decode("latin-1").strip()

    def on_headers_finished(self) -> None:
        part = self._part
        if part.name != FILE_FIELD or part.filename is None:
            return  # a text field, or a file part of no interest (skipped)
        if self.upload is not None:
            raise UploadFormError("file: send one file part named 'file'; this form has "
                                  "more than one.")
        if self.fields.get(_URL_FIELD, "").strip():
            # Refused before the upload is read, not after.
            check_source_url(self.fields[_URL_FIELD].strip())
        part.is_upload = True
        self.file_type = part.content_type
        self.upload = self.start_upload()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        if part.is_upload:
            self.pending += data[start:end]
        elif part.filename is None:
            part.data += data[start:end]
            if len(part.data) > _MAX_FIELD_BYTES:
                raise UploadFormError(f"{part.name or 'a field'}: over {_MAX_FIELD_BYTES} "
                                      "bytes; form fields are short text.")

    def on_part_end(self) -> None:
        part = self._part
        if part.is_upload:
            self.file_ended = True
        elif part.filename is None and part.name and part.name not in self.fields:
            try:
                self.fields[part.name] = part.data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UploadFormError(f"{part.name}: not UTF-8 text.") from exc

    def on_end(self) -> None:
        self.ended = True


async def receive_upload_form(content_type: str, chunks: AsyncIterator[bytes],
                              start_upload: Callable[[], BlobUpload],
                              abort: Callable[[BlobUpload], None]) -> ReceivedForm:
    """Read a multipart registration body from `chunks`, its file part into `start_upload()`.

    Raises UploadFormError for a body that is not a complete form; whatever the failure
    (including the client going away), an upload begun is passed to `abort` first.
    """
    reader = _FormReader(start_upload)
    try:
        await _feed(reader, _boundary(content_type), chunks)
        if reader.upload is None:
            return ReceivedForm(reader.fields, None, None)
        uploaded = await to_thread.run_sync(reader.upload.finish)
    except BaseException:
        if reader.upload is not None:
            with anyio.CancelScope(shield=True):
                await to_thread.run_sync(abort, reader.upload)
        raise
    return ReceivedForm(reader.fields, uploaded, reader.file_type)


async def _feed(reader: _FormReader, boundary: bytes, chunks: AsyncIterator[bytes]) -> None:
    parser = MultipartParser(boundary, reader.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in chunks:
            parser.write(chunk)
            if len(reader.pending) >= _FLUSH_BYTES or (reader.file_ended and reader.pending):
                await _flush(reader)
        parser.finalize()
    except MultipartParseError as exc:
        raise UploadFormError(f"the multipart body cannot be parsed ({exc}); send it as "
                              "multipart/form-data with the boundary its Content-Type "
                              "names.") from exc
    if not reader.ended:
        raise UploadFormError("the multipart body ended before its closing boundary; it "
                              "was cut off, so nothing was registered.")
    await _flush(reader)


async def _flush(reader: _FormReader) -> None:
    if reader.upload is not None and reader.pending:
        piece = bytes(reader.pending)
        reader.pending.clear()
        await to_thread.run_sync(reader.upload.write, piece)


def _boundary(content_type: str) -> bytes:
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise UploadFormError("Content-Type multipart/form-data names no boundary; let the "
                              "HTTP client build the form rather than setting the header.")
    return boundary
