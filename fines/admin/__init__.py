"""The editors' admin: enter and correct the register, and review what imports found."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import decisions, imports, register  # noqa: F401 (each registers its model admins)

admin.site.site_header = _("finetracker editors")
admin.site.site_title = _("finetracker")
admin.site.index_title = _("The register")
