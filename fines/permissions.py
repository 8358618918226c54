"""Who may do what in the admin. The groups are created by migrations."""

EDITORS_GROUP = "Editors"

# Editors add and change the register; they fix mistakes in a decision's parts (appeal events,
# sources, cited articles, aliases) but never delete a decision, authority or organisation,
# and have no say over users, groups or settings.
EDITOR_PERMISSIONS = {
    "decision": ("add", "change", "view"),
    "appealevent": ("add", "change", "delete", "view"),
    "source": ("add", "change", "delete", "view"),
    "articlecitation": ("add", "change", "delete", "view"),
    "organisation": ("add", "change", "view"),
    "organisationalias": ("add", "change", "delete", "view"),
    "authority": ("add", "change", "view"),
    "article": ("view",),
    "authorityalias": ("add", "change", "delete", "view"),
    # What the importers found: editors configure sources, read runs, review candidates and disagreements.
    "importsource": ("add", "change", "view"),
    "importrun": ("view",),
    "importproblem": ("view",),
    "candidate": ("change", "view"),
    "provenance": ("view",),
    "disagreement": ("change", "view"),
}


def editors_group_sync(apps) -> None:
    """Give the Editors group exactly EDITOR_PERMISSIONS (for a migration; `apps` is its model state)."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; the group needs them now.
    app_config = apps.get_app_config("fines")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    codenames = [f"{action}_{model}" for model, actions in EDITOR_PERMISSIONS.items() for action in actions]
    group.permissions.set(Permission.objects.filter(content_type__app_label="fines", codename__in=codenames))
