"""CLI times: "dN HH:MM" or seconds since d1 00:00, errors naming the argument."""

from __future__ import annotations

import pytest

from memory_stack.foundation.errors import BadInputError
from memory_stack.foundation.time_format import format_time_value, parse_time_argument


@pytest.mark.parametrize("text, seconds", [("d1 00:00", 0.0), ("d2 08:30", 117000.0), ("d1 23:59", 86340.0),
                                           ("3600", 3600.0), ("12.5", 12.5), ("d3 00:00:30", 172830.0)])
def test_parse(text, seconds):
    assert parse_time_argument(text, "--at") == seconds


@pytest.mark.parametrize("text", ["d0 10:00", "d1 24:00", "d1 10:60", "yesterday", "-5", "nan", "d1 9"])
def test_bad_times_name_the_argument_and_quote_the_value(text):
    with pytest.raises(BadInputError) as raised:
        parse_time_argument(text, "--since")
    assert str(raised.value).startswith("--since: ")
    assert repr(text) in str(raised.value) or text in str(raised.value)


def test_none_passes_through_and_formatting_round_trips():
    assert parse_time_argument(None, "--at") is None
    assert format_time_value(None) is None
    for seconds in (0.0, 117000.0, 172830.0):
        assert parse_time_argument(format_time_value(seconds), "--at") == seconds
