"""CallRef: one value for "which call", read and written in the PROVIDER:CALL_ID form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callreview.domain import CallRef, ConfigError, NotInLibraryError, StorageError


def test_text_form_and_parse() -> None:
    ref = CallRef("acme", "call_1")
    assert str(ref) == "acme:call_1" and f"{ref}" == "acme:call_1"
    assert CallRef.parse("acme:call_1") == ref
    # The call ID keeps any colons of its own; only the first one ends the provider.
    assert CallRef.parse("acme:urn:call:1") == CallRef("acme", "urn:call:1")


@pytest.mark.parametrize("text", ["", "call_1", ":call_1", "acme:", ":"])
def test_parse_refuses_text_that_names_no_call(text: str) -> None:
    with pytest.raises(ConfigError, match="PROVIDER:CALL_ID"):
        CallRef.parse(text)


@given(
    st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
    st.text(min_size=1).filter(lambda t: t.strip() == t),
)
def test_parse_reads_back_what_str_writes(provider: str, call_id: str) -> None:
    ref = CallRef(provider, call_id)
    assert CallRef.parse(str(ref)) == ref


def test_refs_are_values_that_sort() -> None:
    refs = [CallRef("b", "1"), CallRef("a", "2"), CallRef("a", "1")]
    assert sorted(refs) == [CallRef("a", "1"), CallRef("a", "2"), CallRef("b", "1")]
    assert len({CallRef("a", "1"), CallRef("a", "1")}) == 1


def test_not_in_library_is_a_storage_error_naming_the_call() -> None:
    err = NotInLibraryError(CallRef("acme", "call_1"))
    assert isinstance(err, StorageError) and err.ref == CallRef("acme", "call_1")
    assert str(err) == "The library has no call acme:call_1. See 'callreview calls list'."
    # Text the user typed is quoted as typed.
    assert "no call 'call_1'." in str(NotInLibraryError("call_1"))
