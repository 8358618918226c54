"""Merging organisations: the service, and the admin action with its confirmation page."""
import re
from decimal import Decimal

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ValidationError

from fines.models import Decision, Organisation, OrganisationAlias, Provenance
from fines.names import name_key
from fines.services import organisation_find, organisation_merge

CHANGELIST = "/admin/fines/organisation/"


def alias(organisation: Organisation, name: str) -> OrganisationAlias:
    return OrganisationAlias.objects.create(organisation=organisation, name=name, name_key=name_key(name))


def alias_names(organisation: Organisation) -> list[str]:
    return sorted(organisation.aliases.values_list("name", flat=True))


@pytest.fixture
def twins(make_organisation, make_decision):
    """Meta Platforms Ireland, and the same company entered a second time under its former name."""
    meta = make_organisation("Meta Platforms Ireland Limited")
    facebook = make_organisation("Facebook Ireland Ltd.", slug="facebook-ireland")
    decisions = [make_decision(organisation=facebook, amount="405000000"),
                 make_decision(organisation=facebook, amount="265000000"),
                 make_decision(organisation=meta, amount="1200000000")]
    return meta, facebook, decisions


def test_merging_moves_every_decision_and_subsidiary_and_deletes_the_merged_one(twins, make_organisation):
    meta, facebook, decisions = twins
    instagram = make_organisation("Instagram Ltd", parent=facebook)

    done = organisation_merge(keep=meta, merge=facebook)

    assert (done.decisions, done.subsidiaries) == (2, 1)
    assert not Organisation.objects.filter(pk=facebook.pk).exists()
    assert set(Decision.objects.values_list("organisation", flat=True)) == {meta.pk}
    assert Decision.objects.count() == len(decisions)
    instagram.refresh_from_db()
    assert instagram.parent == meta


def test_the_merged_names_become_aliases_without_duplicates(twins):
    meta, facebook, _ = twins
    alias(meta, "Facebook Ireland")  # already known, spelt without the legal form
    alias(facebook, "FB Ireland")
    alias(facebook, "META PLATFORMS IRELAND LTD")  # the kept one's own name, in capitals

    done = organisation_merge(keep=meta, merge=facebook)

    # "Facebook Ireland Ltd." has the key of the alias "Facebook Ireland": it adds nothing to matching.
    assert done.aliases == ("FB Ireland",)
    assert alias_names(meta) == ["FB Ireland", "Facebook Ireland"]
    assert organisation_find("Facebook Ireland Ltd.") == meta
    assert organisation_find("FB Ireland") == meta


def test_the_merged_name_is_kept_as_an_alias(make_organisation):
    keep, merge = make_organisation("WhatsApp Ireland Limited"), make_organisation("WA Ireland Ltd")

    organisation_merge(keep=keep, merge=merge)

    assert alias_names(keep) == ["WA Ireland Ltd"]
    assert organisation_find("WA Ireland Ltd") == keep


def test_the_kept_ones_blank_fields_are_filled_and_the_others_kept(make_organisation):
    group = make_organisation("Meta Platforms, Inc.")
    keep = make_organisation("Meta Platforms Ireland Limited")
    keep.sector = "technology"
    keep.save()
    merge = Organisation.objects.create(
        name="Facebook Ireland Ltd.", slug="facebook-ireland", name_key=name_key("Facebook Ireland Ltd."),
        country="IE", sector="media", parent=group, turnover=Decimal("116609000000"), turnover_currency="USD",
        turnover_year=2021, turnover_source="https://investor.fb.com/",
    )

    done = organisation_merge(keep=keep, merge=merge)

    keep.refresh_from_db()
    assert (keep.country, keep.sector, keep.parent) == ("IE", "technology", group)
    assert (keep.turnover, keep.turnover_currency, keep.turnover_year) == (Decimal("116609000000"), "USD", 2021)
    assert done.filled == ("country", "parent group", "worldwide annual turnover")


def test_a_subsidiary_merged_into_its_group_does_not_make_the_group_its_own_parent(make_organisation, make_decision):
    group = make_organisation("Amazon.com, Inc.")
    subsidiary = make_organisation("Amazon Inc", parent=group)
    make_decision(organisation=subsidiary)

    organisation_merge(keep=group, merge=subsidiary)

    group.refresh_from_db()
    assert group.parent is None
    assert group.decisions.count() == 1


@pytest.mark.parametrize("depth", [1, 2])
def test_keeping_an_organisation_within_the_merged_ones_group_is_refused(make_organisation, make_decision, depth):
    group = make_organisation("Alphabet Inc.")
    keep = make_organisation("Google LLC", parent=group)
    if depth == 2:
        keep = make_organisation("Google Ireland Limited", parent=keep)
    make_decision(organisation=group)

    with pytest.raises(ValidationError, match="its own parent group"):
        organisation_merge(keep=keep, merge=group)

    assert Organisation.objects.filter(pk=group.pk).exists()
    assert group.decisions.count() == 1
    keep.refresh_from_db()
    assert keep.aliases.count() == 0


def test_an_organisation_cannot_be_merged_into_itself(make_organisation):
    organisation = make_organisation("Clearview AI Inc.")
    with pytest.raises(ValidationError, match="into itself"):
        organisation_merge(keep=organisation, merge=organisation)
    assert Organisation.objects.filter(pk=organisation.pk).exists()


def test_a_merge_that_fails_half_way_changes_nothing(twins, make_organisation, monkeypatch):
    meta, facebook, _ = twins
    instagram = make_organisation("Instagram Ltd", parent=facebook)

    def fail(self, *args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Organisation, "delete", fail)
    with pytest.raises(RuntimeError):
        organisation_merge(keep=meta, merge=facebook)

    assert facebook.decisions.count() == 2 and meta.decisions.count() == 1
    instagram.refresh_from_db()
    assert instagram.parent == facebook
    assert meta.aliases.count() == 0


def test_what_a_source_last_said_follows_the_decision_to_the_kept_organisation(twins):
    meta, facebook, decisions = twins
    provenance = Provenance.objects.create(
        decision=decisions[0], source="enforcement-tracker", external_id="ETid-1",
        values={"organisation": str(facebook.pk), "amount": "405000000.00"},
    )

    organisation_merge(keep=meta, merge=facebook)

    provenance.refresh_from_db()
    assert provenance.values == {"organisation": str(meta.pk), "amount": "405000000.00"}


# The admin action


def merge_action(*pks, **extra) -> dict:
    return {"action": "merge_organisations", "_selected_action": [str(pk) for pk in pks], **extra}


def test_the_confirmation_page_shows_what_moves_each_way(editor_client, twins, make_organisation):
    meta, facebook, _ = twins
    make_organisation("Instagram Ltd", parent=facebook)
    alias(facebook, "FB Ireland")

    response = editor_client.post(CHANGELIST, merge_action(meta.pk, facebook.pk, index="0"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Keep “Meta Platforms Ireland Limited”, merge “Facebook Ireland Ltd.” into it" in page
    assert "2 decisions move" in page and "1 subsidiary moves" in page
    assert "New aliases: Facebook Ireland Ltd., FB Ireland" in page
    assert "1 decision moves" in page and "0 subsidiaries move" in page  # keeping Facebook instead
    assert Organisation.objects.filter(pk=facebook.pk).exists()


def test_confirming_merges_into_the_chosen_one(editor_client, editor, twins):
    meta, facebook, _ = twins

    response = editor_client.post(CHANGELIST, merge_action(meta.pk, facebook.pk, post="yes", keep=str(meta.pk)))

    assert response.status_code == 302
    assert not Organisation.objects.filter(pk=facebook.pk).exists()
    assert meta.decisions.count() == 3
    assert alias_names(meta) == ["Facebook Ireland Ltd."]
    message = str(list(editor_client.get(CHANGELIST).context["messages"])[0])
    assert message.startswith("“Facebook Ireland Ltd.” is merged into “Meta Platforms Ireland Limited”.")
    logged = LogEntry.objects.filter(user=editor)
    assert {(entry.object_id, entry.action_flag) for entry in logged} == {(str(meta.pk), CHANGE), (str(facebook.pk), DELETION)}


def test_without_a_choice_the_confirmation_page_asks_again(editor_client, twins):
    meta, facebook, _ = twins
    response = editor_client.post(CHANGELIST, merge_action(meta.pk, facebook.pk, post="yes"))
    assert response.status_code == 200
    assert "Choose the organisation to keep." in response.content.decode()
    assert Organisation.objects.filter(pk=facebook.pk).exists()


def test_a_refused_direction_is_explained_and_cannot_be_confirmed(editor_client, make_organisation):
    group = make_organisation("Alphabet Inc.")
    google = make_organisation("Google LLC", parent=group)

    page = editor_client.post(CHANGELIST, merge_action(group.pk, google.pk, index="0")).content.decode()
    assert "would make it its own parent group" in page
    assert re.search(rf'value="{google.pk}" id="keep-{google.pk}"\s+disabled', page)

    response = editor_client.post(CHANGELIST, merge_action(group.pk, google.pk, post="yes", keep=str(google.pk)),
                                  follow=True)
    assert "would make it its own parent group" in str(list(response.context["messages"])[0])
    assert Organisation.objects.filter(pk=group.pk).exists()


def test_merging_needs_exactly_two_organisations(editor_client, twins, make_organisation):
    meta, facebook, _ = twins
    third = make_organisation("Meta Platforms Inc.")
    for selection in ([meta.pk], [meta.pk, facebook.pk, third.pk]):
        response = editor_client.post(CHANGELIST, merge_action(*selection, index="0"), follow=True)
        assert "Select exactly two organisations to merge." in str(list(response.context["messages"])[0])
    assert Organisation.objects.count() == 3


def test_editors_may_merge_although_they_may_not_delete_organisations(editor, twins):
    assert editor.has_perm("fines.change_organisation")
    assert not editor.has_perm("fines.delete_organisation")


def test_anonymous_visitors_cannot_merge(client, twins):
    meta, facebook, _ = twins
    response = client.post(CHANGELIST, merge_action(meta.pk, facebook.pk, post="yes", keep=str(meta.pk)))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Organisation.objects.filter(pk=facebook.pk).exists()


def test_staff_who_may_only_view_organisations_cannot_merge(client, twins):
    meta, facebook, _ = twins
    viewer = User.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_organisation"))
    client.force_login(viewer)

    assert "merge_organisations" not in client.get(CHANGELIST).content.decode()
    client.post(CHANGELIST, merge_action(meta.pk, facebook.pk, post="yes", keep=str(meta.pk)))
    assert Organisation.objects.filter(pk=facebook.pk).exists()
    assert facebook.decisions.count() == 2
