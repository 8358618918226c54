"""Who may do what in the admin. The groups are created by migrations."""

EDITORS_GROUP = "Editors"
CHIEF_EDITORS_GROUP = "Chief editors"

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

# Chief editors do what editors do, and decide what the public sees: they publish and unpublish.
CHIEF_EDITOR_PERMISSIONS = EDITOR_PERMISSIONS | {"decision": (*EDITOR_PERMISSIONS["decision"], "publish")}


def _group_sync(apps, name: str, permissions: dict[str, tuple[str, ...]]) -> None:
    """Give the group exactly these permissions (for a migration; `apps` is its model state)."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; the group needs them now.
    app_config = apps.get_app_config("fines")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=name)
    codenames = [f"{action}_{model}" for model, actions in permissions.items() for action in actions]
    group.permissions.set(Permission.objects.filter(content_type__app_label="fines", codename__in=codenames))


def editors_group_sync(apps) -> None:
    """Give the Editors group exactly EDITOR_PERMISSIONS."""
    _group_sync(apps, EDITORS_GROUP, EDITOR_PERMISSIONS)


def chief_editors_group_sync(apps) -> None:
    """Give the Chief editors group exactly CHIEF_EDITOR_PERMISSIONS."""
    _group_sync(apps, CHIEF_EDITORS_GROUP, CHIEF_EDITOR_PERMISSIONS)
