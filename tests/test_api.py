"""The public API of SPEC §10 at its boundary: any argument, only ProtocolError."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import aclf_protocol
from aclf_protocol import ProtocolError
from tests.strategies import json_values, study_dates

#: Every public function of the package, by name.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    name: getattr(aclf_protocol, name)
    for name in aclf_protocol.__all__
    if inspect.isfunction(getattr(aclf_protocol, name))
}

#: Arguments a careless caller might pass: any JSON, dates (the calendar's ends included), and
#: lists of them.
junk = json_values | study_dates | st.dates() | st.lists(study_dates, max_size=2)


def _required(function: Callable[..., Any]) -> tuple[list[str], list[str]]:
    """Names of the required positional and keyword-only parameters."""
    params = inspect.signature(function).parameters.values()
    empty = inspect.Parameter.empty
    positional = [
        p.name
        for p in params
        if p.default is empty and p.kind in {p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD}
    ]
    keyword = [p.name for p in params if p.default is empty and p.kind is p.KEYWORD_ONLY]
    return positional, keyword


def _consume(result: object) -> None:
    """Run a lazy result (``screen``) to the end, so its errors surface here."""
    if isinstance(result, Iterator):
        for _ in result:
            pass


def test_every_public_function_is_covered() -> None:
    """The SPEC §10 entry points are among the fuzzed functions."""
    for name in ("check_eligibility", "cells_per_infusion", "plan_infusions", "meld"):
        assert name in FUNCTIONS
    assert "evaluate_stop_rules" in FUNCTIONS


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@given(data=st.data())
def test_junk_arguments_raise_protocol_error_only(name: str, data: st.DataObject) -> None:
    """Any JSON value, date or list as each required argument: a result or a ProtocolError,
    never TypeError, AttributeError or KeyError from deep inside (§0)."""
    function = FUNCTIONS[name]
    positional, keyword = _required(function)
    args = [data.draw(junk, label=p) for p in positional]
    kwargs = {k: data.draw(junk, label=k) for k in keyword}
    try:
        _consume(function(*args, **kwargs))
    except ProtocolError as err:
        message = str(err)  # the message must print, too
    else:
        message = "accepted"
    assert message


def test_known_escapes_stay_fixed() -> None:
    """Arguments that once escaped as TypeError or AttributeError now name the argument."""
    with pytest.raises(ProtocolError, match=r"^plans: "):
        aclf_protocol.evaluate_stop_rules(5, [], on=date(2021, 10, 1))  # type: ignore[arg-type]
    with pytest.raises(ProtocolError, match=r"^patients: "):
        list(aclf_protocol.screen(None, date(2021, 10, 1)))  # type: ignore[arg-type]
    with pytest.raises(ProtocolError, match=r"^plan: "):
        aclf_protocol.check_adherence({}, {})  # type: ignore[arg-type]
    with pytest.raises(ProtocolError, match=r"^start: "):
        aclf_protocol.safety_window_end("2021-10-01")  # type: ignore[arg-type]
    with pytest.raises(ProtocolError, match=r"^on: "):
        aclf_protocol.age_years(date(1970, 1, 1), None)  # type: ignore[arg-type]


def test_the_ends_of_the_calendar() -> None:
    """A study day or window past year 9999 (or before year 1) is refused by name (§0)."""
    with pytest.raises(ProtocolError, match=r"^study_day: gives a date outside the calendar"):
        aclf_protocol.date_of_study_day(date(2021, 1, 1), 10**8)
    with pytest.raises(ProtocolError, match=r"^study_day: gives a date outside the calendar"):
        aclf_protocol.date_of_study_day(date(1, 1, 1), -5)
    with pytest.raises(ProtocolError, match=r"^start: gives a date outside the calendar"):
        aclf_protocol.safety_window_end(date.max)
    last_day = date(9999, 12, 30)
    with pytest.raises(ProtocolError, match="outside the calendar"):
        aclf_protocol.build_plan(patient_id="P", weight_kg=60, arm="low", start=last_day)
