"""Where a process stands, drawn: its flow's diagram marked with the state of its tasks.

viewflow places a flow's nodes on a grid and routes the edges between them
(``viewflow.workflow.chart``); both are reused as they are. This module gives the
nodes our shapes and only translated labels, never a node's code name; turns the grid
to run top to bottom, so that it fits a phone and reads beside the timeline; and marks
each node with what its tasks in one process say: done, current (who holds it, when it
is due) or not reached.

A node's label is its title: a human task's ``title``, or the one a flow gives any
other node with viewflow's ``.Annotation(title=...)`` (``flow.Function`` steps have
one). Decisions, splits and joins are drawn without text; a start or an end without a
title reads "Start" or "End".
"""

from dataclasses import dataclass, field
from functools import lru_cache
from textwrap import shorten, wrap

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from viewflow.workflow import chart as viewflow_chart
from viewflow.workflow.status import STATUS

OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)

# Drawing units, in the diagram's own top-to-bottom orientation.
GAP = 28  # between rows and lanes; viewflow routes the edges in these gaps
MARGIN = 12
STEP_WIDTH = 190
LINE = 16  # baseline to baseline
PADDING = 10
WRAP = 23  # characters per line of a title (13 px) in a step
STATUS_WRAP = 27  # of a holder or a date (12 px)
TITLE_LINES = 3
GATE = 36  # the diamonds of decisions, splits and joins
PILL_WIDTH, PILL_HEIGHT = 76, 28  # start and end

# viewflow's task types, as the kinds of node drawn here.
KINDS = {
    "HUMAN": "step",
    "HUMAN_START": "begin",
    "START": "begin",
    "END": "finish",
    "FUNCTION": "auto",
    "JOB": "auto",
    "EXCLUSIVE_GATEWAY": "decision",
    "SWITCH": "decision",
    "PARALLEL_GATEWAY": "fork",
    "JOIN": "merge",
}
BOXES = ("step", "auto")  # the kinds drawn as a box with their title inside
PILLS = ("begin", "finish")


def _kind_name(kind):
    """What a node without a title is, for a screen reader (and a start's or end's text)."""
    return {
        "begin": _("Start"),
        "finish": _("End"),
        "decision": _("Decision"),
        "fork": _("Tasks in parallel"),
        "merge": _("Wait for the tasks in parallel"),
    }.get(kind) or _("Event")


def _state_name(state):
    return {
        "done": _("completed"),
        "current": _("in progress"),
        "cancelled": _("cancelled"),
        "error": _("stopped by an error"),
    }.get(state) or _("not reached yet")


def node_title(node):
    """The node's translated title, or None if it has only viewflow's fallback.

    viewflow titles every untitled node with its code name ("Check review"), which a
    person must never read. A title given as a translatable string always counts.
    """
    title = getattr(node, "task_title", "")
    if not title:
        return None
    if isinstance(title, Promise):
        return str(title)
    if title == node.name.replace("_", " ").title():
        return None
    return str(title)


def node_kind(node):
    return KINDS.get(getattr(node, "task_type", ""), "event")


def person(user):
    return (user.get_full_name() or user.get_username()) if user else ""


def holder(task):
    """Who holds an open task: the person, or the queue of the role it waits in."""
    if task.owner_id:
        return person(task.owner)
    if task.role:
        return _("Unassigned (%(role)s)") % {"role": task.get_role_display()}
    return _("Unassigned")


def short_date(value):
    return formats.date_format(timezone.localtime(value), "SHORT_DATE_FORMAT")


def due_text(task):
    if task.is_overdue:
        return _("Overdue since %(date)s") % {"date": short_date(task.due_at)}
    return _("Due %(date)s") % {"date": short_date(task.due_at)}


# What is drawn: nodes with their texts, edges with their paths.


@dataclass
class Text:
    text: str
    x: int
    y: int
    css: str = ""


@dataclass
class Node:
    """A node as drawn for one process. ``key`` is its element id, never its code name."""

    key: str
    kind: str
    state: str  # done, current, todo, cancelled, error
    title: str | None
    label: str  # what it says to a screen reader, and in a tooltip
    lines: list  # (text, css) to write inside it
    open_tasks: list  # a current step's
    x: int = 0
    y: int = 0
    width: int = 0
    height: int = 0
    texts: list = field(default_factory=list)

    @property
    def diamond(self):
        cx, cy = self.x + self.width // 2, self.y + self.height // 2
        return f"{cx},{self.y} {self.x + self.width},{cy} {cx},{self.y + self.height} {self.x},{cy}"


@dataclass
class Edge:
    path: str
    taken: bool  # the process went along it
    back: bool  # it returns to an earlier step


@dataclass
class Entry:
    """A line of the timeline: a task that was done or is open, or a step not reached."""

    title: str
    state: str
    task: object = None
    person: str = ""
    state_label: str = ""


@dataclass
class ProcessChart:
    width: int
    height: int
    nodes: list
    edges: list
    label: str  # the diagram's accessible name
    timeline: list
    not_reached: list
    current: list

    @property
    def min_width(self):
        """The narrowest the diagram is drawn before its box scrolls: its text stays legible
        (13 px, no smaller: a wider diagram scrolls inside its box on a phone)."""
        return self.width


# The layout: viewflow's grid, per flow; sized and routed per drawing.


@lru_cache(maxsize=32)
def _grid_places(flow_class):
    """viewflow's order of the flow's nodes and each one's (row, column), left to right."""
    nodes, _reversed = viewflow_chart.topsort(flow_class)
    order = {node: index for index, node in enumerate(nodes)}
    incoming = {
        node: sorted((edge.src for edge in node._incoming()), key=order.get) for node in nodes
    }
    outgoing = {
        node: sorted((edge.dst for edge in node._outgoing()), key=order.get) for node in nodes
    }
    grid = viewflow_chart.layout(nodes, incoming, outgoing)
    _share_lanes(grid)
    return tuple(nodes), {cell.node: (cell.row, cell.col) for cell in grid.cells}


def _share_lanes(grid):
    """Put each of viewflow's rows into the first earlier row it does not overlap.

    viewflow gives a return branch or a second start a row of its own across the whole
    flow; turned top to bottom each row is a lane as wide as a step, and four of them
    do not fit a phone. A row whose span of columns meets no span already in a lane
    joins that lane (a span, not its columns: a parallel branch stays beside the path
    it runs along). The edges are routed afterwards.
    """
    lanes, lane_of = [], {}
    for row in sorted({cell.row for cell in grid.cells}):
        columns = [cell.col for cell in grid.cells if cell.row == row]
        low, high = min(columns), max(columns)
        for index, spans in enumerate(lanes):
            if all(high < start or low > end for start, end in spans):
                spans.append((low, high))
                lane_of[row] = index
                break
        else:
            lane_of[row] = len(lanes)
            lanes.append([(low, high)])
    for cell in grid.cells:
        cell.row = lane_of[cell.row]


def _size(node):
    """A node's width and height, from what it has to say."""
    if node.kind in BOXES:
        return STEP_WIDTH, 2 * PADDING + LINE * max(len(node.lines), 2)
    if node.kind in PILLS:
        return max(PILL_WIDTH, 7 * len(node.lines[0][0]) + 24), PILL_HEIGHT
    return GATE, GATE


def _layout(flow_class, drawn):
    """Place ``drawn`` (node -> Node) top to bottom; return the edges' routes and the size.

    viewflow's grid runs left to right: it is sized with each node's width and height
    swapped, routed by viewflow, and then turned, x and y swapping everywhere.
    """
    nodes, places = _grid_places(flow_class)
    grid = viewflow_chart.Grid(nodes)
    for node, (row, col) in places.items():
        grid[node].row, grid[node].col = row, col
    cells = list(grid.cells)
    row_sizes = [0] * (max(cell.row for cell in cells) + 1)
    col_sizes = [0] * (max(cell.col for cell in cells) + 1)
    for cell in cells:
        width, height = _size(drawn[cell.node])
        cell.shape.width, cell.shape.height = height, width
        row_sizes[cell.row] = max(row_sizes[cell.row], cell.shape.height)
        col_sizes[cell.col] = max(col_sizes[cell.col], cell.shape.width)
    for cell in cells:
        cell.x = MARGIN + sum(col_sizes[: cell.col]) + GAP * cell.col
        cell.y = MARGIN + sum(row_sizes[: cell.row]) + GAP * cell.row
        cell.width, cell.height = col_sizes[cell.col], row_sizes[cell.row]
        cell.shape.x = cell.x + (cell.width - cell.shape.width) // 2
        cell.shape.y = cell.y + (cell.height - cell.shape.height) // 2
    viewflow_chart.calc_edges(grid)

    for cell in cells:
        node = drawn[cell.node]
        node.x, node.y = cell.shape.y, cell.shape.x
        node.width, node.height = cell.shape.height, cell.shape.width
    routes = []  # (from, to, points, whether it goes back to an earlier step)
    for edge in grid.edges:
        if edge.segments:
            points = [(int(y), int(x)) for x, y in edge.segments]
            back = grid[edge.dst].col < grid[edge.src].col
            routes.append((edge.src, edge.dst, points, back))
    # An edge may run in the gap before the first row or lane: keep it inside the drawing.
    points = [point for *_ends, route, _back in routes for point in route]
    shift_x = max(0, MARGIN // 2 - min(x for x, _y in points)) if points else 0
    shift_y = max(0, MARGIN // 2 - min(y for _x, y in points)) if points else 0
    for node in drawn.values():
        node.x, node.y = node.x + shift_x, node.y + shift_y
    for *_ends, route, _back in routes:
        route[:] = [(x + shift_x, y + shift_y) for x, y in route]
    points = [point for *_ends, route, _back in routes for point in route]
    width = max([node.x + node.width for node in drawn.values()] + [x for x, _y in points])
    height = max([node.y + node.height for node in drawn.values()] + [y for _x, y in points])
    return routes, width + MARGIN, height + MARGIN


# One process's marks.


def _state(tasks, kind):
    statuses = {task.status for task in tasks}
    if STATUS.ERROR in statuses:
        return "error"
    if kind == "step" and statuses & set(OPEN):
        return "current"
    if STATUS.DONE in statuses:
        return "done"
    if statuses and statuses <= {STATUS.CANCELED}:
        return "cancelled"
    return "todo"


def _status_lines(kind, state, tasks, open_tasks):
    """The lines under a box's title: who holds it and when it is due, or when it was done."""
    if kind not in BOXES:
        return []
    if state == "current":
        if len(open_tasks) == 1:
            task = open_tasks[0]
            css = "holder" if task.owner_id else "queue"
            lines = [(holder(task), css)]
        else:
            count = len(open_tasks)
            text = ngettext("%(count)s open task", "%(count)s open tasks", count)
            lines = [(text % {"count": count}, "holder")]
        dated = sorted((task for task in open_tasks if task.due_at), key=lambda t: t.due_at)
        if dated:
            lines.append((due_text(dated[0]), "due late" if dated[0].is_overdue else "due"))
        return lines
    if state == "done":
        finished = [task.finished for task in tasks if task.finished]
        if finished:
            return [(_("Completed %(date)s") % {"date": short_date(max(finished))}, "when")]
    if state == "cancelled":
        return [(_("Cancelled"), "when")]
    if state == "error":
        return [(_("Stopped by an error"), "due late")]
    return []


def _title_lines(title):
    lines = wrap(title, WRAP) if title else []
    if len(lines) > TITLE_LINES:
        rest = " ".join(lines[TITLE_LINES - 1 :])
        lines = lines[: TITLE_LINES - 1] + [shorten(rest, WRAP, placeholder="…")]
    return lines


def _mark(index, flow_node, tasks):
    kind = node_kind(flow_node)
    title = node_title(flow_node)
    state = _state(tasks, kind)
    open_tasks = [task for task in tasks if task.status in OPEN] if state == "current" else []
    status = _status_lines(kind, state, tasks, open_tasks)
    name = title or _kind_name(kind)
    details = "; ".join(text for text, _css in status)
    if state == "done" and details:  # "Completed on ..." says it
        label = f"{name}: {details}"
    else:
        label = f"{name} ({_state_name(state)})" + (f": {details}" if details else "")
    if kind in PILLS:
        lines = [(name, "pill")]
    elif kind in BOXES:
        lines = [(text, "title") for text in _title_lines(title)]
        for text, css in status:  # a queue's name may take two lines
            lines += [(part, css) for part in wrap(text, STATUS_WRAP)[:2]]
    else:
        lines = []
    return Node(
        key=f"n{index}",
        kind=kind,
        state=state,
        title=title,
        label=label,
        lines=lines,
        open_tasks=open_tasks,
    )


def _write(node):
    """Place the node's lines inside it, centred."""
    cx = node.x + node.width // 2
    if node.kind in PILLS:
        node.texts = [Text(node.lines[0][0], cx, node.y + node.height // 2 + 5, "pill")]
        return
    top = node.y + (node.height - LINE * len(node.lines)) // 2
    for number, (text, css) in enumerate(node.lines):
        if css == "when" and node.state == "done":
            text = f"\u2713 {text}"  # a tick to see; the label says "completed"
        node.texts.append(Text(text, cx, top + LINE * number + 12, css))


def process_chart(process, tasks):
    """The diagram of ``process``'s flow marked with ``tasks``, and its timeline.

    ``tasks``: every task of the process with its owner, oldest first
    (``selectors.process_tasks``). One query more reads which edges the process went
    along. Returns a ``ProcessChart``, or None when the flow's code is gone.
    """
    if process.flow_class is None:
        return None
    by_node = {}
    for task in tasks:
        by_node.setdefault(task.flow_task, []).append(task)
    nodes, _places = _grid_places(process.flow_class)
    drawn = {node: _mark(index, node, by_node.get(node, [])) for index, node in enumerate(nodes)}
    routes, width, height = _layout(process.flow_class, drawn)
    for node in drawn.values():
        _write(node)
    taken = _taken_edges(tasks)
    edges = [
        Edge(
            path=" ".join(f"{'L' if i else 'M'}{x},{y}" for i, (x, y) in enumerate(points)),
            taken=(src, dst) in taken,
            back=back,
        )
        for src, dst, points, back in routes
    ]
    ordered = [drawn[node] for node in nodes]
    current = [node for node in ordered if node.state == "current"]
    timeline = [
        Entry(
            title=task.title,
            state=_task_state(task),
            task=task,
            person=holder(task) if task.status in OPEN else person(task.owner),
            state_label=task.state_label,
        )
        for task in tasks
        if task.flow_task_type == "HUMAN"
    ]
    not_reached = []
    if process.status not in (STATUS.DONE, STATUS.CANCELED):
        not_reached = [
            Entry(title=node.title, state="todo")
            for node in ordered
            if node.kind in BOXES and node.title and node.state == "todo"
        ]
    return ProcessChart(
        width=width,
        height=height,
        nodes=ordered,
        edges=edges,
        label=_chart_label(process, current),
        timeline=timeline,
        not_reached=not_reached,
        current=current,
    )


def _task_state(task):
    if task.status in OPEN:
        return "current"
    return {STATUS.DONE: "done", STATUS.CANCELED: "cancelled", STATUS.ERROR: "error"}.get(
        task.status, "todo"
    )


def _taken_edges(tasks):
    """The (from, to) node pairs the process went along, from the tasks' ``previous``."""
    if not tasks:
        return set()
    nodes = {task.pk: task.flow_task for task in tasks}
    links = (
        type(tasks[0])
        .previous.through.objects.filter(from_task__in=list(nodes))
        .values_list("to_task_id", "from_task_id")
    )
    return {(nodes.get(before), nodes.get(after)) for before, after in links}


def _chart_label(process, current):
    name = _("Diagram of the process: %(flow)s") % {"flow": process.flow_title}
    if process.status == STATUS.DONE:
        return _("%(name)s. The process is completed.") % {"name": name}
    if process.status == STATUS.CANCELED:
        return _("%(name)s. The process was cancelled.") % {"name": name}
    if not current:
        return f"{name}."
    steps = " / ".join(node.label for node in current)
    return _("%(name)s. Current step: %(steps)s.") % {"name": name, "steps": steps}
