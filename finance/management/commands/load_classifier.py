from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from finance import classifier, parsing


class Command(BaseCommand):
    help = "Load or update the budget classifier from a CSV or XLSX file (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--deactivate-missing", action="store_true")

    def handle(self, path, deactivate_missing=False, **options):
        data = Path(path).read_bytes()
        try:
            entries = classifier.parse(path, data)
        except classifier.ClassifierFileError as error:
            raise CommandError("\n".join(error.problems)) from error
        except parsing.Refused as error:
            raise CommandError(str(error)) from error
        summary = classifier.load(entries, deactivate_missing=deactivate_missing)
        self.stdout.write(
            "created {created}, updated {updated}, deactivated {deactivated}".format(**summary)
        )
