"""aclf_protocol: the protocol of trial NCT04822922 (UC-MSC for ACLF) as tested Python.

The names here are the public contract (docs/protocol.md §10): the models, the entry points
that embedding systems call, and the result, enum and error types those return. Everything else
lives in its module, each with its own ``__all__``: ``aclf_protocol.dosing``, ``.schedule``,
``.eligibility``, ``.scores``, ``.safety``, ``.stop_rules``, ``.enrolment``, ``.sdtm``,
``.schema``, ``.patient``, ``.protocol``, ``.errors`` (docs/index.md lists what each is for).

``__version__`` is read from the installed package's metadata, so the version is written once,
in ``pyproject.toml`` (docs/dev/decisions.md D-VERSION).
"""

from aclf_protocol.dosing import cells_per_infusion
from aclf_protocol.eligibility import (
    CriterionResult,
    EligibilityResult,
    EligibilityStatus,
    Outcome,
    check_eligibility,
)
from aclf_protocol.enrolment import ExpansionOutcome, ExpansionSelection, select_expansion_arm
from aclf_protocol.errors import (
    InconsistentRecordError,
    InvalidRecordError,
    InvalidValueError,
    ProtocolError,
    UnknownKeyError,
)
from aclf_protocol.patient import Consent, History, Labs, Patient, Sex
from aclf_protocol.protocol import NCT04822922, Arm, Protocol, protocol_in_force
from aclf_protocol.safety import (
    Causality,
    ObligationKind,
    ReportingObligation,
    SafetyEvent,
    Seriousness,
)
from aclf_protocol.schedule import Infusion, InfusionPlan, plan_infusions
from aclf_protocol.scores import (
    aclf_grade,
    child_pugh,
    child_pugh_class,
    clif_c_aclf,
    clif_c_of,
    meld,
    meld_na,
    organ_failures,
)
from aclf_protocol.stop_rules import StopRuleEvaluation, StudyDecision, Trigger, evaluate_stop_rules


def __getattr__(name: str) -> str:
    """``__version__``, looked up in the package metadata when asked for (PEP 562).

    Reading the metadata costs about a quarter of the import time, so the import does not
    pay it; nothing is cached.
    """
    if name == "__version__":
        from importlib import metadata as _metadata  # noqa: PLC0415 - only when asked

        try:
            return _metadata.version("aclf-protocol")
        except _metadata.PackageNotFoundError:  # pragma: no cover - a source tree never installed
            return "0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "NCT04822922",
    "Arm",
    "Causality",
    "Consent",
    "CriterionResult",
    "EligibilityResult",
    "EligibilityStatus",
    "ExpansionOutcome",
    "ExpansionSelection",
    "History",
    "InconsistentRecordError",
    "Infusion",
    "InfusionPlan",
    "InvalidRecordError",
    "InvalidValueError",
    "Labs",
    "ObligationKind",
    "Outcome",
    "Patient",
    "Protocol",
    "ProtocolError",
    "ReportingObligation",
    "SafetyEvent",
    "Seriousness",
    "Sex",
    "StopRuleEvaluation",
    "StudyDecision",
    "Trigger",
    "UnknownKeyError",
    "__version__",
    "aclf_grade",
    "cells_per_infusion",
    "check_eligibility",
    "child_pugh",
    "child_pugh_class",
    "clif_c_aclf",
    "clif_c_of",
    "evaluate_stop_rules",
    "meld",
    "meld_na",
    "organ_failures",
    "plan_infusions",
    "protocol_in_force",
    "select_expansion_arm",
]
