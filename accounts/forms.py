from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services


def token_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label=_("Authentication code"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}),
        **kwargs,
    )


class EditorLoginForm(AdminAuthenticationForm):
    """The admin's login: username and password, and the authenticator app's code from those who set one up.

    The password is checked first (django-axes counts the failures); only then the code, against the one
    device the editor has.
    """

    otp_token = token_field(
        required=False, help_text=_("Only if you have set up an authenticator app for two-factor authentication.")
    )

    def clean(self):
        cleaned_data = super().clean()
        user = self.get_user()
        if user is not None and services.totp_device_for(user) is not None:
            token = cleaned_data.get("otp_token", "").strip()
            if not token:
                raise ValidationError(
                    _("Enter the six-digit code from your authenticator app as well."), code="token_required"
                )
            # django_otp's user_logged_in receiver keeps this device in the session: the login is verified.
            user.otp_device = services.totp_verify(user=user, token=token)
        return cleaned_data


class TokenForm(forms.Form):
    """A current code from an authenticator app: to confirm a new one, or to verify a session."""

    token = token_field(help_text=_("Six digits; a new one every 30 seconds."))

    def clean_token(self) -> str:
        return self.cleaned_data["token"].replace(" ", "")
