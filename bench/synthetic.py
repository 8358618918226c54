"""The benchmark's synthetic register: seeded decisions with the skew of the real one, written fast.

    python bench/synthetic.py register --scale 1000000        # into DATABASE_URL (migrated, empty)
    python bench/synthetic.py interchange --rows 100000 PATH  # new decisions as an interchange CSV

Run by bench/run.py with DATABASE_URL pointing at the benchmark's own database. A few countries and
authorities hold most decisions, a few thousand organisations have a long tail, amounts are
log-normal up to EUR 1.2bn, dates run from May 2018 to today, some decisions are notices of intent,
some were appealed. Decisions, their articles, sources and appeals go in with COPY; a column this
file does not fill takes the model's default, so that a field added to the model does not break it
(a required field without a default stops the run and names the field).
"""
from __future__ import annotations

import argparse
import bisect
import csv
import datetime
import io
import itertools
import json
import math
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20260525
SOURCE = "bench"  # external_source of every synthetic decision
IMPORT_SOURCE = "bench-import"  # external_source of the rows of the interchange file
CENT = Decimal("0.01")
MAX_EUR = 1_200_000_000
FIRST_DAY = datetime.date(2018, 5, 25)
COPY_BATCH = 50_000

# (country, share of decisions, currency, units per euro, language). Spain, Italy and Germany hold most
# decisions, as in the real trackers; non-euro countries fine in their own currency.
COUNTRIES = [
    ("ES", 30, "EUR", None, "es"), ("IT", 17, "EUR", None, "it"), ("DE", 10, "EUR", None, "de"),
    ("RO", 7, "RON", "4.97", "ro"), ("FR", 6, "EUR", None, "fr"), ("GB", 4, "GBP", "0.86", "en"),
    ("PL", 3.5, "PLN", "4.31", "pl"), ("HU", 3, "HUF", "389.5", "hu"), ("BE", 2.5, "EUR", None, "fr"),
    ("NL", 2.2, "EUR", None, "nl"), ("GR", 2, "EUR", None, "el"), ("NO", 1.8, "NOK", "11.52", "no"),
    ("SE", 1.6, "SEK", "11.13", "sv"), ("CZ", 1.5, "CZK", "25.2", "cs"), ("HR", 1.3, "EUR", None, "hr"),
    ("PT", 1.1, "EUR", None, "pt"), ("DK", 1, "DKK", "7.46", "da"), ("AT", 0.9, "EUR", None, "de"),
    ("FI", 0.8, "EUR", None, "fi"), ("IE", 0.7, "EUR", None, "en"), ("BG", 0.7, "BGN", "1.9558", "bg"),
    ("CY", 0.5, "EUR", None, "el"), ("LT", 0.45, "EUR", None, "lt"), ("SK", 0.4, "EUR", None, "sk"),
    ("LU", 0.3, "EUR", None, "fr"), ("LV", 0.3, "EUR", None, "lv"), ("SI", 0.25, "EUR", None, "sl"),
    ("EE", 0.2, "EUR", None, "et"), ("IS", 0.15, "EUR", None, "is"), ("MT", 0.1, "EUR", None, "en"),
]
# Countries with regional authorities beside the national one: (country, regions).
REGIONS = {
    "DE": ["Bayern", "Berlin", "Hamburg", "Hessen", "Niedersachsen", "Nordrhein-Westfalen", "Baden-Württemberg",
           "Sachsen", "Rheinland-Pfalz", "Brandenburg", "Bremen", "Saarland"],
    "ES": ["Catalunya", "Euskadi", "Andalucía"],
}
ARTICLES = [  # (provision, weight)
    ("5(1)(f)", 14), ("6(1)", 12), ("32", 12), ("5(1)(a)", 9), ("13", 7), ("5(1)(c)", 6), ("6", 6),
    ("21", 4), ("15", 4), ("12", 4), ("33", 3), ("17", 3), ("25", 2), ("28", 2), ("5(1)(e)", 2),
    ("35", 1.5), ("37", 1.5), ("58(1)", 1), ("31", 1), ("9", 1), ("44", 0.5), ("83(5)", 0.5),
]
WORDS_A = ["Nordic", "Iberian", "Alpine", "Baltic", "Atlantic", "Central", "United", "Global", "Royal", "Metro",
           "Prime", "Euro", "Delta", "Blue", "Green", "Silver", "North", "South", "Danube", "Rhine", "Adriatic",
           "Carpathian", "Hanse", "Lusitan", "Pannon", "Celtic", "Aegean", "Tyrrhenian", "Flemish", "Vistula"]
WORDS_B = ["Telecom", "Bank", "Energy", "Health", "Retail", "Insurance", "Media", "Logistics", "Foods", "Motors",
           "Pharma", "Airlines", "Software", "Clinic", "Property", "Credit", "Mobile", "Cloud", "Hotels", "Post",
           "Rail", "Water", "Gas", "Games", "Fashion", "Analytics", "Security", "Payments", "Learning", "Data"]
LEGAL_FORMS = ["S.A.", "S.p.A.", "GmbH", "S.L.", "B.V.", "AG", "Ltd", "SRL", "SAS", "Sp. z o.o.", "AB", "plc",
               "s.r.o.", "Oy", "A/S", "AS", "Zrt.", "SE", "S.à r.l.", "NV"]
SUMMARY_FINDINGS = [
    "processed personal data without a valid legal basis", "kept customer records for longer than necessary",
    "failed to secure a customer database that was later exposed", "sent marketing messages without consent",
    "did not answer data subjects' access requests in time", "installed video surveillance of employees",
    "notified a personal data breach weeks late", "transferred data to a third country without safeguards",
    "set cookies before consent was given", "did not appoint a data protection officer",
    "published health data of patients", "ignored objections to direct marketing calls",
]
COURTS = ["Administrative court", "Court of appeal", "Council of State", "Supreme administrative court",
          "District court", "Regional court"]


@dataclass
class Authority:
    id: int
    slug: str
    short_name: str
    name: str
    country: str
    kind: str


@dataclass
class Organisation:
    id: int
    name: str
    slug: str
    country: str
    sector: str
    parent_index: int | None = None  # in Register.groups


@dataclass
class Appeal:
    date: datetime.date | None
    body: str
    outcome: str
    amount_after: Decimal | None
    case_number: str


@dataclass
class SyntheticDecision:
    number: int
    authority: Authority
    organisation: Organisation
    decision_date: datetime.date | None
    date_precision: str
    announced_date: datetime.date | None
    amount: Decimal
    currency: str
    amount_eur: Decimal | None
    eur_rate: Decimal | None
    eur_rate_date: datetime.date | None
    current_amount: Decimal | None
    current_amount_eur: Decimal | None
    status: str
    legal_basis: str
    violation_type: str
    sector: str
    case_number: str
    summary: str
    external_source: str
    external_id: str
    provisions: list[str] = field(default_factory=list)
    sources: list[tuple[str, str, str, str]] = field(default_factory=list)  # url, title, language, kind
    appeals: list[Appeal] = field(default_factory=list)


class Chooser:
    """Weighted choice by bisecting cumulative weights: fast enough for millions of draws."""

    def __init__(self, items: list, weights: list[float]):
        self.items = items
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def zipf(count: int, exponent: float) -> list[float]:
    return [1 / rank**exponent for rank in range(1, count + 1)]


def last_weekday(day: datetime.date) -> datetime.date:
    """The ECB publishes no rate at weekends: a rate belongs to the last weekday on or before the day."""
    return day - datetime.timedelta(days=max(0, day.weekday() - 4))


def to_eur(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount / rate).quantize(CENT, rounding=ROUND_HALF_UP)


class Register:
    """The authorities, organisations and the decision generator of one seeded synthetic register."""

    def __init__(self, *, seed: int = SEED, organisations: int = 4000, groups: int = 150):
        from django.utils.text import slugify

        from fines.vocabularies import AuthorityKind, Sector, ViolationType

        rng = random.Random(seed)
        self.today = min(datetime.date.today(), datetime.date(2026, 12, 31))
        self.currency = {code: (currency, Decimal(rate) if rate else None) for code, _, currency, rate, _ in COUNTRIES}
        self.language = {code: language for code, *_, language in COUNTRIES}
        self.authorities: list[Authority] = []
        authority_weights: list[float] = []
        for code, share, *_ in COUNTRIES:
            regions = REGIONS.get(code, [])
            national = Authority(0, f"dpa-{code.lower()}", f"DPA-{code}", f"Data protection authority of {code}",
                                 code, AuthorityKind.NATIONAL)
            self.authorities.append(national)
            authority_weights.append(share * (0.4 if regions else 1))
            for rank, region in enumerate(regions, 1):
                slug = f"dpa-{code.lower()}-{region.lower().replace('ü', 'u').replace('í', 'i').replace('ó', 'o')}"
                self.authorities.append(Authority(0, slug, f"DPA-{code}-{region[:3].upper()}",
                                                  f"Data protection authority of {region}", code,
                                                  AuthorityKind.REGIONAL))
                authority_weights.append(share * 0.6 / rank / sum(1 / r for r in range(1, len(regions) + 1)))
        self.choose_authority = Chooser(self.authorities, authority_weights)
        sectors = list(Sector.values)
        self.choose_sector = Chooser(sectors, zipf(len(sectors), 0.7))
        violations = list(ViolationType.values)
        self.choose_violation = Chooser(violations, zipf(len(violations), 0.8))
        self.choose_provision = Chooser([p for p, _ in ARTICLES], [w for _, w in ARTICLES])
        country_chooser = Chooser([c[0] for c in COUNTRIES], [c[1] for c in COUNTRIES])

        names: set[str] = set()
        self.groups: list[Organisation] = []
        self.organisations: list[Organisation] = []
        for n in range(groups + organisations):
            while True:
                name = f"{rng.choice(WORDS_A)} {rng.choice(WORDS_B)}"
                name = name if name not in names else f"{name} {rng.choice(WORDS_A)}"
                if name not in names:
                    break
            names.add(name)
            is_group = n < groups
            country = country_chooser(rng)
            full = f"{name} Group" if is_group else f"{name} {rng.choice(LEGAL_FORMS)}"
            organisation = Organisation(0, full, f"{slugify(full)}-{n + 1}", country, self.choose_sector(rng))
            if not is_group and rng.random() < 0.2:
                organisation.parent_index = rng.randrange(groups)
            (self.groups if is_group else self.organisations).append(organisation)
        # A long tail: the first organisations are fined again and again, most only once or twice.
        self.choose_organisation = Chooser(self.organisations, zipf(len(self.organisations), 0.8))
        # More decisions each year: weight a day by its distance from the GDPR's first day.
        span = (self.today - FIRST_DAY).days
        self.days = span
        self.choose_day = Chooser(list(range(span + 1)), [1 + day / 365 for day in range(span + 1)])

    def decisions(self, *, first: int, count: int, seed: int, source: str = SOURCE,
                  with_appeals: bool = True) -> Iterator[SyntheticDecision]:
        from fines.vocabularies import AppealOutcome, DatePrecision, LegalBasis, SourceKind, Status

        rng = random.Random(seed)
        log_median, sigma = math.log(15_000), 2.1
        for number in range(first, first + count):
            authority = self.choose_authority(rng)
            organisation = self.choose_organisation(rng)
            roll, day = rng.random(), FIRST_DAY + datetime.timedelta(days=self.choose_day(rng))
            if roll < 0.9:
                precision, date = DatePrecision.DAY, day
            elif roll < 0.96:
                precision, date = DatePrecision.MONTH, day.replace(day=1)
            elif roll < 0.995:
                precision, date = DatePrecision.YEAR, day.replace(month=1, day=1)
            else:
                precision, date = DatePrecision.UNKNOWN, None
            currency, rate = self.currency[authority.country]
            eur = min(MAX_EUR, math.exp(rng.gauss(log_median, sigma)))
            eur = max(100.0, eur)
            amount = Decimal(round(eur * float(rate or 1), -2 if eur > 10_000 else 0)).quantize(CENT)
            if currency == "EUR":
                eur_rate, eur_rate_date = Decimal(1), date
            elif date is None:
                eur_rate = eur_rate_date = None
            else:
                eur_rate, eur_rate_date = rate, last_weekday(date)
            status = (Status.PROPOSED if rng.random() < 0.04
                      else Status.FINAL if rng.random() < 0.2 else Status.IMPOSED)
            appeals: list[Appeal] = []
            current = None if status == Status.PROPOSED else amount
            if with_appeals and status != Status.PROPOSED and rng.random() < 0.09:
                lodged = date + datetime.timedelta(days=rng.randint(20, 60)) if date else None
                court = rng.choice(COURTS)
                appeals.append(Appeal(lodged, court, AppealOutcome.LODGED, None, ""))
                status, ruled = Status.APPEALED, rng.random()
                reduced = (amount * Decimal(rng.choice(["0.5", "0.3", "0.75"]))).quantize(CENT)
                if ruled < 0.6 and lodged and lodged + datetime.timedelta(days=400) < self.today:
                    outcome, after = (
                        (AppealOutcome.UPHELD, amount) if ruled < 0.35
                        else (AppealOutcome.REDUCED, reduced)
                        if ruled < 0.5 else (AppealOutcome.ANNULLED, Decimal(0))
                    )
                    appeals.append(Appeal(lodged + datetime.timedelta(days=rng.randint(200, 400)), court, outcome,
                                          after, f"{authority.country}-A-{number}"))
                    status = {AppealOutcome.UPHELD: Status.UPHELD, AppealOutcome.REDUCED: Status.REDUCED,
                              AppealOutcome.ANNULLED: Status.ANNULLED}[outcome]
                    current = after
            amount_eur = None if eur_rate is None else to_eur(amount, eur_rate)
            current_eur = None if eur_rate is None or current is None else to_eur(current, eur_rate)
            year = date.year if date else 2020
            language = self.language[authority.country]
            sources = [(f"https://{authority.slug}.example.org/decisions/{year}/{number}", f"Decision {number}",
                        language, SourceKind.DECISION)]
            if rng.random() < 0.5:
                sources.append((f"https://{authority.slug}.example.org/press/{number}", "Press release", language,
                                SourceKind.PRESS_RELEASE))
            provisions = sorted({self.choose_provision(rng) for _ in range(rng.randint(1, 3))})
            yield SyntheticDecision(
                number=number, authority=authority, organisation=organisation, decision_date=date,
                date_precision=precision,
                announced_date=(date + datetime.timedelta(days=rng.randint(0, 30))
                                if date and rng.random() < 0.6 else None),
                amount=amount, currency=currency, amount_eur=amount_eur, eur_rate=eur_rate,
                eur_rate_date=eur_rate_date, current_amount=current, current_amount_eur=current_eur, status=status,
                legal_basis=LegalBasis.EPRIVACY if rng.random() < 0.12 else LegalBasis.GDPR,
                violation_type=self.choose_violation(rng), sector=organisation.sector,
                case_number=f"{authority.short_name}/{year}/{number:07d}",
                summary=f"{organisation.name} {rng.choice(SUMMARY_FINDINGS)}; the authority also found that it "
                        f"{rng.choice(SUMMARY_FINDINGS)}.",
                external_source=source, external_id=str(number), provisions=provisions, sources=sources,
                appeals=appeals,
            )


# --- COPY ---------------------------------------------------------------------------------------------

def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return _copy_text(json.dumps(value))
    return str(value)


class CopyTable:
    """COPY rows of a model: the columns given, and the model's own default for the rest."""

    def __init__(self, model, given: Iterable[str]):
        from django.db.models import NOT_PROVIDED
        from django.utils import timezone

        self.model = model
        given = list(given)
        self.names = given[:]
        fields = {f.name: f for f in model._meta.concrete_fields}
        unknown = set(given) - set(fields)
        if unknown:
            raise SystemExit(f"{model.__name__} has no field {sorted(unknown)}: bench/synthetic.py is out of date")
        self.columns = [fields[name].column for name in given]
        self.constants: list[str] = []
        for name, f in fields.items():
            if name in given or f.primary_key or f.db_default is not NOT_PROVIDED:
                continue  # the database fills it
            if f.has_default():
                value = f.get_default()
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = timezone.now()
            elif f.null:
                value = None
            elif f.get_internal_type() in {"CharField", "TextField", "SlugField", "URLField", "EmailField"}:
                value = ""
            else:
                raise SystemExit(f"{model.__name__}.{name} is required and has no default: teach bench/synthetic.py it")
            self.columns.append(f.column)
            self.constants.append(_copy_text(value))
        self.buffer = io.StringIO()
        self.rows = 0

    def add(self, *values) -> None:
        self.buffer.write("\t".join([*map(_copy_text, values), *self.constants]))
        self.buffer.write("\n")
        self.rows += 1

    def flush(self, cursor) -> None:
        if not self.buffer.tell():
            return
        self.buffer.seek(0)
        columns = ", ".join(f'"{c}"' for c in self.columns)
        cursor.copy_expert(f'COPY "{self.model._meta.db_table}" ({columns}) FROM STDIN', self.buffer)
        self.buffer = io.StringIO()


def register_store(*, scale: int) -> dict:
    """Fill the (migrated, empty) database with `scale` published synthetic decisions."""
    from django.db import connection, transaction

    from fines.models import (
        AppealEvent,
        ArticleCitation,
        Authority as AuthorityModel,
        Decision,
        Organisation as OrganisationModel,
        ReferenceCounter,
        Source,
    )
    from fines.names import name_key
    from fines.vocabularies import DatePrecision

    if Decision.objects.exists():
        raise SystemExit("The benchmark database already holds decisions; bench/run.py recreates it first.")
    started = time.perf_counter()
    register = Register()
    with transaction.atomic():
        stored = AuthorityModel.objects.bulk_create(
            AuthorityModel(slug=a.slug, short_name=a.short_name, name=a.name, country=a.country, kind=a.kind)
            for a in register.authorities
        )
        for authority, row in zip(register.authorities, stored, strict=True):
            authority.id = row.pk
        stored = OrganisationModel.objects.bulk_create(
            OrganisationModel(name=o.name, slug=o.slug, name_key=name_key(o.name), country=o.country, sector=o.sector)
            for o in register.groups
        )
        for group, row in zip(register.groups, stored, strict=True):
            group.id = row.pk
        stored = OrganisationModel.objects.bulk_create(
            OrganisationModel(name=o.name, slug=o.slug, name_key=name_key(o.name), country=o.country,
                              sector=o.sector,
                              parent_id=None if o.parent_index is None else register.groups[o.parent_index].id)
            for o in register.organisations
        )
        for organisation, row in zip(register.organisations, stored, strict=True):
            organisation.id = row.pk

        decisions = CopyTable(Decision, [
            "id", "number", "authority", "organisation", "decision_date", "date_precision", "announced_date",
            "amount", "currency", "amount_eur", "eur_rate", "eur_rate_date", "current_amount",
            "current_amount_eur", "status", "legal_basis", "violation_type", "sector", "case_number", "summary",
            "is_published", "external_source", "external_id",
        ])
        citations = CopyTable(ArticleCitation, ["decision", "article", "provision"])
        sources = CopyTable(Source, ["decision", "url", "title", "language", "kind"])
        appeals = CopyTable(AppealEvent, ["decision", "date", "date_precision", "body", "case_number", "outcome",
                                          "amount_after"])
        counts = {"decisions": 0, "citations": 0, "sources": 0, "appeals": 0}
        with connection.cursor() as cursor:
            for d in register.decisions(first=1, count=scale, seed=SEED):
                decisions.add(d.number, d.number, d.authority.id, d.organisation.id, d.decision_date,
                              d.date_precision, d.announced_date, d.amount, d.currency, d.amount_eur, d.eur_rate,
                              d.eur_rate_date, d.current_amount, d.current_amount_eur, d.status, d.legal_basis,
                              d.violation_type, d.sector, d.case_number, d.summary, True, d.external_source,
                              d.external_id)
                for provision in d.provisions:
                    citations.add(d.number, int(provision.split("(")[0]), provision)
                for url, title, language, kind in d.sources:
                    sources.add(d.number, url, title, language, kind)
                for appeal in d.appeals:
                    appeals.add(d.number, appeal.date,
                                DatePrecision.DAY if appeal.date else DatePrecision.UNKNOWN, appeal.body,
                                appeal.case_number, appeal.outcome, appeal.amount_after)
                if decisions.rows % COPY_BATCH == 0:
                    for table in (decisions, citations, sources, appeals):
                        table.flush(cursor)
            for table in (decisions, citations, sources, appeals):
                table.flush(cursor)
            counts = {"decisions": decisions.rows, "citations": citations.rows, "sources": sources.rows,
                      "appeals": appeals.rows}
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM fines_decision))",
                [Decision._meta.db_table],
            )
        ReferenceCounter.objects.update_or_create(pk=1, defaults={"last": scale})
    copied = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {**counts, "authorities": len(register.authorities),
            "organisations": len(register.organisations) + len(register.groups),
            "copy_seconds": round(copied, 1), "seconds": round(time.perf_counter() - started, 1)}


# --- interchange CSV -------------------------------------------------------------------------------------

def interchange_write(*, rows: int, path: Path, first: int) -> dict:
    """New decisions (not yet in the register) as an interchange CSV, for `manage.py import_file`.

    The file names the register's authorities by slug and its organisations by name, as an export does;
    the importer converts amounts itself. No appeal statuses: a CSV row carries no appeal history.
    """
    from fines.interchange import COLUMNS, format_partial_date
    from fines.vocabularies import Status

    register = Register()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for d in register.decisions(first=first, count=rows, seed=SEED + 1, source=IMPORT_SOURCE,
                                    with_appeals=False):
            if d.decision_date is None:
                d.decision_date, d.date_precision = datetime.date(2021, 1, 1), "year"
            row = {
                "reference": "", "external_source": IMPORT_SOURCE, "external_id": f"import-{d.number}",
                "authority": d.authority.slug, "country": d.authority.country, "organisation": d.organisation.name,
                "group": "", "decision_date": format_partial_date(d.decision_date, d.date_precision),
                "date_precision": d.date_precision,
                "announced_date": d.announced_date.isoformat() if d.announced_date else "",
                "amount": format(d.amount.normalize(), "f"), "currency": d.currency, "amount_eur": "",
                "eur_rate": "", "current_amount": "",
                "status": d.status if d.status in (Status.PROPOSED, Status.FINAL) else Status.IMPOSED,
                "legal_basis": d.legal_basis, "articles": ";".join(d.provisions),
                "violation_type": d.violation_type, "sector": d.sector, "case_number": d.case_number,
                "summary": d.summary, "sources": " ".join(url for url, *_ in d.sources),
            }
            writer.writerow([row[column] for column in COLUMNS])
    return {"rows": rows, "path": str(path), "bytes": path.stat().st_size}


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finetracker.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    store = commands.add_parser("register", help="fill DATABASE_URL with synthetic decisions")
    store.add_argument("--scale", type=int, required=True)
    write = commands.add_parser("interchange", help="write new synthetic decisions as an interchange CSV")
    write.add_argument("--rows", type=int, required=True)
    write.add_argument("--first", type=int, required=True, help="number of the first (above the register's)")
    write.add_argument("path", type=Path)
    args = parser.parse_args()
    _django()
    if args.command == "register":
        print(json.dumps(register_store(scale=args.scale)))
    else:
        print(json.dumps(interchange_write(rows=args.rows, path=args.path, first=args.first)))


if __name__ == "__main__":
    main()
