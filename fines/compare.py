"""Side-by-side comparison of 2 to 6 decisions: ranks, ratios and the fine against the GDPR maximum."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from .currency import ConversionError, ecb_rate
from .models import REFERENCE_PREFIX, AppealEvent, Decision, Organisation, reference_number
from .vocabularies import LegalBasis, Status

MINIMUM = 2
MAXIMUM = 6
# Art. 83(5) GDPR: up to EUR 20 million or 4 % of the worldwide annual turnover, whichever is higher.
FIXED_MAXIMUM_EUR = Decimal(20_000_000)
TURNOVER_SHARE = Decimal("0.04")


class SelectionError(ValueError):
    pass


def selection_parse(values: list[str]) -> list[int]:
    """Decision numbers from ``fines=FT-1,FT-2`` (or the parameter repeated), in order, without repeats."""
    numbers: list[int] = []
    for value in values:
        for token in filter(None, (part.strip() for part in value.split(","))):
            number = reference_number(token)
            if number is None:
                raise SelectionError(
                    _("“%(token)s” is not a finetracker reference such as FT-1.") % {"token": token[:40]}
                )
            if number not in numbers:
                numbers.append(number)
    if len(numbers) > MAXIMUM:
        raise SelectionError(
            _("A comparison holds at most %(maximum)d decisions; this one asks for %(count)d.")
            % {"maximum": MAXIMUM, "count": len(numbers)}
        )
    return numbers


def selection_text(numbers: list[int]) -> str:
    return ",".join(f"{REFERENCE_PREFIX}{number}" for number in numbers)


@dataclass(frozen=True)
class Turnover:
    organisation: Organisation
    amount_eur: Decimal
    rate_date: datetime.date | None

    @property
    def maximum_eur(self) -> Decimal:
        return gdpr_maximum(self.amount_eur)


def gdpr_maximum(turnover_eur: Decimal | None) -> Decimal:
    """The highest fine Art. 83(5) GDPR allows an undertaking with this worldwide annual turnover."""
    if turnover_eur is None:
        return FIXED_MAXIMUM_EUR
    return max(FIXED_MAXIMUM_EUR, (turnover_eur * TURNOVER_SHARE).quantize(Decimal("0.01")))


def turnover_of(organisation: Organisation) -> Turnover | None:
    """The recorded turnover of the organisation, else of its group, in EUR at the ECB rate of its year's end."""
    for candidate in (organisation, organisation.parent):
        if candidate is None or candidate.turnover is None:
            continue
        if candidate.turnover_currency == "EUR":
            return Turnover(candidate, candidate.turnover, None)
        try:
            rate = ecb_rate(candidate.turnover_currency, datetime.date(candidate.turnover_year, 12, 31))
        except ConversionError:
            return None
        return Turnover(candidate, rate.to_eur(candidate.turnover), rate.date)
    return None


@dataclass(frozen=True)
class Compared:
    decision: Decision
    rank: int | None  # among all published fines, by EUR amount; None for a notice of intent
    fines: int
    country_rank: int | None
    country_fines: int
    turnover: Turnover | None

    @property
    def latest_appeal(self) -> AppealEvent | None:
        appeals = list(self.decision.appeals.all())
        return appeals[-1] if appeals else None

    @property
    def turnover_applies(self) -> bool:
        """Art. 83(5) counts the turnover of the financial year before the decision; another year does not do."""
        decided = self.decision.decision_date
        return bool(self.turnover and decided and self.turnover.organisation.turnover_year == decided.year - 1)

    @property
    def share_of_maximum(self) -> Decimal | None:
        """The fine as a share of the Art. 83(5) maximum, where the turnover of the right year is known."""
        if not self.turnover_applies or self.decision.amount_eur is None:
            return None
        if self.decision.legal_basis != LegalBasis.GDPR or self.decision.status == Status.PROPOSED:
            return None
        return self.decision.amount_eur / self.turnover.maximum_eur

    @property
    def maximum_is_the_floor(self) -> bool:
        return self.turnover is not None and self.turnover.maximum_eur == FIXED_MAXIMUM_EUR


def _ranked(decision: Decision) -> bool:
    return decision.status != Status.PROPOSED and decision.amount_eur is not None


def decisions_compare(decisions: list[Decision]) -> list[Compared]:
    """Each decision with its rank among all published fines and among its country's, in one query."""
    fines = Decision.objects.published().fines().filter(amount_eur__isnull=False)
    counts: dict[str, Count] = {"all": Count("pk")}
    for index, decision in enumerate(decisions):
        country = decision.authority.country
        counts[f"country_{index}"] = Count("pk", filter=Q(authority__country=country))
        if _ranked(decision):
            counts[f"above_{index}"] = Count("pk", filter=Q(amount_eur__gt=decision.amount_eur))
            counts[f"country_above_{index}"] = Count(
                "pk", filter=Q(amount_eur__gt=decision.amount_eur, authority__country=country)
            )
    figures = fines.aggregate(**counts)
    return [
        Compared(
            decision=decision,
            rank=figures[f"above_{index}"] + 1 if _ranked(decision) else None,
            fines=figures["all"],
            country_rank=figures[f"country_above_{index}"] + 1 if _ranked(decision) else None,
            country_fines=figures[f"country_{index}"],
            turnover=turnover_of(decision.organisation),
        )
        for index, decision in enumerate(decisions)
    ]


@dataclass(frozen=True)
class Ratio:
    larger: Decision
    smaller: Decision
    ratio: Decimal  # rounded to one decimal


def ratios(decisions: list[Decision]) -> list[Ratio]:
    """The largest fine against each of the others (by EUR amount); nothing against a zero or unknown amount,
    and nothing for a notice of intent, which is not a fine."""
    known = sorted(
        (decision for decision in decisions if decision.amount_eur and decision.status != Status.PROPOSED),
        key=lambda decision: decision.amount_eur,
        reverse=True,
    )
    if len(known) < 2:
        return []
    largest = known[0]
    return [
        Ratio(
            larger=largest,
            smaller=other,
            ratio=(largest.amount_eur / other.amount_eur).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
        )
        for other in known[1:]
    ]
