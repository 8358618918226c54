"""Create (or promote) a staff account in the Editors group; with --chief, a chief editor.

A chief editor is in both groups: Chief editors adds publishing to what Editors may do, so taking
someone out of Chief editors leaves them an editor, and nothing meant for all editors misses them.
The password is read from the FINETRACKER_PASSWORD environment variable when set, otherwise asked
for twice at the prompt; it must pass the password validators.
"""
import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fines.permissions import CHIEF_EDITORS_GROUP, EDITORS_GROUP


class Command(BaseCommand):
    help = (
        "Create an editor account (staff, in the Editors group) or add an existing user to the group; "
        "--chief makes a chief editor, who also publishes."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--chief", action="store_true", help="Also in Chief editors: may publish and unpublish decisions."
        )

    def _password(self, user) -> str:
        password = os.environ.get("FINETRACKER_PASSWORD")
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        return password

    def handle(self, *args, username: str, email: str, chief: bool, **options):
        User = get_user_model()
        with transaction.atomic():
            user = User.objects.filter(username=username).first()
            created = user is None
            if created:
                user = User(username=username, email=email)
                user.set_password(self._password(user))
            user.is_staff = True
            user.save()
            names = [EDITORS_GROUP, CHIEF_EDITORS_GROUP] if chief else [EDITORS_GROUP]
            user.groups.add(*(Group.objects.get(name=name) for name in names))
        role = "chief editor" if chief else "editor"
        verb = f"Created {role}" if created else f"Added to {' and '.join(names)}:"
        self.stdout.write(self.style.SUCCESS(f"{verb} {username}. They can sign in at /admin/."))
