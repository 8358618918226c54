"""Bulk entry: upload an interchange CSV in the admin, check the preview, confirm."""
import datetime
import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile

from fines.admin import bulk
from fines.models import Decision, Organisation
from fines.permissions import CHIEF_EDITORS_GROUP

UPLOAD = "/admin/fines/decision/upload/"
HEADER = "reference,authority,country,organisation,decision_date,amount,currency,status,summary\n"


def csv_file(*rows: str, name: str = "decisions.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (HEADER + "".join(row + "\n" for row in rows)).encode(), content_type="text/csv")


def token_of(response) -> str:
    return re.search(r'name="upload" value="([^"]+)"', response.content.decode())[1]


@pytest.fixture
def existing(make_authority, make_organisation, make_decision):
    """Two decisions of the CNIL that the file refers to by reference: one it corrects, one it repeats."""
    cnil = make_authority("cnil", "CNIL", "FR")
    criteo = make_decision(authority=cnil, organisation=make_organisation("Criteo S.A."), amount="40000000",
                           decision_date=datetime.date(2023, 6, 15))
    google = make_decision(authority=cnil, organisation=make_organisation("Google LLC"), amount="50000000",
                           decision_date=datetime.date(2019, 1, 21))
    return criteo, google


@pytest.fixture
def upload(existing):
    criteo, google = existing
    return csv_file(
        f"{criteo.reference},cnil,FR,Criteo S.A.,2023-06-15,40000000,EUR,imposed,Tracking without consent.",
        f"{google.reference},cnil,FR,Google LLC,2019-01-21,50000000,EUR,imposed,",
        ",cnil,FR,Clearview AI Inc.,2022-10-17,20000000,EUR,imposed,Biometric data.",
        ",cnil,FR,Future SAS,2099-01-01,100000,EUR,imposed,",
        ",cnil,FR,Discord Inc.,2022-11-10,800000,XEU,imposed,",
    )


def test_the_preview_lists_each_rows_outcome_and_writes_nothing(editor_client, upload, existing):
    criteo, google = existing

    response = editor_client.post(UPLOAD, {"file": upload})

    assert response.status_code == 200
    rows = {row.row: row for row in response.context["report"].rows}
    assert {number: row.outcome for number, row in rows.items()} == {
        1: "updated", 2: "unchanged", 3: "created", 4: "problem", 5: "problem",
    }
    assert (rows[1].reference, rows[2].reference, rows[3].reference) == (criteo.reference, google.reference, "")
    assert "in the future" in rows[4].reason and "XEU" in rows[5].reason
    assert response.context["totals"] == {"created": 1, "updated": 1, "unchanged": 1, "problem": 2}
    page = response.content.decode()
    assert "would create" in page and "would update" in page and "problem:" in page
    assert Decision.objects.count() == 2
    assert not Organisation.objects.filter(name="Clearview AI Inc.").exists()
    criteo.refresh_from_db()
    assert criteo.summary == ""


def test_confirming_applies_exactly_the_previewed_rows(editor_client, upload, existing):
    criteo, google = existing
    preview = editor_client.post(UPLOAD, {"file": upload})

    response = editor_client.post(UPLOAD, {"upload": token_of(preview)})

    assert response.status_code == 200
    report = response.context["report"]
    assert [row.outcome for row in report.rows] == ["updated", "unchanged", "created", "problem", "problem"]
    assert response.context["totals"] == preview.context["totals"]
    assert not response.context["differing"]
    criteo.refresh_from_db()
    assert criteo.summary == "Tracking without consent."
    clearview = Decision.objects.get(organisation__name="Clearview AI Inc.")
    assert Decision.objects.count() == 3
    page = response.content.decode()
    assert f'<a href="/admin/fines/decision/{clearview.pk}/change/">{clearview.reference}</a>' in page
    assert response.context["changed_url"] == f"/admin/fines/decision/?id__in={criteo.pk},{clearview.pk}"
    assert editor_client.get(response.context["changed_url"]).context["cl"].result_count == 2


def test_an_editors_upload_creates_drafts_and_a_chief_editors_publishes(editor_client, client, upload, settings):
    editor_client.post(UPLOAD, {"upload": token_of(editor_client.post(UPLOAD, {"file": upload}))})
    assert not Decision.objects.get(organisation__name="Clearview AI Inc.").is_published

    settings.OTP_REQUIRED_FOR_CHIEF_EDITORS = False
    chief = User.objects.create_user("chief", is_staff=True)
    chief.groups.add(Group.objects.get(name=CHIEF_EDITORS_GROUP))
    client.force_login(chief)
    preview = client.post(UPLOAD, {"file": csv_file(",cnil,FR,Discord Inc.,2022-11-10,800000,EUR,imposed,")})
    assert "will be published at once" in preview.content.decode()
    client.post(UPLOAD, {"upload": token_of(preview)})
    assert Decision.objects.get(organisation__name="Discord Inc.").is_published


def test_a_preview_is_confirmed_once(editor_client, upload):
    token = token_of(editor_client.post(UPLOAD, {"file": upload}))
    assert editor_client.post(UPLOAD, {"upload": token}).status_code == 200
    assert editor_client.post(UPLOAD, {"upload": token}).status_code == 400
    assert Decision.objects.count() == 3


def test_the_outcome_says_when_the_register_changed_since_the_preview(editor_client, upload, existing):
    criteo, _ = existing
    preview = editor_client.post(UPLOAD, {"file": upload})
    criteo.summary = "Tracking without consent."  # another editor made the same correction meanwhile
    criteo.save()

    response = editor_client.post(UPLOAD, {"upload": token_of(preview)})

    assert response.context["differing"] == 1
    assert "1 row had another outcome than previewed" in response.content.decode()


def test_an_altered_payload_is_refused(editor_client, upload):
    token = token_of(editor_client.post(UPLOAD, {"file": upload}))
    altered = token.replace(token[5], "A" if token[5] != "A" else "B", 1)

    response = editor_client.post(UPLOAD, {"upload": altered})

    assert response.status_code == 400
    assert "expired or was altered" in response.content.decode()
    assert Decision.objects.count() == 2


def test_a_preview_replaced_by_another_upload_is_refused(editor_client, upload):
    first = token_of(editor_client.post(UPLOAD, {"file": upload}))
    editor_client.post(UPLOAD, {"file": csv_file(",cnil,FR,Other SA,2022-01-01,1000,EUR,imposed,")})

    response = editor_client.post(UPLOAD, {"upload": first})

    assert response.status_code == 400
    assert "not the one this preview showed" in response.content.decode()
    assert Decision.objects.count() == 2


def test_an_expired_preview_is_refused(editor_client, upload, monkeypatch):
    token = token_of(editor_client.post(UPLOAD, {"file": upload}))
    monkeypatch.setattr(bulk, "PREVIEW_MAX_AGE", -1)

    response = editor_client.post(UPLOAD, {"upload": token})

    assert response.status_code == 400
    assert Decision.objects.count() == 2


def test_an_oversized_file_is_refused_with_the_limit(editor_client, existing):
    big = csv_file(",cnil,FR,Big SA,2022-01-01,1000,EUR,imposed," + "x" * (5 * 1024 * 1024))

    response = editor_client.post(UPLOAD, {"file": big})

    assert response.status_code == 400
    assert "the limit is 5.0\xa0MB" in response.content.decode()
    assert Decision.objects.count() == 2


def test_a_file_with_too_many_rows_is_refused_with_the_limit(editor_client, upload, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_ROWS", 4)

    response = editor_client.post(UPLOAD, {"file": upload})

    assert response.status_code == 400
    assert "The file has 5 rows; one upload applies at most 4." in response.content.decode()
    assert Decision.objects.count() == 2


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "decisions.csv", "The file is binary"),
        (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>", "decisions.csv", "HTML page"),
        (b"name,amount\nCriteo,40000000\n", "decisions.csv", "The header lacks the required columns"),
        (b"", "decisions.csv", "The submitted file is empty."),
        ("caf\xe9".encode("latin-1") + b",x\n", "decisions.csv", "is not UTF-8 text"),
        (HEADER.encode(), "decisions.xlsx", "is not a .csv file"),
    ],
)
def test_an_unreadable_file_gets_a_clear_message(editor_client, existing, content, name, message):
    response = editor_client.post(UPLOAD, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Decision.objects.count() == 2


def test_no_file_gets_a_clear_message(editor_client):
    response = editor_client.post(UPLOAD, {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_the_decisions_list_offers_the_upload_to_editors(editor_client):
    assert f'href="{UPLOAD}"' in editor_client.get("/admin/fines/decision/").content.decode()
    assert editor_client.get(UPLOAD).status_code == 200


def test_uploading_needs_permission_to_add_decisions(client, upload):
    viewer = User.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_decision"))
    client.force_login(viewer)

    assert f'href="{UPLOAD}"' not in client.get("/admin/fines/decision/").content.decode()
    assert client.get(UPLOAD).status_code == 403
    assert client.post(UPLOAD, {"file": upload}).status_code == 403
    assert Decision.objects.count() == 2


def test_anonymous_visitors_are_sent_to_the_login(client, upload):
    response = client.post(UPLOAD, {"file": upload})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Decision.objects.count() == 2
