import datetime
import itertools
import os
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils.text import slugify

from fines.models import Authority, Decision, Organisation
from fines.names import name_key
from fines.services import decision_convert, decision_next_number
from fines.vocabularies import Status

IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> None:
    """A missing service or browser may skip a test on a laptop, never in CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this must be available)")
    pytest.skip(reason)


@pytest.fixture
def register(db):
    """The bundled register, loaded as `manage.py load_register` does."""
    call_command("load_register", verbosity=0)


@pytest.fixture
def make_authority(db):
    def make(slug="cnil", short_name=None, country="FR", name=None):
        authority, _ = Authority.objects.get_or_create(
            slug=slug,
            defaults={"short_name": short_name or slug.upper(), "country": country, "name": name or slug.upper()},
        )
        return authority

    return make


@pytest.fixture
def make_organisation(db):
    def make(name="Example SA", parent=None, slug=None):
        return Organisation.objects.create(
            name=name, slug=slug or slugify(name), name_key=name_key(name), parent=parent
        )

    return make


@pytest.fixture
def make_decision(db, make_authority, make_organisation):
    serial = itertools.count(1)

    def make(
        *,
        authority=None,
        organisation=None,
        amount="1000000",
        currency="EUR",
        decision_date=datetime.date(2021, 7, 15),
        status=Status.IMPOSED,
        **fields,
    ):
        decision = Decision(
            number=decision_next_number(),
            authority=authority or make_authority(),
            organisation=organisation or make_organisation(name=f"Organisation {next(serial)}"),
            amount=Decimal(amount),
            currency=currency,
            decision_date=decision_date,
            status=status,
            current_amount=None if status == Status.PROPOSED else Decimal(amount),
            **fields,
        )
        decision_convert(decision=decision)
        decision.save()
        return decision

    return make


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Tests render pages without `collectstatic`: no hashed-name manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
