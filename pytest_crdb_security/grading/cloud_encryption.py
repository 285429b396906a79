"""Grading of customer-managed encryption keys (CMEK), region by region and key by key."""

from __future__ import annotations

from collections.abc import Sequence

from pytest_crdb_security.context import CloudPlan
from pytest_crdb_security.grading.text import join_names
from pytest_crdb_security.parsing.cloud import CmekConfig, CmekKey, CmekRegion
from pytest_crdb_security.verdicts import CouldNotEvaluate, Grade, Verdict

ENABLED = "ENABLED"
DISABLED = "DISABLED"
# A key or region in one of these states does not protect the data as configured.
BROKEN = frozenset({"ENABLE_FAILED", "ROTATE_FAILED", "DISABLE_FAILED", "REVOKE_FAILED", "REVOKED"})
TRANSITIONAL = frozenset({"ENABLING", "ROTATING", "REVOKING", "DISABLING"})
KNOWN = BROKEN | TRANSITIONAL | {ENABLED, DISABLED}

_RANK = {Verdict.PASS: 0, Verdict.WARN: 1, Verdict.FAIL: 2}


def _state(status: str) -> Verdict:
    if status == ENABLED:
        return Verdict.PASS
    if status in TRANSITIONAL or status not in KNOWN:
        return Verdict.WARN
    return Verdict.FAIL


def _key_text(key: CmekKey) -> str:
    message = f" ({key.user_message.strip()})" if key.user_message.strip() else ""
    return f"{key.key_type or 'key'} {key.status or 'without status'}{message}"


def grade_region(region: CmekRegion) -> tuple[Verdict, str]:
    """Grade one region: its own status and the status of every key it lists.

    FAIL: the region or a key is failed or revoked, the region is DISABLED, or no key is
    ENABLED. WARN: a transitional or unrecognized status. PASS: the region and at least
    one key are ENABLED and nothing is broken.
    """
    name = region.region
    verdicts = [_state(region.status)] + [_state(key.status) for key in region.keys]
    enabled_keys = [key for key in region.keys if key.status == ENABLED]
    keys = "; ".join(_key_text(key) for key in region.keys) or "no keys"
    worst = max(verdicts, key=lambda verdict: _RANK[verdict])
    if worst is Verdict.FAIL or (not enabled_keys and worst is Verdict.PASS):
        return Verdict.FAIL, f"{name}: region {region.status or 'without status'}, {keys}"
    if worst is Verdict.WARN:
        return Verdict.WARN, f"{name}: region {region.status or 'without status'}, {keys}"
    types = join_names(sorted({key.key_type or "key" for key in enabled_keys}))
    return Verdict.PASS, f"{name} ({types})"


def grade_cmek(plan: CloudPlan, cmek: CmekConfig | None, cluster_regions: Sequence[str]) -> Grade:
    """Grade CMEK by plan, per region and per key.

    Standard: INFO, because CMEK needs the Advanced plan. On Advanced, FAIL with rule
    ``cmek_missing`` when CMEK is not configured (404) or DISABLED, when any region or key
    is failed or revoked (even under a cluster status of ENABLED), or when a cluster
    region has no CMEK entry. WARN while a region or key is ENABLING, ROTATING, REVOKING
    or DISABLING. PASS when every region has an ENABLED key.
    """
    if plan is not CloudPlan.ADVANCED:
        return Grade(
            Verdict.INFO,
            f"CMEK is available only on the Advanced plan (with the Advanced Security add-on);"
            f" this cluster is on {plan.label}, so moving to Advanced is the upgrade path",
        )
    if cmek is None:
        return Grade(
            Verdict.FAIL,
            "CMEK is not configured (the Cloud API has no CMEK configuration for this"
            " cluster), so the data is not encrypted with a customer-managed key",
            rule="cmek_missing",
        )
    if cmek.status == DISABLED and not any(r.status == ENABLED for r in cmek.regions):
        return Grade(
            Verdict.FAIL,
            "CMEK is DISABLED, so the data is not encrypted with a customer-managed key",
            rule="cmek_missing",
        )

    findings = [grade_region(region) for region in cmek.regions]
    listed = {region.region for region in cmek.regions}
    for name in cluster_regions:
        if name not in listed:
            findings.append((Verdict.FAIL, f"{name}: the cluster region has no CMEK key"))
    if not findings:
        raise CouldNotEvaluate(
            f"the CMEK status is {cmek.status or 'empty'} but the Cloud API lists no region"
            " and the cluster's regions are unknown, so no key can be checked"
        )
    cluster_verdict = _state(cmek.status) if cmek.status else Verdict.WARN
    cluster_text = f"cluster CMEK status {cmek.status or '(none)'}"

    failures = [text for verdict, text in findings if verdict is Verdict.FAIL]
    warnings = [text for verdict, text in findings if verdict is Verdict.WARN]
    if failures or cluster_verdict is Verdict.FAIL:
        return Grade(
            Verdict.FAIL,
            f"CMEK does not protect every region ({cluster_text}): "
            + "; ".join(failures + warnings or [cluster_text]),
            rule="cmek_missing",
        )
    if warnings or cluster_verdict is Verdict.WARN:
        return Grade(
            Verdict.WARN,
            f"CMEK is changing state ({cluster_text}): " + "; ".join(warnings or [cluster_text]),
        )
    passed = [text for verdict, text in findings if verdict is Verdict.PASS]
    return Grade(
        Verdict.PASS, f"CMEK is enabled with an enabled key in every region: {join_names(passed)}"
    )
