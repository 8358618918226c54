"""Fixed vocabularies. Their values appear in URLs, CSV, JSON and the API: never rename a value."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")
    UNKNOWN = "unknown", _("unknown")


class Status(models.TextChoices):
    PROPOSED = "proposed", _("proposed (notice of intent)")
    IMPOSED = "imposed", _("imposed")
    APPEALED = "appealed", _("appealed")
    UPHELD = "upheld", _("upheld on appeal")
    REDUCED = "reduced", _("reduced on appeal")
    INCREASED = "increased", _("increased on appeal")
    ANNULLED = "annulled", _("annulled")
    FINAL = "final", _("final")


# Statuses that only an appeal can bring about.
APPEAL_STATUSES = frozenset(
    {Status.APPEALED, Status.UPHELD, Status.REDUCED, Status.INCREASED, Status.ANNULLED}
)


class AppealOutcome(models.TextChoices):
    LODGED = "lodged", _("appeal lodged")
    INTERIM = "interim", _("interim step (referral, stay, hearing)")
    REMITTED = "remitted", _("set aside and sent back")
    UPHELD = "upheld", _("fine upheld")
    REDUCED = "reduced", _("fine reduced")
    INCREASED = "increased", _("fine increased")
    ANNULLED = "annulled", _("fine annulled")


# Outcomes that rule on the amount: each gives the amount that stands after it.
RULING_OUTCOMES = frozenset(
    {AppealOutcome.UPHELD, AppealOutcome.REDUCED, AppealOutcome.INCREASED, AppealOutcome.ANNULLED}
)


class LegalBasis(models.TextChoices):
    GDPR = "gdpr", _("GDPR")
    EPRIVACY = "eprivacy", _("ePrivacy / national law")


class ViolationType(models.TextChoices):
    LEGAL_BASIS = "legal_basis", _("Insufficient legal basis")
    PRINCIPLES = "principles", _("Non-compliance with general principles")
    INFORMATION = "information", _("Insufficient information and transparency")
    DATA_SUBJECT_RIGHTS = "data_subject_rights", _("Data subjects' rights not respected")
    SECURITY = "security", _("Insufficient security measures")
    BREACH_NOTIFICATION = "breach_notification", _("Data breach not notified")
    INTERNATIONAL_TRANSFER = "international_transfer", _("Unlawful transfer to third countries")
    CHILDREN = "children", _("Children's data")
    COOPERATION = "cooperation", _("Insufficient cooperation with the authority")
    DPO = "dpo", _("Data protection officer")
    PROCESSING_AGREEMENT = "processing_agreement", _("Insufficient processing agreement")
    COOKIES_MARKETING = "cookies_marketing", _("Cookies, tracking and direct marketing")
    OTHER = "other", _("Other")


class Sector(models.TextChoices):
    TECHNOLOGY = "technology", _("Technology and internet")
    TELECOMS = "telecoms", _("Telecoms")
    RETAIL = "retail", _("Retail and e-commerce")
    FINANCE = "finance", _("Finance")
    INSURANCE = "insurance", _("Insurance")
    HEALTH = "health", _("Health")
    PUBLIC = "public", _("Public sector")
    ENERGY = "energy", _("Energy and utilities")
    TRANSPORT = "transport", _("Transport")
    HOSPITALITY = "hospitality", _("Hospitality and travel")
    REAL_ESTATE = "real_estate", _("Real estate")
    MEDIA = "media", _("Media and advertising")
    EDUCATION = "education", _("Education")
    EMPLOYMENT = "employment", _("Employment")
    OTHER = "other", _("Other")


class AuthorityKind(models.TextChoices):
    NATIONAL = "national", _("national data protection authority")
    REGIONAL = "regional", _("regional data protection authority")
    COURT = "court", _("court")


class SourceKind(models.TextChoices):
    DECISION = "decision", _("decision text")
    PRESS_RELEASE = "press_release", _("press release")
    NEWS = "news", _("news")


class ImportFormat(models.TextChoices):
    """What an import source serves, and so which adapter reads it."""

    INTERCHANGE_CSV = "interchange_csv", _("interchange CSV")
    INTERCHANGE_JSON = "interchange_json", _("interchange JSON")
    ENFORCEMENT_TRACKER = "enforcement_tracker", _("CMS Enforcement Tracker page")
    ENFORCEMENT_TRACKER_TABLE = "enforcement_tracker_table", _("CMS Enforcement Tracker table feed")
    GDPRHUB = "gdprhub", _("GDPRhub (MediaWiki API)")
    PRESS_FEED = "press_feed", _("RSS/Atom feed of press releases")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    NOT_MODIFIED = "not_modified", _("not modified since the last run")
    FAILED = "failed", _("failed")


class CandidateStatus(models.TextChoices):
    PENDING = "pending", _("waiting for an editor")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")
