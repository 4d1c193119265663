from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from agreements import demo
from finance import demo as finance_demo
from knowledge import demo as knowledge_demo
from networks import demo as networks_demo


class Command(BaseCommand):
    help = (
        "Create demo users (one per role), onboarding processes in every state, two "
        "years of published finance data, a library of innovation cases and thematic "
        "networks. Idempotent."
    )

    def handle(self, *args, **options):
        users = demo.seed()
        finance_demo.seed(users)
        knowledge_demo.seed(users)
        networks_demo.seed(users)
        self.stdout.write(self.style.SUCCESS(_("Demo data ready. Log in with:")))
        for username, _first, _last, role in demo.USERS:
            self.stdout.write(f"  {username:<22} {demo.PASSWORD}   ({role.label})")
        return None
