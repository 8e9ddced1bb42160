"""What the dashboard writes to disk, and the sentence that says how it went.

Split from :mod:`intake.ui.export.dashboard` so the view keeps to its filters, charts and
reading, while choosing a file, drawing the protected figures as PNG/SVG and putting the
outcome into words live here. Nothing here imports the view: it passes the service, the
figures and the chosen path in, and gets an outcome back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from intake.i18n import _
from intake.services.dashboard import Dashboard, DashboardService
from intake.services.exports import SMALL_CELL_THRESHOLD
from intake.ui.export.dashboard_charts import png_bytes, svg_bytes
from intake.ui.kit.errors import error_text
from intake.ui.kit.file_choice import choose

FileChooser = Callable[[QWidget], Path | None]
#: The last save's outcome: an error, "cancelled", "saved", "exported" or None (nothing yet).
Outcome = str | BaseException | None
OutcomeArgs = dict[str, object]


def choose_chart_file(parent: QWidget) -> Path | None:
    return choose(parent, _("Save the chart"), mode="save",
                  name_filter=_("PNG image (*.png);;SVG image (*.svg)"))


def choose_export_folder(parent: QWidget) -> Path | None:
    return choose(parent, _("Choose a new or empty folder for the dashboard"), mode="folder")


def save_chart(service: DashboardService, path: Path, dashboard: Dashboard,
               chart_id: str) -> tuple[Outcome, OutcomeArgs]:
    """One chart, protected, as PNG or SVG (by the suffix; none: PNG)."""
    if path.suffix.lower() not in (".png", ".svg"):
        path = path.with_name(path.name + ".png")
    protected = dashboard.protected()
    figure = protected.figure(chart_id)
    try:
        data = svg_bytes(figure) if path.suffix.lower() == ".svg" else png_bytes(figure)
        service.save_file(path, data, protected)
    except Exception as error:  # put into words below the charts
        return error, {}
    return "saved", {"path": path}


def export_all(service: DashboardService, folder: Path,
               dashboard: Dashboard) -> tuple[Outcome, OutcomeArgs]:
    """Every chart as PNG and SVG, ``dashboard.csv`` and a manifest, to a new folder."""
    protected = dashboard.protected()
    charts: dict[str, bytes] = {}
    try:
        for figure in protected.figures:
            charts[f"{figure.id}.png"] = png_bytes(figure)
            charts[f"{figure.id}.svg"] = svg_bytes(figure)
        paths = service.write(folder, charts, protected)
    except Exception as error:
        return error, {}
    return "exported", {"folder": folder, "files": len(paths)}


def outcome_text(outcome: Outcome, args: OutcomeArgs) -> str:
    """The outcome in the current language ("" when there is nothing to say)."""
    if isinstance(outcome, BaseException):
        return error_text(outcome)
    if outcome == "cancelled":
        return _("Stopped. Nothing is shown.")
    if outcome == "saved":
        return _("Chart saved to {path} (counts under {threshold} "
                 "shown as <{threshold}).").format(
            path=args["path"], threshold=SMALL_CELL_THRESHOLD)
    if outcome == "exported":
        return _("Dashboard exported to {folder} ({files} files; counts "
                 "under {threshold} shown as <{threshold}).").format(
            folder=args["folder"], files=args["files"], threshold=SMALL_CELL_THRESHOLD)
    return ""
