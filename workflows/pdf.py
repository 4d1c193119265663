"""What every PDF the system writes shares: "Page n of m" and a line of its own on each page."""

from django.utils.translation import gettext as _

MUTED = "#5b6776"
RULE = "#c9d2dc"
ALERT = "#b3261e"


def numbered_canvas(footer, *, header="", mark="", margin_cm=1.5):
    """A reportlab canvas class that writes, on every page, ``footer`` and "Page n of m"
    at the foot, and ``header`` (with ``mark`` in red on the right, e.g. "DRAFT") at the
    top, once all the pages are laid out.

    The page count is known only when the document is saved, so each page's state is
    kept until then (reportlab's documented recipe).
    """
    from reportlab.lib import colors
    from reportlab.lib.units import cm
    from reportlab.pdfgen import canvas

    margin = margin_cm * cm

    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total):
            width, height = self._pagesize
            self.saveState()
            if header or mark:
                self.setFont("Helvetica", 8)
                self.setFillColor(colors.HexColor(MUTED))
                self.drawString(margin, height - 1.2 * cm, header[:110])
                if mark:
                    self.setFillColor(colors.HexColor(ALERT))
                    self.setFont("Helvetica-Bold", 8)
                    self.drawRightString(width - margin, height - 1.2 * cm, mark)
            self.setStrokeColor(colors.HexColor(RULE))
            self.line(margin, 1.5 * cm, width - margin, 1.5 * cm)
            self.setFont("Helvetica", 7.5)
            self.setFillColor(colors.HexColor(MUTED))
            self.drawString(margin, 1.0 * cm, footer[:110])
            self.drawRightString(
                width - margin,
                1.0 * cm,
                _("Page %(page)s of %(pages)s") % {"page": self._pageNumber, "pages": total},
            )
            self.restoreState()

    return NumberedCanvas
