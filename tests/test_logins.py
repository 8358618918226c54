"""Editors' logins: throttling with a cool-off, strong passwords, the second factor and who must have one."""
import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import F, Max
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.views import PENDING_KEY_SESSION_KEY
from tests.forms import STRONG_PASSWORD

LOGIN = "/admin/login/"
ENROL = "/admin/two-factor/"
VERIFY = "/admin/two-factor/verify/"


def log_in(client, password: str, username: str = "editor", **fields):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/", **fields})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def code(key: str, *, steps_ahead: int = 0) -> str:
    """The authenticator app's code for a hex key, now or a step (30 s) ahead."""
    return f"{TOTP(bytes.fromhex(key), drift=steps_ahead).token():06d}"


def wrong_code(key: str) -> str:
    """A six-digit code that no step the server accepts (one either side of now) would give."""
    accepted = {code(key, steps_ahead=step) for step in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """These tests log in dozens of times: a hasher that takes no time (autouse, so before the users are made)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def app(editor):
    """The editor's authenticator app, set up."""
    return TOTPDevice.objects.create(user=editor, name="Phone")


# Throttling


def test_twelve_wrong_passwords_lock_the_account_until_the_cool_off_passes(client, editor, settings):
    assert settings.AXES_FAILURE_LIMIT == 10 and settings.AXES_COOLOFF_TIME == datetime.timedelta(minutes=15)
    statuses = [log_in(client, "not-the-password").status_code for _ in range(12)]
    assert statuses == [200] * 9 + [429] * 3

    assert log_in(client, STRONG_PASSWORD).status_code == 429
    assert not logged_in(client)

    # A minute before the cool-off ends, still locked; once it has, the right password works.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=14))
    assert log_in(client, STRONG_PASSWORD).status_code == 429
    assert not logged_in(client)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=1, seconds=1))
    response = log_in(client, STRONG_PASSWORD)
    assert response.status_code == 302 and response.url == "/admin/"
    assert logged_in(client)


def test_the_lockout_page_says_when_to_try_again(client, editor):
    for _ in range(10):
        response = log_in(client, "not-the-password")
    last_failure = AccessAttempt.objects.aggregate(last=Max("attempt_time"))["last"]
    until = timezone.localtime(last_failure + datetime.timedelta(minutes=15))
    if until.second or until.microsecond:  # the page gives minutes, rounded up: never a minute too early
        until = until.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)

    assert response.status_code == 429
    assert "accounts/lockout.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "this account is locked for a while" in page
    assert f"You can log in again from {until:%H:%M}" in page
    assert "Traceback" not in page
    assert 890 <= int(response["Retry-After"]) <= 960


def test_trying_during_the_cool_off_does_not_extend_it(client, editor):
    for _ in range(10):
        log_in(client, "not-the-password")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=10))
    last_failure = AccessAttempt.objects.get().attempt_time

    assert log_in(client, "still-not-the-password").status_code == 429
    assert log_in(client, STRONG_PASSWORD).status_code == 429
    assert AccessAttempt.objects.get().attempt_time == last_failure


def test_a_successful_login_resets_the_failures(client, editor):
    for _ in range(9):
        log_in(client, "not-the-password")
    assert log_in(client, STRONG_PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()

    client.post("/admin/logout/")
    statuses = [log_in(client, "not-the-password").status_code for _ in range(9)]
    assert statuses == [200] * 9  # nine more, not one, before the lock
    assert log_in(client, STRONG_PASSWORD).status_code == 302


def test_one_accounts_failures_do_not_lock_another(client, editor, chief_editor):
    for _ in range(10):
        log_in(client, "not-the-password")
    assert log_in(client, STRONG_PASSWORD, username="chief").status_code == 302


# Passwords


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("password1234", "password_too_common"),
        ("834620175398", "password_entirely_numeric"),
        ("Sh0rt-pass!", "password_too_short"),
        ("annelies.devries", "password_too_similar"),
    ],
)
def test_weak_passwords_are_refused(db, password, code):
    user = User(username="annelies.devries", email="annelies@example.org")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert code in [error.code for error in refused.value.error_list]


def test_a_long_uncommon_password_is_accepted(db):
    validate_password(STRONG_PASSWORD, User(username="editor"))


# Two-factor at login


def test_an_editor_with_an_authenticator_app_must_give_its_code(client, editor, app):
    response = log_in(client, STRONG_PASSWORD)
    assert response.status_code == 200
    assert "Enter the six-digit code from your authenticator app as well." in response.content.decode()
    assert not logged_in(client)

    response = log_in(client, STRONG_PASSWORD, otp_token=code(app.key))
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.session[DEVICE_ID_SESSION_KEY] == app.persistent_id
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_does_not_log_in(client, editor, app):
    response = log_in(client, STRONG_PASSWORD, otp_token=wrong_code(app.key))
    assert response.status_code == 200
    assert "That code is not right." in response.content.decode()
    assert not logged_in(client)
    app.refresh_from_db()
    assert app.throttling_failure_count == 1  # and the next try must wait: codes cannot be guessed


def test_a_wrong_password_with_the_right_code_does_not_log_in(client, editor, app):
    response = log_in(client, "not-the-password", otp_token=code(app.key))
    assert response.status_code == 200 and not logged_in(client)
    assert AccessAttempt.objects.get().failures_since_start == 1


def test_an_editor_without_an_app_logs_in_with_the_password_alone(client, editor):
    response = log_in(client, STRONG_PASSWORD)
    assert response.status_code == 302 and logged_in(client)
    assert client.get("/admin/").status_code == 200


def test_a_session_without_a_code_is_asked_for_one_before_the_admin_opens(client, editor, app):
    client.force_login(editor)  # e.g. signed in before the app was added

    response = client.get("/admin/fines/decision/")
    assert response.status_code == 302 and response.url == f"{VERIFY}?next=%2Fadmin%2Ffines%2Fdecision%2F"

    response = client.post(VERIFY, {"token": code(app.key), "next": "/admin/fines/decision/"})
    assert response.status_code == 302 and response.url == "/admin/fines/decision/"
    assert client.get("/admin/fines/decision/").status_code == 200


# Who must have a second factor


def test_a_chief_editor_without_an_app_is_sent_to_set_one_up_when_it_is_required(client, chief_editor, settings):
    settings.OTP_REQUIRED_FOR_CHIEF_EDITORS = True
    response = log_in(client, STRONG_PASSWORD, username="chief")
    assert response.status_code == 302 and logged_in(client)

    for page in ("/admin/", "/admin/fines/decision/", "/admin/password_change/"):
        response = client.get(page)
        assert response.status_code == 302
        assert response.url.startswith(f"{ENROL}?next=")
    response = client.get(ENROL)
    assert response.status_code == 200
    assert "Chief editors sign in with a second factor." in response.content.decode()


def test_a_chief_editor_without_an_app_gets_the_admin_when_it_is_not_required(client, chief_editor, settings):
    settings.OTP_REQUIRED_FOR_CHIEF_EDITORS = False
    client.force_login(chief_editor)
    assert client.get("/admin/").status_code == 200


def test_an_editor_is_not_made_to_set_up_an_app(editor_client, settings):
    settings.OTP_REQUIRED_FOR_CHIEF_EDITORS = True
    response = editor_client.get("/admin/")
    assert response.status_code == 200
    assert f'href="{ENROL}"' in response.content.decode()  # but may, from the link at the top


# Setting up an authenticator app


def test_setting_up_saves_the_app_only_after_a_current_code(client, chief_editor, settings):
    settings.OTP_REQUIRED_FOR_CHIEF_EDITORS = True
    client.force_login(chief_editor)
    response = client.get(ENROL, {"next": "/admin/fines/"})
    page = response.content.decode()
    key = client.session[PENDING_KEY_SESSION_KEY]
    assert "<svg" in page  # the QR code
    assert response.context["secret"].replace(" ", "") in page.replace(" ", "")

    response = client.post(ENROL, {"token": wrong_code(key), "next": "/admin/fines/"})
    assert response.status_code == 200
    assert "That code is not the current one for this secret." in response.content.decode()
    assert not TOTPDevice.objects.exists()
    assert client.session[PENDING_KEY_SESSION_KEY] == key  # the app already scanned still fits

    response = client.post(ENROL, {"token": code(key), "next": "/admin/fines/"})
    assert response.status_code == 302 and response.url == "/admin/fines/"
    device = TOTPDevice.objects.get()
    assert (device.user, device.key, device.confirmed) == (chief_editor, key, True)
    assert PENDING_KEY_SESSION_KEY not in client.session
    assert client.get("/admin/").status_code == 200  # this session gave its code

    # From now on the login asks for one; the code used to set up does not serve twice.
    client.post("/admin/logout/")
    assert log_in(client, STRONG_PASSWORD, username="chief", otp_token=code(key)).status_code == 200
    assert not logged_in(client)
    a_second = datetime.timedelta(seconds=1)  # the wait after that wrong code
    TOTPDevice.objects.update(throttling_failure_timestamp=F("throttling_failure_timestamp") - a_second)
    assert log_in(client, STRONG_PASSWORD, username="chief", otp_token=code(key, steps_ahead=1)).status_code == 302
    assert logged_in(client)


def test_a_new_app_replaces_the_old_one(client, editor, app):
    client.force_login(editor)
    client.post(VERIFY, {"token": code(app.key)})
    client.get(ENROL)
    key = client.session[PENDING_KEY_SESSION_KEY]

    assert client.post(ENROL, {"token": code(key)}).status_code == 302
    assert list(TOTPDevice.objects.values_list("key", flat=True)) == [key]


def test_a_session_without_a_code_cannot_replace_the_app(client, editor, app):
    client.force_login(editor)
    response = client.post(ENROL, {"token": "123456"})
    assert response.status_code == 302 and response.url.startswith(f"{VERIFY}?next=")
    assert list(TOTPDevice.objects.all()) == [app]
