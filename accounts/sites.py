import functools
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse

from . import services, views
from .forms import EditorLoginForm

# Pages a signed-in editor still reaches before giving a second factor (besides the page that asks for it).
TWO_FACTOR_EXEMPT_VIEWS = {"logout", "i18n_javascript"}


class EditorsAdminSite(admin.AdminSite):
    """The admin (`admin.site`, see accounts.apps): the login asks for an authenticator code from those who set
    one up, and no other page opens for them until the session has one. Chief editors are sent to set one up
    when settings.OTP_REQUIRED_FOR_CHIEF_EDITORS is on.
    """

    login_form = EditorLoginForm
    login_template = "accounts/login.html"

    def get_urls(self):
        return [
            path("two-factor/", self.admin_view(views.two_factor_enrol), name="two_factor_enrol"),
            path("two-factor/verify/", self.admin_view(views.two_factor_verify), name="two_factor_verify"),
            *super().get_urls(),
        ]

    def admin_view(self, view: Callable, cacheable: bool = False) -> Callable:
        protected = super().admin_view(view, cacheable)
        if view.__name__ in TWO_FACTOR_EXEMPT_VIEWS:
            return protected

        @functools.wraps(protected)
        def inner(request: HttpRequest, *args, **kwargs):
            step = self.two_factor_step(request)
            if step and view.__name__ != step:
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse(f'{self.name}:{step}')}?{query}")
            return protected(request, *args, **kwargs)

        return inner

    def two_factor_step(self, request: HttpRequest) -> str | None:
        """The page a signed-in editor must pass before any other: giving a code (an editor with an authenticator
        app whose session has not given one yet) or setting one up (a chief editor when it is required)."""
        if not self.has_permission(request) or request.user.is_verified():
            return None
        if not services.two_factor_required(request.user):
            return None
        return "two_factor_verify" if services.totp_device_for(request.user) else "two_factor_enrol"
