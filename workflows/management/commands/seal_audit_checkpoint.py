from django.core.management.base import BaseCommand

from workflows import audit


class Command(BaseCommand):
    help = "Seal the current head of every audit chain into a new checkpoint."

    def handle(self, *args, **options):
        checkpoint = audit.seal_checkpoint()
        self.stdout.write(f"Checkpoint {checkpoint.pk if checkpoint else '(nothing new)'}")
