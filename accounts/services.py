"""Who must give a second factor, setting one up and checking its codes; when a locked-out login may try again."""
import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from fines.permissions import CHIEF_EDITORS_GROUP

DEVICE_NAME = _("Authenticator app")


def totp_device_for(user: AbstractBaseUser, *, for_verify: bool = False) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they set one up (one each: a new one replaces the old)."""
    devices = TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("-pk")
    if for_verify:
        devices = devices.select_for_update()
    return devices.first()


def two_factor_required(user: AbstractBaseUser) -> bool:
    """Whether the admin asks this user for a second factor: whoever set one up, and chief editors when
    settings.OTP_REQUIRED_FOR_CHIEF_EDITORS is on."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists() or (
        settings.OTP_REQUIRED_FOR_CHIEF_EDITORS and user.groups.filter(name=CHIEF_EDITORS_GROUP).exists()
    )


def totp_unconfirmed_device(*, user: AbstractBaseUser, key: str) -> TOTPDevice:
    """An authenticator app not yet saved, for the QR code and the secret shown while setting it up."""
    return TOTPDevice(user=user, key=key, name=str(DEVICE_NAME), confirmed=False)


def totp_device_confirm(*, user: AbstractBaseUser, key: str, token: str) -> TOTPDevice:
    """Save the user's authenticator app once it gives a current code for `key`, replacing any earlier one.

    Nothing is saved for a wrong code (ValidationError): a device is confirmed only by a code it produced.
    """
    device = totp_unconfirmed_device(user=user, key=key)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if not (token.isdigit() and totp.verify(int(token), tolerance=device.tolerance)):
        raise ValidationError(
            _("That code is not the current one for this secret. Check the time on your phone and try again."),
            code="invalid_token",
        )
    device.last_t = totp.t()  # the code just used does not sign in again
    device.drift = totp.drift
    device.confirmed = True
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device.full_clean()
        device.save()
    return device


def totp_verify(*, user: AbstractBaseUser, token: str) -> TOTPDevice:
    """The user's authenticator app if `token` is its current code; ValidationError otherwise.

    django-otp makes each wrong code double the wait before the next try, so codes cannot be guessed.
    """
    # The row stays locked while the code and the wait are checked, so two tries at once count as two.
    with transaction.atomic():
        device = totp_device_for(user, for_verify=True)
        if device is None:
            raise ValidationError(_("You have not set up an authenticator app."), code="no_device")
        allowed, details = device.verify_is_allowed()
        verified = allowed and device.verify_token(token)
    # Raised after the transaction, so that the failure the device recorded is kept.
    if not allowed:
        until = (details or {}).get("locked_until")
        raise ValidationError(
            gettext("Too many wrong codes. Wait until %(time)s and try again.")
            % {"time": formats.time_format(timezone.localtime(until), "H:i:s")}
            if until
            else gettext("Too many wrong codes. Wait a moment and try again."),
            code="throttled",
        )
    if not verified:
        raise ValidationError(
            _("That code is not right. Enter the current six-digit code from your authenticator app."),
            code="invalid_token",
        )
    return device


def login_locked_until(request: HttpRequest, username: str) -> datetime.datetime | None:
    """When the account's cool-off after too many failed logins ends (counted from its last failure)."""
    last_failure = AccessAttempt.objects.filter(username=username).aggregate(last=Max("attempt_time"))["last"]
    if last_failure is None:
        return None
    until = last_failure + get_cool_off(request)
    whole_minute = until.replace(second=0, microsecond=0)  # the page says minutes: never one too early
    return whole_minute if whole_minute == until else whole_minute + datetime.timedelta(minutes=1)
