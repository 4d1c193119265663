from django.core.management.base import BaseCommand

from notifications import reminders


class Command(BaseCommand):
    help = "Run one reminder sweep (due soon, overdue, escalation) and print what it sent."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print, send nothing")

    def handle(self, *args, dry_run=False, **options):
        result = reminders.sweep(dry_run=dry_run)
        verb = "would send" if dry_run else "sent"
        for reminder in result:
            self.stdout.write(
                f"{verb}: {reminder.kind:<10} task {reminder.task.pk:<6} "
                f"to {reminder.recipient.get_username():<20} ({reminder.step}) "
                f"{reminder.task.title}"
            )
        self.stdout.write(f"{len(result)} reminder(s) {verb}.")
