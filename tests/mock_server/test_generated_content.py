"""Generated files are real files of their type, and the same URL and seed give the same bytes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import struct
import zipfile
import zlib
from xml.etree import ElementTree

import pytest

from mock_server.catalog import generated_name_and_type
from mock_server.content import generate, generated_types

URL = "https://canvas.example.com/files/plan"


def _make(filename: str, seed: int = 0, url: str = URL) -> bytes:
    name, media_type = generated_name_and_type(f"{url}/{filename}")
    return generate(name, media_type, url, seed)


def _png_chunks(data: bytes) -> dict[bytes, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks: dict[bytes, bytes] = {}
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks[kind] = chunks.get(kind, b"") + body
        offset += 12 + length
    return chunks


def test_png_is_a_valid_image_with_all_its_rows() -> None:
    chunks = _png_chunks(_make("photo.png"))
    width, height, depth, color_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, color_type) == (8, 2)
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + 3 * width)
    assert b"IEND" in chunks


def test_pdf_has_header_objects_xref_and_trailer() -> None:
    data = _make("plan.pdf")
    assert data.startswith(b"%PDF-1.4\n") and data.rstrip().endswith(b"%%EOF")
    xref = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert data[xref:xref + 4] == b"xref"
    for line in data[xref:].split(b"\n")[3:8]:  # each object offset points at "N 0 obj"
        offset = int(line[:10])
        assert data[offset:].split(b"\n")[0].endswith(b" 0 obj")


def test_svg_is_well_formed_xml_naming_the_file() -> None:
    root = ElementTree.fromstring(_make("sketch.svg"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "sketch.svg" in ElementTree.tostring(root, encoding="unicode")


def test_text_csv_json_html_and_xml_parse() -> None:
    assert "notes.txt" in _make("notes.txt").decode("utf-8")
    rows = list(csv.reader(io.StringIO(_make("table.csv").decode("utf-8"))))
    assert rows[0] == ["id", "label", "value"] and len(rows) == 9
    assert json.loads(_make("data.json"))["mockExport"] == "data.json"
    assert b"<!doctype html>" in _make("page.html")
    ElementTree.fromstring(_make("export.xml"))


def test_gif_jpeg_and_webp_have_their_signatures_and_structure() -> None:
    gif = _make("icon.gif")
    assert gif.startswith(b"GIF89a") and gif.endswith(b";")
    jpeg = _make("photo.jpg")
    assert jpeg.startswith(b"\xff\xd8\xff\xe0") and jpeg.endswith(b"\xff\xd9")
    for marker in (b"\xff\xdb", b"\xff\xc0", b"\xff\xc4", b"\xff\xda"):
        assert marker in jpeg
    webp = _make("photo.webp")
    assert webp[:4] == b"RIFF" and webp[8:16] == b"WEBPVP8L"
    assert struct.unpack("<I", webp[4:8])[0] == len(webp) - 8


@pytest.mark.parametrize("filename", ["report.docx", "sheet.xlsx", "bundle.zip"])
def test_zip_based_formats_are_valid_zips_with_parsable_xml(filename: str) -> None:
    with zipfile.ZipFile(io.BytesIO(_make(filename))) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(archive.read(name))


def test_same_url_and_seed_give_the_same_bytes_and_another_seed_other_bytes() -> None:
    for filename in ("a.png", "a.pdf", "a.jpg", "a.csv", "a.docx", "a.bin"):
        assert _make(filename, seed=1) == _make(filename, seed=1)
        assert _make(filename, seed=1) != _make(filename, seed=2)
    assert _make("a.png", url=URL + "/one") != _make("a.png", url=URL + "/two")


def test_a_name_without_extension_becomes_png_and_an_unknown_one_octet_stream() -> None:
    assert generated_name_and_type("https://x.example/files/scan") == ("scan.png", "image/png")
    assert generated_name_and_type("https://x.example/") == ("export.png", "image/png")
    assert generated_name_and_type("https://x.example/data.xyz123") == (
        "data.xyz123", "application/octet-stream")
    assert generated_name_and_type("https://x.example/r%C3%A9sum%C3%A9.txt") == (
        "résumé.txt", "text/plain")


def test_every_type_with_a_generator_produces_non_empty_content() -> None:
    for media_type in generated_types():
        assert generate("x", media_type, URL, 0)


@pytest.mark.parametrize(("filename", "media_type", "sha256"), [
    ("plan.pdf", "application/pdf",
     "72cdf96571c7afcde52cc9f5834358ff3e858b18d5179dd4a3e3f068f0f3c007"),
    ("scan.png", "image/png", "00a9198b52dba3144a3ea81dd81ae29e38e66d61d5ab160bf44399568a8d7921"),
    ("photo.jpg", "image/jpeg",
     "1997bf4e9ff651d642b08ea8445f05f2c5f738069ea5be671d96824d8ca911b1"),
])
def test_generated_bytes_stay_the_same_across_releases_and_machines(
        filename: str, media_type: str, sha256: str) -> None:
    # Frontend tests may pin these bytes: changing them is a breaking change of the mock.
    content = generate(filename, media_type, f"https://canvas.example.com/files/{filename}", 0)
    assert hashlib.sha256(content).hexdigest() == sha256
