"""Generated documents: PDF, text, CSV, JSON, HTML, XML, and zips (plain, docx, xlsx).

Zips are stored (not deflated) with a fixed timestamp, so their bytes never vary.
"""

from __future__ import annotations

import html
import io
import json
import zipfile

from export_contract.pdf import one_page_pdf

from .seeded import WORDS, SeededSource

__all__ = ["csv", "docx", "html_page", "json_document", "pdf", "text", "xlsx", "xml", "zip_file"]

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def pdf(source: SeededSource) -> bytes:
    lines = [source.caption(), f"source: {source.source_url}", " ".join(source.words(8))]
    text_ops = " ".join(f"({_pdf_string(line)}) Tj 0 -20 Td" for line in lines)
    stream = f"BT /F1 14 Tf 72 720 Td {text_ops} ET".encode("latin-1")
    return one_page_pdf(stream)


def _pdf_string(value: str) -> str:
    latin = value.encode("latin-1", errors="replace").decode("latin-1")
    return latin.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text(source: SeededSource) -> bytes:
    lines = [source.caption(), f"source: {source.source_url}", ""]
    lines += [" ".join(source.words(12)[i::3]) for i in range(3)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def csv(source: SeededSource) -> bytes:
    rows = ["id,label,value"]
    for index in range(8):
        label = WORDS[source.byte(index) % len(WORDS)]
        rows.append(f"{index + 1},{label},{source.byte(index + 8)}")
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


def json_document(source: SeededSource) -> bytes:
    document = {
        "mockExport": source.filename,
        "sourceFileUrl": source.source_url,
        "seed": source.seed,
        "values": [source.byte(i) for i in range(8)],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def html_page(source: SeededSource) -> bytes:
    caption = html.escape(source.caption())
    return (f'<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
            f"<title>{caption}</title></head>\n<body><h1>{caption}</h1>\n"
            f"<p>{html.escape(' '.join(source.words(12)))}</p></body>\n</html>\n").encode()


def xml(source: SeededSource) -> bytes:
    caption = html.escape(source.caption())
    values = "".join(f"<value>{source.byte(i)}</value>" for i in range(4))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<export name="{caption}">'
            f"{values}</export>\n").encode()


def zip_file(source: SeededSource) -> bytes:
    return _zip_of({"readme.txt": text(source)})


def docx(source: SeededSource) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{html.escape(line)}</w:t></w:r></w:p>"
                   for line in (source.caption(), " ".join(source.words(12))))
    return _zip_of({
        "[Content_Types].xml": _content_types(
            "/word/document.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
        "_rels/.rels": _rels("word/document.xml"),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>").encode(),
    })


def xlsx(source: SeededSource) -> bytes:
    rows = "".join(
        f'<row r="{i + 1}"><c r="A{i + 1}"><v>{i + 1}</v></c>'
        f'<c r="B{i + 1}"><v>{source.byte(i)}</v></c></row>' for i in range(8))
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return _zip_of({
        "[Content_Types].xml": _content_types(
            "/xl/workbook.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            ("/xl/worksheets/sheet1.xml",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml")),
        "_rels/.rels": _rels("xl/workbook.xml"),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            f'<sheet name="Export" sheetId="1" r:id="rId1"/></sheets></workbook>').encode(),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>").encode(),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{main}"><sheetData>{rows}</sheetData></worksheet>').encode(),
    })


def _content_types(main_part: str, main_type: str, *extra: tuple[str, str]) -> bytes:
    overrides = "".join(f'<Override PartName="{part}" ContentType="{kind}"/>'
                        for part, kind in ((main_part, main_type), *extra))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f"{overrides}</Types>").encode()


def _rels(target: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/officeDocument" Target="{target}"/></Relationships>').encode()


def _zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=_ZIP_DATE), data)
    return buffer.getvalue()
