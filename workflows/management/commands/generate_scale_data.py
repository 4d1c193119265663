import json

from django.core.management.base import BaseCommand, CommandError

from workflows.models import Process


class Command(BaseCommand):
    help = (
        "Fill an empty database with a programme at national scale for the benchmarks "
        "(5,570 municipalities, 1,000,000 tasks, 2,000,000 audit events, 100,000 cases at "
        "--scale 1). Refuses a database that already holds processes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0)
        parser.add_argument(
            "--line-periods",
            type=int,
            default=1,
            help="quarters whose submissions get their ~1,200 lines (40 = all ten years)",
        )
        parser.add_argument("--no-cases", action="store_true", help="skip innovation cases")

    def handle(self, *args, scale, line_periods, no_cases, **options):
        from django.db import connection

        from bench import scale as national

        if connection.vendor != "postgresql":
            raise CommandError(
                "The scale data is made by PostgreSQL SQL; use a PostgreSQL DATABASE_URL."
            )
        if Process.objects.exists():
            raise CommandError("This database already holds processes; use an empty, migrated one.")
        summary = national.generate(
            scale, line_periods=line_periods, cases=not no_cases, out=self.stdout.write
        )
        self.stdout.write(json.dumps(summary, indent=2))
