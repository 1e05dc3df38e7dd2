from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract_tests import content_disposition
from contract_tests.content_disposition import (
    ContentDisposition,
    ContentDispositionError,
    fallback_problems,
    filename_problems,
    parse_content_disposition,
)

TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Everything a quoted-string can carry: no C0 controls but HTAB, no DEL, no surrogates.
QUOTABLE = st.characters(codec="utf-8", exclude_categories=["Cs"]).filter(
    lambda ch: ch == "\t" or not (ord(ch) < 0x20 or ord(ch) == 0x7F)
)
SAFE_NAME_CHARS = st.characters(
    codec="utf-8", exclude_categories=["Cc", "Cs"], exclude_characters="/\\"
)


def quote_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_public_surface_is_the_parser_and_the_rule_helpers() -> None:
    assert set(content_disposition.__all__) == {
        "ContentDisposition",
        "ContentDispositionError",
        "fallback_problems",
        "filename_problems",
        "parse_content_disposition",
    }


# --- RFC 6266 section 5 and the tc2231 cases it grew out of -----------------------------


def test_token_filename_with_mixed_case_type() -> None:
    cd = parse_content_disposition("Attachment; filename=example.html")
    assert cd.disposition_type == "attachment"
    assert cd.filename == "example.html"
    assert cd.effective_filename == "example.html"


def test_inline_with_upper_case_name_and_space_before_quoted_value() -> None:
    cd = parse_content_disposition('INLINE; FILENAME= "an example.html"')
    assert cd.disposition_type == "inline"
    assert cd.params == {"filename": "an example.html"}


def test_filename_star_is_percent_decoded_as_utf8() -> None:
    cd = parse_content_disposition("attachment; filename*= UTF-8''%e2%82%ac%20rates")
    assert cd.filename is None
    assert cd.filename_star == "€ rates"
    assert cd.effective_filename == "€ rates"


def test_filename_star_wins_over_filename() -> None:
    cd = parse_content_disposition(
        "attachment; filename=\"EURO rates\"; filename*=utf-8''%e2%82%ac%20rates"
    )
    assert cd.filename == "EURO rates"
    assert cd.effective_filename == "€ rates"


def test_filename_star_wins_whatever_the_order() -> None:
    cd = parse_content_disposition(
        "attachment; filename*=UTF-8''foo-%c3%a4.html; filename=\"foo-ae.html\""
    )
    assert cd.effective_filename == "foo-ä.html"


def test_raw_ext_value_is_kept_in_params() -> None:
    cd = parse_content_disposition("attachment; filename*=UTF-8''%e2%82%ac")
    assert cd.params == {"filename*": "UTF-8''%e2%82%ac"}


def test_iso_8859_1_filename_star_is_decoded() -> None:
    cd = parse_content_disposition("attachment; filename*=iso-8859-1'en'%A3%20rates")
    assert cd.filename_star == "£ rates"


def test_language_tag_is_accepted_and_ignored() -> None:
    cd = parse_content_disposition("attachment; filename*=UTF-8'de-DE'Gr%C3%BC%C3%9Fe.txt")
    assert cd.filename_star == "Grüße.txt"


def test_decomposed_utf8_is_kept_as_sent() -> None:
    cd = parse_content_disposition("attachment; filename*=UTF-8''foo-a%cc%88.html")
    assert cd.filename_star == "foo-a\u0308.html"


def test_percent_escape_of_a_percent_sign_decodes_once() -> None:
    cd = parse_content_disposition("attachment; filename*=UTF-8''A-%2541.html")
    assert cd.filename_star == "A-%41.html"


def test_percent_signs_in_plain_filename_are_literal() -> None:
    cd = parse_content_disposition('attachment; filename="foo-%41.html"')
    assert cd.filename == "foo-%41.html"


def test_escaped_quotes_are_unescaped() -> None:
    cd = parse_content_disposition('attachment; filename="\\"quoting\\" tested.html"')
    assert cd.filename == '"quoting" tested.html'


def test_backslash_escapes_any_character() -> None:
    cd = parse_content_disposition('attachment; filename="f\\oo.html"')
    assert cd.filename == "foo.html"


def test_semicolon_inside_quoted_string_is_part_of_the_name() -> None:
    cd = parse_content_disposition('attachment; filename="Here\'s a semicolon;.html"')
    assert cd.filename == "Here's a semicolon;.html"


def test_unknown_parameters_are_kept_and_do_not_hide_filename() -> None:
    cd = parse_content_disposition('attachment; foo="\\"\\\\";filename="foo.html"')
    assert cd.params == {"foo": '"\\', "filename": "foo.html"}
    assert cd.filename == "foo.html"


def test_similar_parameter_names_are_not_filename() -> None:
    cd = parse_content_disposition("attachment; xfilename=foo.html")
    assert cd.filename is None
    assert cd.effective_filename is None


def test_single_quotes_are_token_characters() -> None:
    assert parse_content_disposition("attachment; filename='foo.bar'").filename == "'foo.bar'"


def test_whitespace_around_separators_is_allowed() -> None:
    cd = parse_content_disposition(' \tattachment ;\tfilename = "foo.html"  ; size=12 ')
    assert cd.params == {"filename": "foo.html", "size": "12"}


def test_latin1_obs_text_in_quoted_string_is_accepted() -> None:
    assert (
        parse_content_disposition('attachment; filename="foo-\xe4.html"').filename == "foo-ä.html"
    )


def test_type_without_parameters_parses() -> None:
    cd = parse_content_disposition("attachment")
    assert cd == ContentDisposition("attachment", {}, None, None)


def test_missing_attachment_type_is_an_error() -> None:
    with pytest.raises(ContentDispositionError, match=r"^no disposition type") as caught:
        parse_content_disposition('filename="foo.html"')
    assert "starts with parameter filename" in str(caught.value)


def test_extension_disposition_type_is_parsed_for_the_check_to_judge() -> None:
    assert parse_content_disposition("x-custom; filename=a").disposition_type == "x-custom"


def test_rfc2231_continuations_are_not_filename() -> None:
    cd = parse_content_disposition('attachment; filename*0="foo."; filename*1="html"')
    assert cd.effective_filename is None
    assert cd.params == {"filename*0": "foo.", "filename*1": "html"}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("", "^no disposition type$"),
        ("   ", "^no disposition type$"),
        ("; filename=foo.html", "^no disposition type$"),
        ('"attachment"; filename=a', "^disposition type is not a token"),
        ("attachment filename=a", "after disposition type"),
        ('attachment; filename="foo.html', "^unterminated quoted-string in filename$"),
        ('attachment; filename="foo.html\\', "^unterminated quoted-string in filename$"),
        ("attachment; filename=a; FILENAME=b", "^duplicate parameter filename$"),
        ("attachment; filename*=UTF-8''a; filename*=UTF-8''b", "^duplicate parameter filename\\*$"),
        ("attachment; filename=foo,bar.html", "after the value of filename"),
        ("attachment; filename=foo bar.html", "after the value of filename"),
        ("attachment; filename=foo[1](2).html", "after the value of filename"),
        ("attachment; filename=foo-\xe4.html", "after the value of filename"),
        ('attachment; filename="a" "b"', "after the value of filename"),
        ("attachment; filename=foo.html ;", "^empty parameter after ';'$"),
        ("attachment; ;filename=foo", "^empty parameter after ';'$"),
        ("attachment; filename", "^parameter filename has no value$"),
        ("attachment; filename=", "^parameter filename has no value$"),
        ("attachment; filename=;", "^parameter filename has no value$"),
        ("attachment; filename:foo", "^expected '=' after filename"),
        ("attachment; =foo", "^parameter name is not a token"),
        ("attachment; filename=@foo", "neither a token nor a quoted-string"),
        ('attachment; filename="a\nb"', "^control character U\\+000A in quoted-string"),
        ('attachment; filename="a\x00b"', "^control character U\\+0000 in quoted-string"),
        ('attachment; filename="a\\\x7fb"', "^control character U\\+007F in quoted-string"),
    ],
)
def test_malformed_header_is_rejected_with_a_precise_message(header: str, message: str) -> None:
    with pytest.raises(ContentDispositionError, match=message):
        parse_content_disposition(header)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("attachment; filename*=foo.html", "is not an RFC 8187 ext-value"),
        ("attachment; filename*=''foo-%c3%a4.html", "is not an RFC 8187 ext-value"),
        ("attachment; filename*=UTF-8'foo.html", "is not an RFC 8187 ext-value"),
        ("attachment; filename*=\"UTF-8''foo.html\"", "a quoted-string is not allowed"),
        ("attachment; filename*=UTF@8''foo.html", "bad charset"),
        ("attachment; filename*=UTF-8'%%'foo.html", "invalid language tag"),
        ("attachment; filename*=UTF-8''foo%zz.html", "invalid percent-escape '%zz'"),
        ("attachment; filename*=UTF-8''foo%4", "invalid percent-escape '%4'"),
        ("attachment; filename*=UTF-8''foo\"bar", "must be percent-encoded"),
        ("attachment; filename*=UTF-8''a'b", "must be percent-encoded"),
        ("attachment; filename*=UTF-8''%ff.html", "not valid UTF-8 after percent-decoding"),
        ("attachment; filename*=UTF-8''%c3", "not valid UTF-8 after percent-decoding"),
        ("attachment; filename*=UTF-8''%ed%a0%80", "not valid UTF-8 after percent-decoding"),
        ("attachment; filename*=koi8-r''%c1", "only UTF-8 and ISO-8859-1 are accepted"),
        ("attachment; filename*=utf8''foo", "only UTF-8 and ISO-8859-1 are accepted"),
    ],
)
def test_malformed_filename_star_is_rejected(header: str, message: str) -> None:
    with pytest.raises(ContentDispositionError, match=message) as caught:
        parse_content_disposition(header)
    assert str(caught.value).startswith("filename*")


def test_the_error_is_a_value_error() -> None:
    assert issubclass(ContentDispositionError, ValueError)


def test_other_ext_parameters_are_checked_for_shape_but_not_decoded() -> None:
    cd = parse_content_disposition("attachment; title*=koi8-r''%c1")
    assert cd.params == {"title*": "koi8-r''%c1"}
    with pytest.raises(ContentDispositionError, match="title\\* is not an RFC 8187 ext-value"):
        parse_content_disposition("attachment; title*=plain")


# --- Round trips and robustness ---------------------------------------------------------


@given(st.text(alphabet=QUOTABLE))
def test_any_quoted_name_parses_back_to_itself(name: str) -> None:
    cd = parse_content_disposition(f"attachment; filename={quote_string(name)}")
    assert cd.filename == name


@given(st.text(alphabet=TCHARS, min_size=1))
def test_any_token_name_parses_back_to_itself(name: str) -> None:
    assert parse_content_disposition(f"attachment; filename={name}").filename == name


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"])))
def test_any_percent_encoded_utf8_name_parses_back_to_itself(name: str) -> None:
    header = f"attachment; filename*=UTF-8''{quote(name.encode('utf-8'), safe='')}"
    assert parse_content_disposition(header).filename_star == name


@given(st.text(alphabet=st.characters(codec="latin-1")))
def test_any_percent_encoded_latin1_name_parses_back_to_itself(name: str) -> None:
    header = f"attachment; filename*=ISO-8859-1''{quote(name.encode('latin-1'), safe='')}"
    assert parse_content_disposition(header).filename_star == name


@given(
    st.text(alphabet=TCHARS, min_size=1).filter(lambda name: not name.endswith("*")),
    st.text(alphabet=QUOTABLE),
)
def test_parameter_names_are_case_insensitive(param: str, value: str) -> None:
    cd = parse_content_disposition(f"attachment; {param.upper()}={quote_string(value)}")
    assert cd.params == {param.lower(): value}


@given(st.text())
def test_arbitrary_text_parses_or_raises_the_documented_error(header: str) -> None:
    try:
        cd = parse_content_disposition(header)
    except ContentDispositionError as exc:
        assert str(exc)
    else:
        assert cd.disposition_type == cd.disposition_type.lower()


# --- Rule F2 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "filename is empty"),
        (".", "filename is '.'"),
        ("..", "filename is '..'"),
        ("a/b.pdf", "filename contains '/'"),
        ("/etc/passwd", "filename contains '/'"),
        ("..\\a.pdf", "filename contains '\\\\'"),
        ("a\rb", "filename contains control characters U+000D"),
        ("a\nb", "filename contains control characters U+000A"),
        ("a\x00b", "filename contains control characters U+0000"),
        ("a\x7f", "filename contains control characters U+007F"),
        ("a\x85", "filename contains control characters U+0085"),
        ("x" * 256, "filename is 256 bytes in UTF-8, more than 255"),
        ("€" * 86, "filename is 258 bytes in UTF-8, more than 255"),
        ("a\ud800", "filename contains lone surrogates, so it has no UTF-8 form"),
    ],
)
def test_unsafe_filename_is_reported(name: str, problem: str) -> None:
    assert problem in filename_problems(name)


def test_every_problem_of_a_name_is_reported() -> None:
    assert filename_problems("a/b\\c\r\n") == [
        "filename contains '/'",
        "filename contains '\\\\'",
        "filename contains control characters U+000D, U+000A",
    ]


@pytest.mark.parametrize("name", ["plan.pdf", "résumé.pdf", "x" * 255, "€" * 85, "...", ".hidden"])
def test_safe_filename_has_no_problems(name: str) -> None:
    assert filename_problems(name) == []


@given(st.text(alphabet=SAFE_NAME_CHARS, min_size=1, max_size=60))
def test_names_without_separators_or_controls_are_safe(name: str) -> None:
    if name not in (".", ".."):
        assert filename_problems(name) == []


# --- Rule F3 ------------------------------------------------------------------------------


def test_non_ascii_name_with_utf8_star_and_ascii_fallback_is_fine() -> None:
    cd = parse_content_disposition(
        "attachment; filename=\"resume.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
    )
    assert fallback_problems(cd) == []


def test_ascii_name_needs_no_fallback() -> None:
    assert fallback_problems(parse_content_disposition('attachment; filename="plan.pdf"')) == []
    assert (
        fallback_problems(parse_content_disposition("attachment; filename*=UTF-8''plan.pdf")) == []
    )


def test_non_ascii_name_without_fallback_is_reported() -> None:
    cd = parse_content_disposition("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf")
    assert fallback_problems(cd) == ["filename* comes without an ASCII filename fallback"]


def test_non_ascii_plain_filename_is_reported_twice_over() -> None:
    cd = parse_content_disposition('attachment; filename="r\xe9sum\xe9.pdf"')
    assert fallback_problems(cd) == [
        "filename fallback 'résumé.pdf' is not ASCII",
        "non-ASCII filename is sent without filename*=UTF-8''...",
    ]


def test_non_ascii_fallback_next_to_filename_star_is_reported() -> None:
    cd = parse_content_disposition(
        "attachment; filename=\"r\xe9sum\xe9.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
    )
    assert fallback_problems(cd) == ["filename fallback 'résumé.pdf' is not ASCII"]


def test_latin1_filename_star_is_reported() -> None:
    cd = parse_content_disposition(
        "attachment; filename=\"resume.pdf\"; filename*=iso-8859-1''r%E9sum%E9.pdf"
    )
    assert fallback_problems(cd) == ["filename* uses charset ISO-8859-1, not UTF-8"]


def test_header_without_any_filename_has_no_fallback_problem() -> None:
    assert fallback_problems(parse_content_disposition("attachment")) == []
