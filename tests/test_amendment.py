"""The protocol in words and what an amendment changes (aclf_protocol.amendment, SPEC §1 v2)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from aclf_protocol import NCT04822922, InvalidValueError, Protocol, ProtocolError
from aclf_protocol.amendment import (
    FIELD_LABELS,
    Change,
    ChangeKind,
    describe_protocol,
    protocol_changes,
)
from aclf_protocol.protocol import Arm, Criterion, CriterionKind, DayWindow
from tests.fixtures import assert_golden
from tests.strategies import protocols

FIELDS = tuple(f.name for f in attrs.fields(Protocol))
#: The fields described under their label (the header line names the rest).
DESCRIBED = tuple(n for n in FIELDS if n not in {"nct_id", "version", "effective_date", "title"})


def evolve(**changes: Any) -> Protocol:
    return attrs.evolve(NCT04822922, **changes)


def paths(old: Protocol, new: Protocol) -> list[str]:
    return [c.path for c in protocol_changes(old, new)]


def with_day(index: int, **changes: Any) -> Protocol:
    days = list(NCT04822922.infusion_days)
    days[index] = attrs.evolve(days[index], **changes)
    return evolve(infusion_days=days)


#: The example amendment of issue 11 (docs/protocols/nct04822922-2.0.toml): age limit 75, the
#: Day 4 window ±2 days, version 2.0, effective 2022-03-01.
AMENDMENT = attrs.evolve(
    with_day(1, days_before=2, days_after=2),
    max_age_years=75,
    version="2.0",
    effective_date=date(2022, 3, 1),
)


class TestDescribeProtocol:
    """§1 v2: the protocol in words names every field, for a training or an ethics submission."""

    def test_the_built_in_in_words(self) -> None:
        assert_golden(
            "amendment/describe_nct04822922.txt", "\n".join(describe_protocol(NCT04822922)) + "\n"
        )

    def test_the_header_names_trial_version_and_effective_date(self) -> None:
        lines = describe_protocol(AMENDMENT)
        assert lines[0] == "NCT04822922 version 2.0, effective 2022-03-01"
        assert lines[1] == NCT04822922.title

    def test_every_field_has_a_label(self) -> None:
        """A new Protocol field needs a readable label here (else it shows by its name)."""
        assert set(FIELD_LABELS) == set(FIELDS)

    @pytest.mark.parametrize("name", DESCRIBED)
    def test_every_field_is_described(self, name: str) -> None:
        assert (
            sum(line.startswith(FIELD_LABELS[name]) for line in describe_protocol(NCT04822922)) == 1
        )

    def test_arms_days_visits_and_criteria_with_their_text(self) -> None:
        text = "\n".join(describe_protocol(NCT04822922))
        assert "  high: high dose, 1,200,000 cells per kg per infusion" in text
        assert "  Infusion 1: Day 1 exactly" in text
        assert "  Infusion 2: Day 4 ±1 day (Day 3 to Day 5)" in text
        assert "  Day 90: Day 90 ±7 days (Day 83 to Day 97)" in text
        assert all(
            f"  {c.criterion_id} ({c.kind.value}): {c.text}" in text for c in NCT04822922.criteria
        )

    def test_values_of_a_variant(self) -> None:
        variant = attrs.evolve(
            with_day(2, days_before=0, days_after=2),
            max_dosing_weight_kg=Decimal("80.5"),
            treatment_period_last_day=14,
            presume_patient_capacity=True,
            eligible_aclf_grades=frozenset({2, 1, 3}),
            follow_up_visits=(),
            criteria=(),
        )
        lines = describe_protocol(variant)
        assert "dose cap weight (kg, §3.2): 80.5" in lines
        assert "last study day of the treatment period (§6.4): 14" in lines
        assert "presume a signing patient's capacity (§5 I3): yes" in lines
        assert "eligible ACLF grades (§5 I2): 1, 2, 3" in lines
        assert "  Infusion 3: Day 7 -0/+2 days (Day 7 to Day 9)" in lines
        assert lines[lines.index("follow-up visits (§4.3):") + 1] == "  none"
        assert lines[lines.index("eligibility criteria (§5):") + 1] == "  none"

    def test_not_a_protocol_is_refused(self) -> None:
        with pytest.raises(InvalidValueError) as caught:
            describe_protocol("NCT04822922")  # type: ignore[arg-type]
        assert caught.value.field == "protocol"


class TestProtocolChanges:
    """§1 v2: an amendment's changes, field by field; listed items matched by id or name."""

    def test_the_example_amendment_changes_four_things(self) -> None:
        """issue 11: the age limit, the Day 4 window, the version and the effective date."""
        changes = protocol_changes(NCT04822922, AMENDMENT)
        assert [c.path for c in changes] == [
            "version",
            "effective_date",
            "infusion_days[1].days_before",
            "infusion_days[1].days_after",
            "max_age_years",
        ]
        assert {c.kind for c in changes} == {ChangeKind.CHANGED}
        assert_golden(
            "amendment/example_amendment.txt", "".join(f"{c.path}: {c.reason}\n" for c in changes)
        )

    def test_equal_protocols_have_no_changes(self) -> None:
        assert protocol_changes(NCT04822922, evolve()) == ()

    def test_old_and_new_values(self) -> None:
        [change] = protocol_changes(NCT04822922, evolve(max_age_years=75))
        assert (change.path, change.old, change.new) == ("max_age_years", 70, 75)
        assert change.reason == "maximum age (years, §5 I1): 70 → 75"

    def test_a_reordering_is_one_change(self) -> None:
        criteria = NCT04822922.criteria
        reordered = evolve(criteria=(criteria[1], criteria[0], *criteria[2:]))
        [change] = protocol_changes(NCT04822922, reordered)
        assert (change.path, change.kind) == ("criteria", ChangeKind.REORDERED)
        assert change.new[:2] == ("I2", "I1")  # type: ignore[index]

    def test_a_removed_criterion_is_one_change_at_its_old_index(self) -> None:
        dropped = evolve(criteria=tuple(c for c in NCT04822922.criteria if c.criterion_id != "E6"))
        [change] = protocol_changes(NCT04822922, dropped)
        assert (change.path, change.kind, change.new) == ("criteria[8]", ChangeKind.REMOVED, None)
        assert change.old == NCT04822922.criterion("E6")

    def test_an_added_arm_and_a_changed_dose(self) -> None:
        arms = list(NCT04822922.arms)
        arms[2] = attrs.evolve(arms[2], dose_per_kg=1_500_000)
        arms.append(Arm(arm_id="top", label="top dose", dose_per_kg=2_000_000))
        changes = protocol_changes(NCT04822922, evolve(arms=arms))
        assert [(c.path, c.kind) for c in changes] == [
            ("arms[2].dose_per_kg", ChangeKind.CHANGED),
            ("arms[3]", ChangeKind.ADDED),
        ]
        assert changes[0].reason == "arm high cells per kg per infusion: 1,200,000 → 1,500,000"

    def test_a_reworded_criterion(self) -> None:
        i1 = attrs.evolve(NCT04822922.criterion("I1"), text="Age 18-75 years old")
        [change] = protocol_changes(NCT04822922, evolve(criteria=(i1, *NCT04822922.criteria[1:])))
        assert change.path == "criteria[0].text"

    def test_repeated_names_are_compared_by_position(self) -> None:
        visits = tuple(attrs.evolve(v, name="visit") for v in NCT04822922.follow_up_visits)
        wider = list(visits)
        wider[3] = attrs.evolve(wider[3], days_after=10)
        assert paths(evolve(follow_up_visits=visits), evolve(follow_up_visits=wider)) == [
            "follow_up_visits[3].days_after"
        ]

    def test_a_removed_visit_and_an_added_one(self) -> None:
        visits = NCT04822922.follow_up_visits
        new = (*visits[:3], DayWindow(name="Day 180", study_day=180, days_before=14, days_after=14))
        changes = protocol_changes(NCT04822922, evolve(follow_up_visits=new))
        assert [(c.path, c.kind) for c in changes] == [
            ("follow_up_visits[3]", ChangeKind.REMOVED),
            ("follow_up_visits[3]", ChangeKind.ADDED),
        ]
        assert (
            changes[1].reason
            == "follow-up visits (§4.3): added Day 180: Day 180 ±14 days (Day 166 to Day 194)"
        )

    def test_an_optional_field_set(self) -> None:
        [change] = protocol_changes(NCT04822922, evolve(max_dosing_weight_kg=Decimal(80)))
        assert (change.old, change.new) == (None, Decimal(80))
        assert change.reason == "dose cap weight (kg, §3.2): none → 80"

    @pytest.mark.parametrize("side", ["old", "new"])
    def test_not_a_protocol_is_refused(self, side: str) -> None:
        args: dict[str, Any] = {"old": NCT04822922, "new": NCT04822922, side: {"nct_id": "x"}}
        with pytest.raises(ProtocolError) as caught:
            protocol_changes(**args)
        assert caught.value.to_dict()["code"] == "invalid_value"
        assert caught.value.field == side  # type: ignore[attr-defined]


class TestChangeRecords:
    """A change is a JSON-compatible record: path, kind, old, new, reason."""

    def test_to_dict_of_every_kind_of_value(self) -> None:
        criteria = NCT04822922.criteria
        new = attrs.evolve(
            AMENDMENT,
            max_dosing_weight_kg=Decimal("80.5"),
            eligible_aclf_grades=frozenset({1, 2, 3}),
            criteria=(
                *criteria[:-1],
                Criterion(criterion_id="E8", kind=CriterionKind.EXCLUSION, text="x"),
            ),
        )
        records = [c.to_dict() for c in protocol_changes(NCT04822922, new)]
        assert json.loads(json.dumps(records)) == records
        by_path = {r["path"]: r for r in records}
        assert by_path["effective_date"]["new"] == "2022-03-01"
        assert by_path["max_dosing_weight_kg"]["new"] == 80.5
        assert by_path["eligible_aclf_grades"]["new"] == [1, 2, 3]
        assert by_path["criteria[9]"]["kind"] == "added"
        assert by_path["criteria[9]"]["new"] == {
            "criterion_id": "E8",
            "kind": "exclusion",
            "text": "x",
        }
        assert list(by_path["version"]) == ["path", "kind", "old", "new", "reason"]

    def test_a_change_is_a_frozen_value(self) -> None:
        [change] = protocol_changes(NCT04822922, evolve(version="2.0"))
        assert change == Change(
            path="version", kind=ChangeKind.CHANGED, old="1.0", new="2.0", reason=change.reason
        )
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            change.path = "x"  # type: ignore[misc]


#: Valid new values of scalar fields, each alone (min_age <= max_age is kept by the bounds).
SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "version": st.sampled_from(["1.1", "2.0", "2.0-rc1"]),
    "effective_date": st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    "title": st.sampled_from(["Amended title", "UC-MSC for ACLF"]),
    "site_id": st.sampled_from(["RJ", "RJ2", "SH"]),
    "max_weight_kg": st.integers(1, 350).map(Decimal),
    "max_dosing_weight_kg": st.none() | st.integers(1, 350).map(Decimal),
    "dose_tolerance_percent": st.integers(0, 100).map(Decimal),
    "min_interval_days": st.integers(0, 3),
    "safety_window_months": st.integers(1, 12),
    "min_age_years": st.integers(0, 70),
    "max_age_years": st.integers(18, 150),
    "eligible_aclf_grades": st.frozensets(st.integers(0, 3)),
    "drug_trial_lookback_months": st.integers(0, 24),
    "presume_patient_capacity": st.booleans(),
    "treatment_period_last_day": st.none() | st.integers(1, 60),
    "other_susar_days": st.integers(0, 365),
    "stage1_per_arm": st.integers(1, 10),
    "max_screening_age_days": st.integers(0, 60),
}


@st.composite
def variants(draw: st.DrawFn) -> tuple[Protocol, set[str]]:
    """A variant of NCT04822922 and the paths that differ from it (some scalars, one day)."""
    names = draw(st.sets(st.sampled_from(sorted(SCALARS))))
    changes = {n: draw(SCALARS[n]) for n in names}
    expected = {n for n, v in changes.items() if getattr(NCT04822922, n) != v}
    days = list(NCT04822922.infusion_days)
    index = draw(st.integers(1, len(days) - 1))
    before, after = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    days[index] = attrs.evolve(days[index], days_before=before, days_after=after)
    expected |= {
        f"infusion_days[{index}].{name}"
        for name, value in (("days_before", before), ("days_after", after))
        if getattr(NCT04822922.infusion_days[index], name) != value
    }
    try:
        variant = evolve(infusion_days=days, **changes)
    except ProtocolError:
        assume(False)
    return variant, expected


class TestChangeLaws:
    """Laws: no changes exactly when equal; each evolved field is reported, and only those."""

    @given(variants())
    def test_the_changed_fields_and_nothing_else(self, case: tuple[Protocol, set[str]]) -> None:
        variant, expected = case
        found = paths(NCT04822922, variant)
        assert sorted(found) == sorted(expected)
        assert (found == []) == (variant == NCT04822922)

    @given(variants())
    def test_a_protocol_has_no_changes_from_itself(self, case: tuple[Protocol, set[str]]) -> None:
        variant, _ = case
        assert protocol_changes(variant, variant) == ()

    @given(variants())
    def test_changes_back_mirror_changes_forth(self, case: tuple[Protocol, set[str]]) -> None:
        variant, _ = case
        forth = protocol_changes(NCT04822922, variant)
        back = protocol_changes(variant, NCT04822922)
        assert [(c.path, c.old, c.new) for c in back] == [(c.path, c.new, c.old) for c in forth]

    @given(protocols())
    def test_no_changes_exactly_when_equal(self, new: Protocol) -> None:
        """Over amendments as `protocols()` writes them: other arms, days, criteria, numbers."""
        assert protocol_changes(new, attrs.evolve(new)) == ()
        assert (protocol_changes(NCT04822922, new) == ()) == (new == NCT04822922)
        assert (protocol_changes(new, NCT04822922) == ()) == (new == NCT04822922)

    @given(protocols())
    def test_every_variant_is_described(self, p: Protocol) -> None:
        lines = describe_protocol(p)
        assert lines[0] == f"{p.nct_id} version {p.version}, effective {p.effective_date}"
        assert all(any(line.startswith(FIELD_LABELS[n]) for line in lines) for n in DESCRIBED)
