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
}
