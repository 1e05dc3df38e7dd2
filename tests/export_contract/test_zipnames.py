from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from export_contract.filenames import split_extension
from export_contract.zipnames import collision_key, deduplicate


def test_duplicate_names_get_numbered_suffix_in_request_order() -> None:
    assert deduplicate(["plan.pdf", "plan.pdf", "plan.pdf"]) == [
        "plan.pdf", "plan (1).pdf", "plan (2).pdf"]


def test_case_only_duplicates_are_numbered() -> None:
    assert deduplicate(["plan.pdf", "PLAN.PDF"]) == ["plan.pdf", "PLAN (1).PDF"]


def test_differently_normalised_unicode_names_collide() -> None:
    assert deduplicate(["r\u00e9sum\u00e9.txt", "re\u0301sume\u0301.txt"])[1].endswith("(1).txt")


def test_a_literal_numbered_name_is_skipped_over_not_overwritten() -> None:
    assert deduplicate(["plan (1).pdf", "plan.pdf", "plan.pdf"]) == [
        "plan (1).pdf", "plan.pdf", "plan (2).pdf"]


def test_names_without_extension_are_numbered_at_the_end() -> None:
    assert deduplicate(["README", "readme"]) == ["README", "readme (1)"]


def test_numbering_stays_within_255_bytes() -> None:
    long_name = "x" * 251 + ".pdf"
    renamed = deduplicate([long_name, long_name])[1]
    assert renamed.endswith(" (1).pdf")
    assert len(renamed.encode()) <= 255


def test_sixty_five_thousand_copies_stay_fast_and_unique() -> None:
    names = deduplicate(["plan.pdf"] * 65_536)
    assert len({collision_key(n) for n in names}) == 65_536
    assert names[-1] == "plan (65535).pdf"


names = st.lists(st.sampled_from(["plan.pdf", "Plan.PDF", "plan (1).pdf", "a", "A", "é.txt",
                                  "e\u0301.txt", "x.tar.gz"]), max_size=30)


@given(names)
def test_deduplicated_names_are_unique_after_folding_and_keep_extensions(raw: list[str]) -> None:
    result = deduplicate(raw)
    assert len({collision_key(n) for n in result}) == len(result)
    for before, after in zip(raw, result, strict=True):
        assert split_extension(after)[1] == split_extension(before)[1]
