"""The admin's two-factor pages (mounted by accounts.sites.EditorsAdminSite) and django-axes' lockout page."""
import math
import textwrap
from base64 import b32encode

import django_otp
import segno
from axes.helpers import get_client_username
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import default_key

from . import services
from .forms import TokenForm

PENDING_KEY_SESSION_KEY = "accounts_totp_pending_key"


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return reverse("admin:index")


def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the secret), then confirm with a current code.

    The secret waits in the session until a code from it is given; only then is the device saved.
    """
    key = request.session.get(PENDING_KEY_SESSION_KEY)
    if not key:
        key = request.session[PENDING_KEY_SESSION_KEY] = default_key()
    form = TokenForm(request.POST or None)
    if form.is_valid():
        try:
            device = services.totp_device_confirm(user=request.user, key=key, token=form.cleaned_data["token"])
        except ValidationError as error:
            form.add_error("token", error)
        else:
            del request.session[PENDING_KEY_SESSION_KEY]
            django_otp.login(request, device)
            messages.success(
                request, _("Two-factor authentication is on: from now on you sign in with a code as well.")
            )
            return HttpResponseRedirect(_next_url(request))
    device = services.totp_unconfirmed_device(user=request.user, key=key)
    context = {
        **admin.site.each_context(request),
        "title": _("Set up two-factor authentication"),
        "form": form,
        "next": _next_url(request),
        "qr_code": segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff"),
        "secret": " ".join(textwrap.wrap(b32encode(device.bin_key).decode(), 4)),  # as apps show it to type in
        "enrolled": services.totp_device_for(request.user) is not None,
        "required": services.two_factor_required(request.user),
    }
    return render(request, "accounts/two_factor_enrol.html", context)


def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Give a code for a session that began without one (e.g. before the authenticator app was added)."""
    form = TokenForm(request.POST or None)
    if form.is_valid():
        try:
            device = services.totp_verify(user=request.user, token=form.cleaned_data["token"])
        except ValidationError as error:
            form.add_error("token", error)
        else:
            django_otp.login(request, device)
            return HttpResponseRedirect(_next_url(request))
    context = {
        **admin.site.each_context(request),
        "title": _("Enter your authentication code"),
        "form": form,
        "next": _next_url(request),
    }
    return render(request, "accounts/two_factor_verify.html", context)


def lockout(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes' answer to a login while the account cools off: 429, saying when to try again."""
    username = get_client_username(request, credentials) or ""
    locked_until = services.login_locked_until(request, username)
    context = {
        **admin.site.each_context(request),
        "title": _("Too many failed logins"),
        "username": username,
        "locked_until": locked_until,
    }
    response = render(request, "accounts/lockout.html", context, status=429)
    if locked_until:
        response["Retry-After"] = str(max(1, math.ceil((locked_until - timezone.now()).total_seconds())))
    return response
