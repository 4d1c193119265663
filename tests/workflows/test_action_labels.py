"""Every audit action the code can record has a translated label.

People read the trail on the process page, the audit desk, the CSV and the PDF; a
code such as ``project.proposal_saved`` there is a bug. The actions are found in the
code itself, so that a new ``audit.record("...")`` without a label fails here:

- the string literals (and both branches of a conditional) given as the action to
  ``audit.record``/``record``, and as ``"action"`` of ``record_many`` rows;
- f-string actions: a placeholder that is a parameter of the function around it is
  filled with the literals every call site passes there (``case.{label}_saved``); the
  others are listed in ``EXPANSIONS`` below, and an f-string not listed fails;
- every django-fsm transition of every model (``transitions.apply`` records
  ``{model_name}.{transition}``) and ``{model_name}.edited`` for every model with an
  ``audit_snapshot`` (``transitions.record_edit``).
"""

import ast
import pathlib

from django.apps import apps
from django.conf import settings
from django.utils import translation
from django_fsm import FSMFieldMixin

from workflows.actions import LABELS, label

RECORDERS = {"record"}  # audit.record and a bare record imported from it


def _project_files():
    base = pathlib.Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        path = pathlib.Path(config.path).resolve()
        if path.parent != base:  # Django's and the libraries' apps
            continue
        for file in sorted(path.rglob("*.py")):
            if not {"migrations", "tests"} & set(file.relative_to(base).parts):
                yield file.relative_to(base), ast.parse(file.read_text(), str(file))


def _literals(node):
    """The strings ``node`` can be when it is a literal or a conditional of literals."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return body | orelse if body is not None and orelse is not None else None
    return None


def _pattern(joined):
    """An f-string as a pattern: literal parts kept, each placeholder ``{}``."""
    return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in joined.values)


def _fsm_actions():
    actions = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, FSMFieldMixin):
                for transition in field.get_all_transitions(model):
                    actions.add(f"{model._meta.model_name}.{transition.name}")
    return actions


def _edit_actions():
    return {
        f"{model._meta.model_name}.edited"
        for model in apps.get_models()
        if callable(getattr(model, "audit_snapshot", None))
    }


def _audited_notifications():
    from notifications.services import _AUDITED_KINDS

    return {f"notification.{kind}" for kind in _AUDITED_KINDS}


# f-string actions whose placeholders are not parameters filled by literals.
EXPANSIONS = {
    "{}.{}": _fsm_actions,  # workflows.transitions.apply
    "{}.edited": _edit_actions,  # workflows.transitions.record_edit
    "notification.{}": _audited_notifications,  # notifications.services
}


def _call_name(call):
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


class _Scan:
    """The actions found in the project's code, and what could not be read."""

    def __init__(self):
        self.files = list(_project_files())
        self.actions = {}  # action -> where
        self.unread = []  # (where, source) of actions no rule reads

    def run(self):
        calls = self._calls()
        for _path, tree in self.files:
            for parent in ast.walk(tree):
                for node in ast.iter_child_nodes(parent):
                    node._parent = parent
        for path, tree in self.files:
            for node in ast.walk(tree):
                where = f"{path}:{getattr(node, 'lineno', 0)}"
                if isinstance(node, ast.Call) and _call_name(node) in RECORDERS and node.args:
                    self._read(node.args[0], where, calls)
                elif isinstance(node, ast.Dict):
                    for key, value in zip(node.keys, node.values, strict=True):
                        if isinstance(key, ast.Constant) and key.value == "action":
                            if not (isinstance(value, ast.Attribute) and value.attr == "action"):
                                self._read(value, where, calls)
        for pattern, expand in EXPANSIONS.items():
            for action in expand():
                self.actions.setdefault(action, f"expansion of {pattern!r}")
        return self

    def _calls(self):
        found = {}
        for _path, tree in self.files:
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    found.setdefault(_call_name(node), []).append(node)
        return found

    def _read(self, node, where, calls):
        literals = _literals(node)
        if literals is not None:
            for action in literals:
                self.actions.setdefault(action, where)
            return
        if isinstance(node, ast.JoinedStr):
            pattern = _pattern(node)
            if pattern in EXPANSIONS:
                return  # expanded once, in run()
            filled = self._fill(node, calls)
            if filled:
                for action in filled:
                    self.actions.setdefault(action, where)
                return
        if isinstance(node, ast.Name):
            function = self._enclosing(node)
            if function is not None and function.name in {"record", "_event"}:
                return  # the recorder itself, passing its argument on
            passed = self._from_callers(function, node.id, calls)
            if passed:
                for action in passed:
                    self.actions.setdefault(action, where)
                return
        self.unread.append((where, ast.unparse(node)))

    def _enclosing(self, node):
        while node is not None and not isinstance(node, ast.FunctionDef):
            node = getattr(node, "_parent", None)
        return node

    def _fill(self, joined, calls):
        """The f-string with a parameter placeholder filled from every call site's literal."""
        holes = [part for part in joined.values if isinstance(part, ast.FormattedValue)]
        if len(holes) != 1 or not isinstance(holes[0].value, ast.Name):
            return None
        values = self._from_callers(self._enclosing(joined), holes[0].value.id, calls)
        if not values:
            return None
        prefix, suffix = _pattern(joined).split("{}")
        return {prefix + value + suffix for value in values}

    def _from_callers(self, function, name, calls):
        """The literals every call of ``function`` passes as its parameter ``name``.

        None when ``name`` is not a parameter or a call site passes something else:
        the test then says so rather than guess.
        """
        if function is None:
            return None
        args = function.args
        positional = [arg.arg for arg in args.posonlyargs + args.args]
        if name not in positional and name not in [arg.arg for arg in args.kwonlyargs]:
            return None
        position = positional.index(name) if name in positional else None
        values = set()
        for call in calls.get(function.name, []):
            passed = next((k.value for k in call.keywords if k.arg == name), None)
            if passed is None and position is not None and position < len(call.args):
                passed = call.args[position]
            literals = _literals(passed) if passed is not None else None
            if literals is None:
                return None
            values |= literals
        return values or None


def test_every_recorded_action_has_a_label():
    scan = _Scan().run()
    assert not scan.unread, (
        f"Actions whose name this test cannot read; add an expansion to EXPANSIONS: {scan.unread}"
    )
    missing = sorted(
        f"{action} ({where})" for action, where in scan.actions.items() if action not in LABELS
    )
    assert not missing, "Audit actions without a label in workflows/actions.py:\n" + "\n".join(
        missing
    )


def test_the_scan_finds_actions_of_every_kind():
    """The scan reads literals, conditionals, filled parameters and the expansions."""
    actions = _Scan().run().actions
    assert "process.started" in actions  # a literal
    assert {"case.draft_saved", "case.step_saved"} <= set(actions)  # a conditional
    assert {"case.milestones_saved", "case.indicators_saved"} <= set(actions)  # a parameter
    assert "agreement.submit" in actions and "position.close_registration" in actions  # FSM
    assert "agreement.edited" in actions and "notification.escalation" in actions


def test_every_label_is_translated_to_spanish():
    with translation.override("en"):
        english = {code: str(text) for code, text in LABELS.items()}
    with translation.override("es"):
        untranslated = sorted(code for code, text in LABELS.items() if str(text) == english[code])
    assert not untranslated, untranslated


def test_an_unknown_action_reads_as_itself():
    assert label("something.new") == "something.new"
    with translation.override("es"):
        assert label("agreement.submit") == "Convenio enviado a revisión"
