"""Choosing files and folders without leaving a trace: Qt's own dialog (never the
platform's, which keeps recent places), no history, and sent back to the home folder
before it is destroyed, because Qt saves the dialog's last folder in ``QtProject.conf``
(field security: where a bundle, a backup or an export went is not remembered)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QWidget


def choose(parent: QWidget | None, title: str, *, mode: str,
           name_filter: str | None = None) -> Path | None:
    """``mode``: ``open`` (an existing file), ``save`` (a new file) or ``folder``."""
    home = str(Path.home())
    dialog = QFileDialog(parent, title)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setDirectory(home)
    dialog.setHistory([])
    if mode == "folder":
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
    elif mode == "save":
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, True)  # never overwritten
    else:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    if name_filter:
        dialog.setNameFilter(name_filter)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        chosen = dialog.selectedFiles()
        return Path(chosen[0]) if chosen else None
    finally:
        dialog.setDirectory(home)
        dialog.setHistory([])
        dialog.deleteLater()
