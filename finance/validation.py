"""The automatic checks of a finance submission, each with a code and a severity.

Every check names the row, the column and the values it compared, so that a
municipal officer can find and fix the cell. Errors reject the upload; warnings
are accepted with a written justification. The data-quality score is the share
of checks passed.

| rule    | severity | what it checks |
|---------|----------|----------------|
| FIN-001 | error    | the header names the code and the amount columns of the period (and part) |
| FIN-002 | warning  | every column is known (unknown ones are ignored) |
| FIN-003 | error    | every code exists in the classifier |
| FIN-004 | error    | every code is written as a budget code |
| FIN-005 | error    | no code appears twice (in the same programme) |
| FIN-006 | error    | amounts are numbers |
| FIN-007 | error    | amounts are not negative |
| FIN-008 | error    | stages match the code's kind; a part's file holds that part's codes only |
| FIN-010 | error    | children sum to their parent |
| FIN-011 | error    | revenue and expenditure budgets balance (on submit when sent as parts) |
| FIN-012 | error    | paid ≤ caused ≤ committed ≤ modified budget |
| FIN-013 | error    | collected ≤ liquidated |
| FIN-014 | error    | cumulative amounts do not decrease from the previous quarter |
| FIN-015 | warning  | no large change from the same quarter last year |
| FIN-016 | error    | the file has at least one line |
| FIN-017 | error    | no cell holds a formula, in any column |

A submission comes in two parts, expenditure and revenue, as accounting systems export
them; a file may carry one part or both. Each file is checked alone against its part's
columns (``check``); the rules that span parts (FIN-011) run on the whole, on upload
when one file holds both and on submit otherwise (``check_whole``).
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import EXPENDITURE_STAGES, PART_PREFIX, REVENUE_STAGES, ClassifierEntry, Part
from .parsing import ERROR, WARNING, Finding, Findings, column_label, findings_total
from .templates_xlsx import stages_for

EXECUTION_ORDER = ("paid", "caused", "committed", "modified")
CUMULATIVE = ("committed", "caused", "paid", "liquidated", "collected")
CENT = Decimal("0.01")
RULES = {
    "FIN-001": (ERROR, gettext_lazy("Header and required columns")),
    "FIN-002": (WARNING, gettext_lazy("Unknown columns")),
    "FIN-003": (ERROR, gettext_lazy("Code in the classifier")),
    "FIN-004": (ERROR, gettext_lazy("Code written as a budget code")),
    "FIN-005": (ERROR, gettext_lazy("Code not repeated")),
    "FIN-006": (ERROR, gettext_lazy("Amounts are numbers")),
    "FIN-007": (ERROR, gettext_lazy("Amounts not negative")),
    "FIN-008": (ERROR, gettext_lazy("Stages match the code's kind")),
    "FIN-010": (ERROR, gettext_lazy("Children sum to their parent")),
    "FIN-011": (ERROR, gettext_lazy("Revenue and expenditure budgets balance")),
    "FIN-012": (ERROR, gettext_lazy("Paid ≤ caused ≤ committed ≤ modified budget")),
    "FIN-013": (ERROR, gettext_lazy("Collected ≤ liquidated")),
    "FIN-014": (ERROR, gettext_lazy("Cumulative amounts do not decrease")),
    "FIN-015": (WARNING, gettext_lazy("No large change from the same quarter last year")),
    "FIN-016": (ERROR, gettext_lazy("At least one line")),
    "FIN-017": (ERROR, gettext_lazy("Values, not formulas, in every cell")),
}

# What a finding of each check says it found: a check is named by what it wants ("No
# large change..."), and a badge with that name over a large change misreads.
FOUND = {
    "FIN-000": gettext_lazy("File that could not be read"),
    "FIN-001": gettext_lazy("Header or required columns missing"),
    "FIN-002": gettext_lazy("Unknown column"),
    "FIN-003": gettext_lazy("Code not in the classifier"),
    "FIN-004": gettext_lazy("Code not written as a budget code"),
    "FIN-005": gettext_lazy("Repeated code"),
    "FIN-006": gettext_lazy("Amount that is not a number"),
    "FIN-007": gettext_lazy("Negative amount"),
    "FIN-008": gettext_lazy("Stage that does not match the code's kind"),
    "FIN-010": gettext_lazy("Children that do not sum to their parent"),
    "FIN-011": gettext_lazy("Revenue and expenditure budgets that do not balance"),
    "FIN-012": gettext_lazy("Paid, caused, committed and modified budget out of order"),
    "FIN-013": gettext_lazy("Collected more than liquidated"),
    "FIN-014": gettext_lazy("Cumulative amount that decreased"),
    "FIN-015": gettext_lazy("Large change from the same quarter last year"),
    "FIN-016": gettext_lazy("File without lines"),
    "FIN-017": gettext_lazy("Formula in a cell"),
}


def found_label(rule):
    """What a finding of ``rule`` found, in words; never its code."""
    return str(FOUND.get(rule, gettext_lazy("Problem in the file")))


def money(value):
    return number_format(value, 2, force_grouping=True)


def percent_points(share):
    """A share as a percentage to one decimal, rounded half up: 1.2134 -> "121,3"."""
    points = (share * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return number_format(points, 1, force_grouping=True)


def carried_stages(parsed):
    """The amount columns that hold at least one amount: a report's empty columns of the
    other part (some systems print them) do not make it that part."""
    return {
        stage for line in parsed.lines for stage, value in line.amounts.items() if value is not None
    }


def detect_part(columns, carried=None):
    """The part a file's amount columns make it: expenditure, revenue, or both.

    With ``carried`` (the columns holding amounts), columns left empty do not count. A
    file with no amount column of either kind is taken as both (FIN-001 reports it).
    """
    present = set(columns) & set(carried) if carried else set(columns)
    expenditure = any(stage in present for stage in EXPENDITURE_STAGES)
    revenue = any(stage in present for stage in REVENUE_STAGES)
    if expenditure and not revenue:
        return Part.EXPENDITURE
    if revenue and not expenditure:
        return Part.REVENUE
    return Part.BOTH


OTHER_STAGES = {Part.EXPENDITURE: REVENUE_STAGES, Part.REVENUE: EXPENDITURE_STAGES}


class Checker:
    def __init__(
        self, parsed, period, classifier, previous=None, last_year=None, factor=1, part=None
    ):
        self.parsed = parsed
        self.carried = carried_stages(parsed)
        self.part = Part(part) if part else detect_part(parsed.columns, self.carried)
        self.period = period
        self.classifier = classifier  # code -> (kind, parent code)
        self.previous = previous or {}
        self.last_year = last_year or {}
        self.factor = Decimal(factor)
        self.checks = 0

    def add(self, rule, message, *, line=None, column=None):
        severity = RULES[rule][0]
        self.parsed.findings.append(
            Finding(
                rule,
                severity,
                message,
                row=line.row if line else None,
                column=self.parsed.columns.get(column) if column else None,
                code=line.code if line else None,
            )
        )

    def where(self, line, column=None):
        if column is None:
            return _("Row %(row)s (%(code)s)") % {"row": line.row, "code": line.code}
        return _("Row %(row)s (%(code)s), column %(column)s (%(label)s)") % {
            "row": line.row,
            "code": line.code,
            "column": self.parsed.columns.get(column, column),
            "label": column_label(column),
        }

    def run(self):
        parsed = self.parsed
        # Parsing already checked each cell it read.
        self.checks += sum(len(line.amounts) + 1 for line in parsed.lines)
        self.checks += (
            parsed.findings.of_rule("FIN-004")
            if isinstance(parsed.findings, Findings)
            else len([f for f in parsed.findings if f.rule == "FIN-004"])
        )
        self.required_columns()
        self.checks += 1
        if not parsed.lines:
            if not parsed.has_errors:
                self.add("FIN-016", _("The file has no lines with a budget code."))
            return self.finish()
        known = self.known_lines()
        self.amounts(known)
        self.sums(known)
        self.balance(known)
        if not self.period.is_budget:
            self.execution_order(known)
            self.cumulative(known)
        self.year_on_year(known)
        return self.finish()

    def finish(self):
        failed = findings_total(self.parsed.findings)
        self.parsed.checks_run = max(self.checks, failed)
        return self.parsed

    def required_columns(self):
        part = None if self.part == Part.BOTH else self.part
        missing = [key for key in stages_for(self.period, part) if key not in self.parsed.columns]
        if "code" in self.parsed.columns and missing:
            if part is None:
                message = _("The file lacks the columns %(columns)s that %(period)s asks for.")
            else:
                message = _(
                    "The file lacks the columns %(columns)s that the %(part)s part of "
                    "%(period)s asks for."
                )
            self.add(
                "FIN-001",
                message
                % {
                    "columns": ", ".join(f"“{column_label(k)}”" for k in missing),
                    "period": self.period,
                    "part": str(Part(self.part).label).lower(),
                },
            )
        foreign = [key for key in OTHER_STAGES.get(self.part, ()) if key in self.carried]
        if foreign:
            self.add(
                "FIN-001",
                _(
                    "The file was sent as the %(part)s part but has the columns %(columns)s of "
                    "the other part: send it without choosing a part to fill both, or remove "
                    "those columns."
                )
                % {
                    "part": str(Part(self.part).label).lower(),
                    "columns": ", ".join(
                        f"“{column_label(k)}” ({self.parsed.columns[k]})" for k in foreign
                    ),
                },
            )

    def known_lines(self):
        seen = {}
        known = []
        for line in self.parsed.lines:
            self.checks += 2
            if line.code not in self.classifier:
                self.add(
                    "FIN-003",
                    _("%(where)s: the code %(code)s is not in the budget classifier.")
                    % {"where": self.where(line, "code"), "code": line.code},
                    line=line,
                    column="code",
                )
                continue
            key = (line.program, line.code)
            if key in seen:
                self.add(
                    "FIN-005",
                    _("%(where)s: the code %(code)s already appears in row %(first)s.")
                    % {"where": self.where(line, "code"), "code": line.code, "first": seen[key]},
                    line=line,
                    column="code",
                )
                continue
            seen[key] = line.row
            known.append(line)
        return known

    def amounts(self, lines):
        allowed_by_kind = {
            ClassifierEntry.Kind.REVENUE: set(REVENUE_STAGES),
            ClassifierEntry.Kind.EXPENDITURE: set(EXPENDITURE_STAGES),
        }
        prefix = PART_PREFIX.get(self.part)
        for line in lines:
            kind = self.classifier[line.code][0]
            allowed = allowed_by_kind[kind]
            self.checks += 2
            if prefix and not line.code.startswith(prefix):
                self.add(
                    "FIN-008",
                    _("%(where)s: %(code)s is a %(kind)s code, and this file is the %(part)s part.")
                    % {
                        "where": self.where(line, "code"),
                        "code": line.code,
                        "kind": ClassifierEntry.Kind(kind).label.lower(),
                        "part": str(Part(self.part).label).lower(),
                    },
                    line=line,
                    column="code",
                )
                continue
            for stage, value in line.amounts.items():
                if value is None:
                    continue
                if value < 0:
                    self.add(
                        "FIN-007",
                        _("%(where)s: the amount %(value)s is negative.")
                        % {"where": self.where(line, stage), "value": money(value)},
                        line=line,
                        column=stage,
                    )
                if stage not in allowed and value != 0:
                    self.add(
                        "FIN-008",
                        _(
                            "%(where)s: a %(kind)s code cannot carry an amount (%(value)s) "
                            "in this column."
                        )
                        % {
                            "where": self.where(line, stage),
                            "kind": ClassifierEntry.Kind(kind).label.lower(),
                            "value": money(value),
                        },
                        line=line,
                        column=stage,
                    )

    def sums(self, lines):
        """Children sum to their parent; a parent left blank takes its children's sum.

        Parents are checked from the deepest level up, so that a blank parent filled
        from its children is itself checked against (or fills) its own parent.
        """
        present = {(line.program, line.code): line for line in lines}
        children = defaultdict(list)
        for line in lines:  # a line's parent here is its nearest ancestor in the file
            parent = self.classifier[line.code][1]
            while parent and (line.program, parent) not in present:
                parent = self.classifier.get(parent, (None, None))[1]
            if parent:
                children[(line.program, parent)].append(line)
        order = sorted(children, key=lambda key: -ClassifierEntry.level_of(key[1]))
        for key in order:
            kids = children[key]
            parent = present[key]
            self.checks += 1
            stages = {stage for kid in kids for stage in kid.amounts} | set(parent.amounts)
            for stage in sorted(stages):
                values = [kid.amounts.get(stage) for kid in kids]
                if all(value is None for value in values):
                    continue
                total = sum((value or 0 for value in values), Decimal(0))
                value = parent.amounts.get(stage)
                if value is None:
                    parent.amounts[stage] = total
                    continue
                if abs(total - value) > CENT * len(kids):
                    rows = sorted(kid.row for kid in kids)
                    self.add(
                        "FIN-010",
                        _(
                            "%(where)s: %(value)s is not the sum of its %(count)s child lines "
                            "(rows %(first)s to %(last)s), which add up to %(total)s."
                        )
                        % {
                            "where": self.where(parent, stage),
                            "value": money(value),
                            "count": len(kids),
                            "first": rows[0],
                            "last": rows[-1],
                            "total": money(total),
                        },
                        line=parent,
                        column=stage,
                    )

    def top_lines(self, lines):
        """Lines with no ancestor in the file: their sum is the file's total."""
        present = {(line.program, line.code) for line in lines}
        top = []
        for line in lines:
            parent = self.classifier[line.code][1]
            covered = False
            while parent:
                if (line.program, parent) in present:
                    covered = True
                    break
                parent = self.classifier.get(parent, (None, None))[1]
            if not covered:
                top.append(line)
        return top

    def budget_totals(self, lines):
        """Estimated revenue and initial expenditure, summed over the top lines only."""
        top = self.top_lines(lines)
        revenue = sum(
            (line.amounts.get("estimated") or 0 for line in top if line.code.startswith("3")),
            Decimal(0),
        )
        spending = sum(
            (line.amounts.get("initial") or 0 for line in top if line.code.startswith("4")),
            Decimal(0),
        )
        return revenue, spending

    def balance(self, lines):
        if self.part != Part.BOTH or not {"initial", "estimated"} <= set(self.parsed.columns):
            return
        self.checks += 1
        revenue, spending = self.budget_totals(lines)
        if revenue != spending:
            self.add(
                "FIN-011",
                _(
                    "The budget does not balance: estimated revenue (column %(rcol)s) adds up to "
                    "%(revenue)s and the initial expenditure budget (column %(ecol)s) to "
                    "%(spending)s, a difference of %(difference)s."
                )
                % {
                    "rcol": self.parsed.columns["estimated"],
                    "ecol": self.parsed.columns["initial"],
                    "revenue": money(revenue),
                    "spending": money(spending),
                    "difference": money(revenue - spending),
                },
            )

    def execution_order(self, lines):
        for line in lines:
            amounts = line.amounts
            if line.code.startswith("4"):
                self.checks += 1
                for lower, upper in zip(EXECUTION_ORDER, EXECUTION_ORDER[1:], strict=False):
                    low, high = amounts.get(lower), amounts.get(upper)
                    if low is not None and high is not None and low > high:
                        self.add(
                            "FIN-012",
                            _("%(where)s: %(lower)s %(low)s is more than %(upper)s %(high)s.")
                            % {
                                "where": self.where(line, lower),
                                "lower": column_label(lower).lower(),
                                "low": money(low),
                                "upper": column_label(upper).lower(),
                                "high": money(high),
                            },
                            line=line,
                            column=lower,
                        )
                        break
            else:
                self.checks += 1
                collected, liquidated = amounts.get("collected"), amounts.get("liquidated")
                if collected is not None and liquidated is not None and collected > liquidated:
                    self.add(
                        "FIN-013",
                        _(
                            "%(where)s: collected %(collected)s is more than "
                            "liquidated %(liquidated)s."
                        )
                        % {
                            "where": self.where(line, "collected"),
                            "collected": money(collected),
                            "liquidated": money(liquidated),
                        },
                        line=line,
                        column="collected",
                    )

    def cumulative(self, lines):
        if not self.previous:
            return
        for line in lines:
            before = self.previous.get((line.program, line.code))
            if before is None:
                continue
            self.checks += 1
            for stage in CUMULATIVE:
                now, then = line.amounts.get(stage), before.get(stage)
                if now is not None and then is not None and now < then:
                    self.add(
                        "FIN-014",
                        _(
                            "%(where)s: %(now)s is less than the %(then)s reported for the "
                            "previous quarter; quarterly amounts are cumulative."
                        )
                        % {
                            "where": self.where(line, stage),
                            "now": money(now),
                            "then": money(then),
                        },
                        line=line,
                        column=stage,
                    )
                    break

    def year_on_year(self, lines):
        if not self.last_year:
            return
        threshold = Decimal(str(settings.FINANCE_LARGE_CHANGE))
        stages = ("initial", "estimated") if self.period.is_budget else ("caused", "collected")
        for line in lines:
            if ClassifierEntry.level_of(line.code) > 1:
                continue  # partidas only: finer lines change too often to be worth a warning
            before = self.last_year.get((line.program, line.code))
            if before is None:
                continue
            self.checks += 1
            for stage in stages:
                now, then = line.amounts.get(stage), before.get(stage)
                if now is None or then is None or then == 0:
                    continue
                then = then * self.factor
                change = (now - then) / then
                if abs(change) > threshold:
                    self.add(
                        "FIN-015",
                        _(
                            "%(where)s: %(now)s changes by %(change)s %% from the %(then)s of "
                            "the same quarter last year; please explain it."
                        )
                        % {
                            "where": self.where(line, stage),
                            "now": money(now),
                            "then": money(then),
                            "change": percent_points(change),
                        },
                        line=line,
                        column=stage,
                    )
                    break


def check(parsed, period, classifier, previous=None, last_year=None, factor=1, part=None):
    """Check one file alone; ``part`` as chosen on upload, else read from its columns.

    The part checked for is left on ``parsed.part``.
    """
    checker = Checker(parsed, period, classifier, previous, last_year, factor, part)
    parsed = checker.run()
    parsed.part = checker.part
    return parsed


def check_whole(lines, period, classifier):
    """The rules that span parts, over a submission's stored lines; returns findings.

    ``lines`` are (program, code, amounts) tuples. The budget balances when the
    estimated revenue equals the initial expenditure budget, each summed over the
    lines with no ancestor among the submission's lines.
    """
    from .parsing import Parsed, ParsedLine

    parsed = Parsed(
        lines=[ParsedLine(0, code, program, amounts) for program, code, amounts in lines]
    )
    checker = Checker(parsed, period, classifier, part=Part.BOTH)
    known = [line for line in parsed.lines if line.code in classifier]
    revenue, spending = checker.budget_totals(known)
    if revenue != spending:
        checker.add(
            "FIN-011",
            _(
                "The budget does not balance: the estimated revenue of the revenue part adds "
                "up to %(revenue)s and the initial expenditure budget of the expenditure part "
                "to %(spending)s, a difference of %(difference)s."
            )
            % {
                "revenue": money(revenue),
                "spending": money(spending),
                "difference": money(revenue - spending),
            },
        )
    return parsed.findings
