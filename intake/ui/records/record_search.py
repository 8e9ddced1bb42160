"""The record list's search field and its "Search names" box: what they search, and whether
the session may search at all.

The words of the testimonies (every free-text answer) and the names are kept under the
identity key (``Questionnaire.private_ids``), so a session without it (a coordinator)
searches neither: the field is shown disabled, saying why and pointing to the filters,
and :meth:`SearchBox.text` is always empty for it, so no search reaches the service. The
filters on structured answers stay. Split from :mod:`intake.ui.records.record_list`,
which lays the two widgets out and connects them.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLineEdit, QWidget

from intake.i18n import _


class SearchBox:
    """The search field and the names check box, parented to the list."""

    def __init__(self, parent: QWidget, can_search_names: bool, can_search_text: bool) -> None:
        self.can_search_text = can_search_text
        self.can_search_names = can_search_names and can_search_text
        self.field = QLineEdit(parent)
        self.field.setObjectName("record_search")
        self.field.setClearButtonEnabled(True)
        self.field.setMaxLength(200)
        self.field.setEnabled(can_search_text)
        self.names = QCheckBox(parent)
        self.names.setObjectName("search_names")
        self.names.setVisible(self.can_search_names)

    def text(self) -> str:
        """What to search for; always empty without the identity key."""
        return self.field.text().strip() if self.can_search_text else ""

    def by_name(self) -> bool:
        """Whether the search is for a name in the identity sections."""
        return bool(self.text()) and self.can_search_names and self.names.isChecked()

    def clear(self) -> None:
        """Empty the field without a signal."""
        self.field.blockSignals(True)
        self.field.clear()
        self.field.blockSignals(False)

    def retranslate(self) -> None:
        field = self.field
        if not self.can_search_text:
            field.setPlaceholderText(_("Searching needs the identity key"))
            field.setToolTip(_("The words of the testimonies and the names are kept under "
                               "the identity key, which your role does not hold. Use the "
                               "filters below to narrow the list."))
        elif self.names.isChecked():
            field.setPlaceholderText(_("Search names, other names and contacts"))
            field.setToolTip("")
        else:
            field.setPlaceholderText(_("Search the words of the testimonies"))
            field.setToolTip("")
        field.setAccessibleName(field.placeholderText())
        field.setAccessibleDescription(field.toolTip())
        self.names.setText(_("Search names"))
        self.names.setToolTip(_("Look for a name in the identity sections instead of the "
                                "words of the testimonies"))
