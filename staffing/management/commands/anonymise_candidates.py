from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from staffing import services


class Command(BaseCommand):
    help = (
        "Erase the personal data and CVs of candidates who asked for it, once their "
        "position's hiring process has ended (filled or cancelled). With --all-ended, "
        "every candidate of an ended process except the one hired. Idempotent; each "
        "erasure is recorded in the audit trail without the data."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all-ended",
            action="store_true",
            help="Also every candidate not hired in an ended process, asked or not.",
        )
        parser.add_argument(
            "--candidate",
            type=int,
            action="append",
            default=[],
            metavar="ID",
            help="Only this candidate (repeatable); refused ones make the command fail.",
        )

    def handle(self, *args, all_ended=False, candidate=(), **options):
        done, refused = services.anonymise_pending(all_ended=all_ended, ids=candidate)
        for message in refused:
            self.stderr.write(message)
        self.stdout.write(
            _("%(done)d candidate(s) anonymised, %(refused)d refused.")
            % {"done": done, "refused": len(refused)}
        )
        if candidate and refused:
            raise CommandError(_("Some candidates could not be anonymised: see above."))
