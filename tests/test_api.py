"""The public API: what is exported where, one argument style, and its boundary (any
argument gives a result or a ProtocolError, never a Python error from deep inside)."""

from __future__ import annotations

import enum
import importlib
import inspect
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from types import MappingProxyType, ModuleType
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import aclf_protocol
from aclf_protocol import InvalidValueError, ProtocolError
from aclf_protocol.eligibility import screen, summarise_screening
from aclf_protocol.patient import age_years
from aclf_protocol.schedule import build_plan, check_adherence, date_of_study_day, safety_window_end
from aclf_protocol.stop_rules import evaluate_stop_rules
from tests.fixtures import assert_golden, refusal, unchecked
from tests.strategies import json_values, study_dates

#: The modules a caller imports from, beside the top level (docs/index.md).
MODULES: tuple[ModuleType, ...] = tuple(
    importlib.import_module(f"aclf_protocol.{name}")
    for name in (
        "amendment",
        "dosing",
        "eligibility",
        "enrolment",
        "errors",
        "patient",
        "protocol",
        "reports",
        "safety",
        "schedule",
        "schema",
        "scores",
        "sdtm",
        "stop_rules",
    )
)

#: Every public function of those modules, by qualified name: each is fuzzed below. The CLI's
#: text layer (``reports``) renders values the library made and is fuzzed through the CLI.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    f"{module.__name__.removeprefix('aclf_protocol.')}.{name}": getattr(module, name)
    for module in MODULES
    if module.__name__ != "aclf_protocol.reports"
    for name in module.__all__
    if inspect.isfunction(getattr(module, name))
    and getattr(module, name).__module__.startswith(module.__name__)
}


class TestCuratedSurface:
    """The top level holds the contract's names and the types they return; no more."""

    def test_about_forty_names_sorted(self) -> None:
        names = aclf_protocol.__all__
        assert 35 <= len(names) <= 45
        assert len(set(names)) == len(names)

    def test_the_contract_names_are_there(self) -> None:
        """docs/protocol.md §10: the models and entry points embedding systems call."""
        contract = {
            "Protocol", "NCT04822922", "Arm", "Patient", "InfusionPlan", "Infusion",
            "SafetyEvent", "ProtocolError", "check_eligibility", "cells_per_infusion",
            "plan_infusions", "organ_failures", "clif_c_of", "aclf_grade", "clif_c_aclf",
            "meld", "meld_na", "evaluate_stop_rules", "select_expansion_arm",
        }  # fmt: skip
        assert contract <= set(aclf_protocol.__all__)

    @pytest.mark.parametrize("name", [n for n in aclf_protocol.__all__ if n != "__version__"])
    def test_each_top_level_name_is_exported_by_its_module(self, name: str) -> None:
        """No name is exported at one level and hidden at the other."""
        obj = getattr(aclf_protocol, name)
        home = importlib.import_module(getattr(obj, "__module__", "aclf_protocol.protocol"))
        owner = next(m for m in MODULES if home.__name__.startswith(m.__name__))
        assert name in owner.__all__

    @pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
    def test_each_module_exports_every_public_name_it_defines(self, module: ModuleType) -> None:
        """A class or function without a leading underscore is in its module's ``__all__``."""
        defined = {
            name
            for name, obj in vars(module).items()
            if not name.startswith("_")
            and "__mutmut" not in name  # a mutation run's trampolines
            and (inspect.isclass(obj) or inspect.isfunction(obj))
            and getattr(obj, "__module__", "").startswith(module.__name__)
        }
        assert defined <= set(module.__all__)
        assert all(hasattr(module, name) for name in module.__all__)


class TestArgumentStyle:
    """One order and one style for the common arguments of every public function."""

    @pytest.mark.parametrize("name", sorted(FUNCTIONS))
    def test_protocol_is_keyword_only_and_last(self, name: str) -> None:
        params = list(inspect.signature(FUNCTIONS[name]).parameters.values())
        names = [p.name for p in params]
        if "protocol" in names:
            assert names[-1] == "protocol"
            assert params[-1].kind is inspect.Parameter.KEYWORD_ONLY

    @pytest.mark.parametrize("name", sorted(FUNCTIONS))
    def test_on_is_the_last_positional_argument(self, name: str) -> None:
        """``on`` (the date a result is computed as of) may be passed by position or name."""
        params = list(inspect.signature(FUNCTIONS[name]).parameters.values())
        positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
        # study_day(on, reference): there *on* is the date converted, followed by its reference.
        if "on" in {p.name for p in params} and name != "schedule.study_day":
            assert positional[-1] == "on"

    def test_study_day_and_its_date_take_the_reference_second(self) -> None:
        """§0: ``study_day(on, reference)`` and ``date_of_study_day(day, reference)``."""
        from aclf_protocol.schedule import study_day

        start = date(2021, 9, 30)
        assert study_day(date_of_study_day(4, start), start) == 4
        assert list(inspect.signature(study_day).parameters)[1] == "reference"
        assert list(inspect.signature(date_of_study_day).parameters)[1] == "reference"
        # The old order is refused, never silently answered.
        assert isinstance(
            refusal(lambda: date_of_study_day(unchecked(start), unchecked(4))), ProtocolError
        )


def _mappings(value: Any) -> Iterator[tuple[str, object]]:
    """Every mapping a result exposes: its fields and its properties, one level down."""
    cls = type(value)
    names = [a.name for a in attrs.fields(cls) if not a.name.startswith("_")]
    names += [n for n, v in vars(cls).items() if isinstance(v, property) and not n.startswith("_")]
    for name in names:
        item = getattr(value, name)
        if isinstance(item, Mapping):
            yield name, item


class TestReadOnlyResults:
    """Where a result exposes a mapping, it is read-only (a result is a value)."""

    def test_every_mapping_of_the_example_results_is_read_only(self) -> None:
        from aclf_protocol.demo import run_demo

        report = run_demo()
        results: list[object] = [result for _, result in report.screening]
        results += [evaluation for _, evaluation in report.safety]
        results.append(summarise_screening(r for r in results[: len(report.screening)]))  # type: ignore[misc]
        seen = 0
        for result in results:
            for name, mapping in _mappings(result):
                seen += 1
                assert isinstance(mapping, MappingProxyType), (type(result).__name__, name)
        assert seen >= 10

    def test_score_mappings_are_read_only(self) -> None:
        from aclf_protocol.examples import patient_records
        from aclf_protocol.patient import Patient
        from aclf_protocol.scores import organ_failures, organ_subscores

        labs = Patient.from_dict(patient_records()[0]).labs
        assert isinstance(organ_failures(labs), MappingProxyType)
        assert isinstance(organ_subscores(labs), MappingProxyType)


def test_enums_are_plain_enums() -> None:
    """Enums do not equal raw strings (unparsed input cannot slip through)."""
    for module in MODULES:
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) and issubclass(obj, enum.Enum):
                assert not issubclass(obj, str), name


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
    """The §10 entry points are among the fuzzed functions."""
    for name in ("check_eligibility", "cells_per_infusion", "plan_infusions", "meld"):
        assert any(qualified.endswith(f".{name}") for qualified in FUNCTIONS)
    assert "stop_rules.evaluate_stop_rules" in FUNCTIONS
    assert len(FUNCTIONS) >= 50


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
        lambda: evaluate_stop_rules(unchecked(5), [], on=date(2021, 10, 1)),
        "plans",
        5,
    ),
    (
        "screen: no patients",
        lambda: list(screen(unchecked(None), date(2021, 10, 1))),
        "patients",
        None,
    ),
    (
        "check_adherence: a dict for the plan",
        lambda: check_adherence(unchecked({}), unchecked({})),
        "plan",
        {},
    ),
    (
        "safety_window_end: text for the start",
        lambda: safety_window_end(unchecked("2021-10-01")),
        "start",
        "2021-10-01",
    ),
    (
        "age_years: no screening date",
        lambda: age_years(date(1970, 1, 1), unchecked(None)),
        "on",
        None,
    ),
    (
        "date_of_study_day: past year 9999",
        lambda: date_of_study_day(10**8, date(2021, 1, 1)),
        "study_day",
        10**8,
    ),
    (
        "date_of_study_day: before year 1",
        lambda: date_of_study_day(-5, date(1, 1, 1)),
        "study_day",
        -5,
    ),
    (
        "safety_window_end: the last day of the calendar",
        lambda: safety_window_end(date.max),
        "start",
        date.max,
    ),
    (
        "build_plan: Day 1 on 9999-12-30",
        lambda: build_plan(patient_id="P", weight_kg=60, arm="low", start=date(9999, 12, 30)),
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
