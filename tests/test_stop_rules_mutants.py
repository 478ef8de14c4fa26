"""Stop-rule boundaries that mutation testing showed unpinned (issue #6, docs/mutation.md).

Each test states one rule of §6.4-§6.5 that a surviving mutant of ``aclf_protocol/stop_rules.py``
broke without any test of tests/test_stop_rules.py noticing. The cohort and event helpers are
that module's (RJ-001: Day 1 = 2021-10-01).
"""

from __future__ import annotations

from aclf_protocol import Causality, StudyDecision, evaluate_stop_rules
from tests.test_stop_rules import cohort, d, sae


class TestMutationKills:
    """§6.4, §6.5, R1, R3: the first day of treatment, the day of awareness, what R3 lists."""

    def test_reaction_on_day_1_terminates(self) -> None:
        """§6.4, R1: Day 1 belongs to the treatment period; a reaction that day terminates."""
        result = evaluate_stop_rules(cohort(), [sae("SAE-1", "RJ-001", "10-01")], on=d("10-01"))
        assert result.decision is StudyDecision.TERMINATE

    def test_event_is_known_on_its_awareness_date(self) -> None:
        """§6.5: evaluated on the awareness date the event counts; the day before it is ignored."""
        event = sae("SAE-1", "RJ-001", "10-02", "10-03")
        on_the_day = evaluate_stop_rules(cohort(), [event], on=d("10-03"))
        assert on_the_day.decision is StudyDecision.TERMINATE
        assert on_the_day.ignored == ()
        day_before = evaluate_stop_rules(cohort(), [event], on=d("10-02"))
        assert day_before.decision is StudyDecision.CONTINUE
        assert day_before.ignored == (event,)

    def test_r3_lists_only_serious_unrelated_events(self) -> None:
        """R3: an unrelated event counts for R3 only when it is serious."""
        serious = sae("SAE-1", "RJ-001", "10-02", causality=Causality.UNRELATED)
        mild = sae("AE-2", "RJ-001", "10-02", causality=Causality.UNRELATED, serious=False)
        result = evaluate_stop_rules(cohort(), [serious, mild], on=d("10-03"))
        assert result.decision is StudyDecision.CONTINUE
        assert result.r3_events == (serious,)
