from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Editors' logins")


class EditorsAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the editors' site as `admin.site`, so that every registration lands on it."""

    default = False  # named in INSTALLED_APPS in place of "django.contrib.admin"; "accounts" is AccountsConfig
    default_site = "accounts.sites.EditorsAdminSite"
