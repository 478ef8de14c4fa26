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
from aclf_protocol import InvalidValueError, ProtocolError
from tests.fixtures import assert_golden, refusal, unchecked
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


#: Arguments that once escaped as TypeError or AttributeError, and the ends of the calendar:
#: (what, the call, the path the refusal names, the value it shows).
REFUSALS: list[tuple[str, Callable[[], object], str, object]] = [
    (
        "evaluate_stop_rules: a number for the plans",
        lambda: aclf_protocol.evaluate_stop_rules(unchecked(5), [], on=date(2021, 10, 1)),
        "plans",
        5,
    ),
    (
        "screen: no patients",
        lambda: list(aclf_protocol.screen(unchecked(None), date(2021, 10, 1))),
        "patients",
        None,
    ),
    (
        "check_adherence: a dict for the plan",
        lambda: aclf_protocol.check_adherence(unchecked({}), unchecked({})),
        "plan",
        {},
    ),
    (
        "safety_window_end: text for the start",
        lambda: aclf_protocol.safety_window_end(unchecked("2021-10-01")),
        "start",
        "2021-10-01",
    ),
    (
        "age_years: no screening date",
        lambda: aclf_protocol.age_years(date(1970, 1, 1), unchecked(None)),
        "on",
        None,
    ),
    (
        "date_of_study_day: past year 9999",
        lambda: aclf_protocol.date_of_study_day(10**8, date(2021, 1, 1)),
        "study_day",
        10**8,
    ),
    (
        "date_of_study_day: before year 1",
        lambda: aclf_protocol.date_of_study_day(-5, date(1, 1, 1)),
        "study_day",
        -5,
    ),
    (
        "safety_window_end: the last day of the calendar",
        lambda: aclf_protocol.safety_window_end(date.max),
        "start",
        date.max,
    ),
    (
        "build_plan: Day 1 on 9999-12-30",
        lambda: aclf_protocol.build_plan(
            patient_id="P", weight_kg=60, arm="low", start=date(9999, 12, 30)
        ),
        "study_day",
        4,
    ),
]


@pytest.mark.parametrize(
    ("call", "field", "value"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_refusals_name_the_argument(call: Callable[[], object], field: str, value: object) -> None:
    """A bad argument or a date past the calendar's ends is refused by name and value (§0)."""
    err = refusal(call)
    assert isinstance(err, InvalidValueError)
    assert (err.field, err.value) == (field, value)


def test_refusal_messages() -> None:
    """Each refusal's message, one line each: the path, the rule and the value (§0)."""
    text = "".join(f"{title}: {refusal(call)}\n" for title, call, _, _ in REFUSALS)
    assert_golden("api/refusals.txt", text)
