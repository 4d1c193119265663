from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from agreements import scope
from agreements.models import Municipality, Region


class Command(BaseCommand):
    help = (
        "Grant or revoke a territorial scope: a facilitator's region or municipality, "
        "or a municipal officer's municipality. Recorded in the audit trail."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=["facilitator", "municipal_officer"], required=True)
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--region", help="region (state) code, e.g. 15")
        target.add_argument("--municipality", help="municipality code, e.g. 1501")
        parser.add_argument("--revoke", action="store_true")
        parser.add_argument("--by", help="username of the coordinator granting it")

    def handle(self, username, role, region=None, municipality=None, revoke=False, by=None, **_):
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
            actor = User.objects.get(username=by) if by else None
            place = (
                Region.objects.get(code=region)
                if region
                else Municipality.objects.get(code=municipality)
            )
        except (User.DoesNotExist, Region.DoesNotExist, Municipality.DoesNotExist) as error:
            raise CommandError(str(error)) from error
        if role == "municipal_officer":
            if region:
                raise CommandError("A municipal officer's scope is one municipality.")
            operation = scope.revoke_officer if revoke else scope.grant_officer
        elif region:
            operation = (
                scope.revoke_facilitator_region if revoke else scope.grant_facilitator_region
            )
        else:
            operation = (
                scope.revoke_facilitator_municipality
                if revoke
                else scope.grant_facilitator_municipality
            )
        operation(user, place, by=actor)
        verb = "Revoked" if revoke else "Granted"
        self.stdout.write(f"{verb}: {user.get_username()} {role} of {place}")
