from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from agreements import demo
from finance import demo as finance_demo
from knowledge import demo as knowledge_demo
from networks import demo as networks_demo
from pagg.beat import install_schedule
from pagg.celery import app as celery_app
from specialprojects import demo as projects_demo
from staffing import demo as staffing_demo


class Command(BaseCommand):
    help = (
        "Create demo users (one per role), onboarding processes in every state, two "
        "years of published finance data, a library of innovation cases, thematic "
        "networks, a hiring and the Municipal Finance project. Idempotent."
    )

    def handle(self, *args, **options):
        users = demo.seed()
        finance_demo.seed(users)
        knowledge_demo.seed(users)
        staffing_demo.seed(users)
        networks_demo.seed(users)
        projects_demo.seed(users)
        # The schedules Celery beat writes on its first start, so that coordinators find
        # them under "Periodic tasks" in the admin (the demo's run_scheduler keeps its own
        # pace; these rows are what beat runs in production).
        install_schedule(celery_app)
        self.stdout.write(self.style.SUCCESS(_("Demo data ready. Log in with:")))
        for username, _first, _last, role in demo.USERS:
            self.stdout.write(f"  {username:<22} {demo.PASSWORD}   ({role.label})")
        return None
