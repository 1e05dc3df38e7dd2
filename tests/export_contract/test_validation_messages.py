"""connexion's 400 details turned into one line naming the parameter to fix."""

from __future__ import annotations

from export_contract.validation_messages import explain_bad_request


def test_a_number_parameter_out_of_range_is_named() -> None:
    assert explain_bad_request("0 is less than the minimum of 1", {"limit": "0"}) == \
        "limit: less than the minimum of 1."


def test_an_enum_query_parameter_is_named_rather_than_response_type() -> None:
    detail = "'finished' is not one of ['processing', 'complete']"
    assert explain_bad_request(detail, {"state": "finished"}) == \
        "state: expected one of processing, complete, got 'finished'."


def test_digits_that_are_not_ascii_in_other_parameters_are_no_crash() -> None:
    # `²`.isdigit() is true but int("²") raises: a fuzzer found it as a 500.
    detail = "'x' is not one of ['processing', 'complete']"
    assert explain_bad_request(detail, {"": "²", "limit": "710", "state": "x"}) == \
        "state: expected one of processing, complete, got 'x'."
