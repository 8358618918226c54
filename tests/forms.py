"""What an editor's browser would post to the admin, for tests."""
from fines.models import Authority, Decision, Organisation

STRONG_PASSWORD = "correct-horse-battery-staple-42"


def decision_form_data(decision: Decision, **changes) -> dict:
    """The decision change form as the admin shows it, with its sources inline, and `changes` applied.

    An unticked box is not posted: pass is_published="on" to tick it, drop the key to untick it.
    """
    data = {
        "authority": decision.authority_id,
        "organisation": decision.organisation_id,
        **({"is_published": "on"} if decision.is_published else {}),
        "decision_date": decision.decision_date.isoformat(),
        "date_precision": decision.date_precision,
        "announced_date": "",
        "amount": str(decision.amount),
        "currency": decision.currency,
        "current_amount": str(decision.current_amount),
        "amount_paid": "",
        "status": decision.status,
        "legal_basis": decision.legal_basis,
        "violation_type": "",
        "sector": "",
        "case_number": "",
        "summary": "",
        "external_source": "",
        "external_id": "",
    }
    for prefix, count in (("appeals", decision.appeals.count()), ("sources", decision.sources.count()),
                          ("article_citations", decision.article_citations.count())):
        data.update({f"{prefix}-TOTAL_FORMS": str(count), f"{prefix}-INITIAL_FORMS": str(count),
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    for index, source in enumerate(decision.sources.all()):
        data.update({f"sources-{index}-id": source.pk, f"sources-{index}-decision": decision.pk,
                     f"sources-{index}-url": source.url, f"sources-{index}-title": source.title,
                     f"sources-{index}-language": source.language, f"sources-{index}-kind": source.kind})
    data.update(changes)
    return data


def decision_add_data(
    *, authority: Authority, organisation: Organisation, source_url: str = "https://example.org/press-release",
    **changes,
) -> dict:
    """The empty decision form filled in by an editor: a EUR fine of 15 March 2024 with one source."""
    data = {
        "authority": authority.pk, "organisation": organisation.pk,
        "decision_date": "2024-03-15", "date_precision": "day", "announced_date": "",
        "amount": "2500000", "currency": "EUR", "current_amount": "", "amount_paid": "", "status": "imposed",
        "legal_basis": "gdpr", "violation_type": "", "sector": "", "case_number": "", "summary": "",
        "external_source": "", "external_id": "",
        "sources-TOTAL_FORMS": "1", "sources-0-url": source_url, "sources-0-title": "",
        "sources-0-language": "", "sources-0-kind": "press_release",
    }
    for prefix in ("appeals", "sources", "article_citations"):
        data.setdefault(f"{prefix}-TOTAL_FORMS", "0")
        data.update({f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    return data | changes
