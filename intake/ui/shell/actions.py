"""The main window's menus and actions, declared once, as data.

Each :class:`ActionSpec` says everything about one menu entry: the attribute and object
name tests and the shortcut list reach it by, its label (marked with ``N_`` and translated
when the language changes), its shortcut, icon, the method it runs (a dotted path from the
window, looked up when triggered, so a helper made after the menus still answers) and when
it is enabled (a rule over :class:`Screen`: the role's permissions and which screen shows).
:data:`MENUS` lists the menus in menu-bar order and their entries in menu order (``None``
is a separator). :func:`build_menu_bar` makes the menus (their titles show with the first
screen), :func:`build_actions` their QActions (after it, issue 17: see the main window);
:func:`retranslate_menus` and :func:`enable_actions` walk the same table, so no second list
of names exists anywhere — as ``ui/form/keys.py`` does for the interview form's keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtWidgets import QMainWindow, QMenu

from intake.domain.permissions import Action, allowed
from intake.domain.roles import Role
from intake.i18n import LANGUAGE_NAMES, N_, _

if TYPE_CHECKING:  # the actions' own Qt types with the actions, after the first screen
    from PySide6.QtCore import QObject
    from PySide6.QtGui import QAction


class Screen(NamedTuple):
    """What enables an action: is the vault open, which screen shows, the user's role."""

    unlocked: bool  # the session's vault is open
    workspace: bool  # the workspace shows (and the vault is open)
    unlock_screen: bool  # the unlock screen shows
    role: Role | None
    may_export: bool  # the role is one of the exporters and the workspace shows


Rule = Callable[[Screen], bool]


def always(_screen: Screen) -> bool:
    return True


def vault_open(screen: Screen) -> bool:
    return screen.unlocked


def wipe_allowed(screen: Screen) -> bool:
    """Anyone may wipe: on the unlock screen as well as with the vault open."""
    return screen.unlocked or screen.unlock_screen


def exporter(screen: Screen) -> bool:
    return screen.may_export


def workspace(*any_of: Action) -> Rule:
    """The workspace shows and (when permissions are named) the role has one of them."""
    def rule(screen: Screen) -> bool:
        if not screen.workspace or screen.role is None:
            return False
        role = screen.role
        return not any_of or any(allowed(role, action) for action in any_of)
    return rule


class ActionSpec(NamedTuple):
    name: str  # the attribute on the window (``window.lock_action``)
    object_name: str  # "" for none
    label: str  # N_()-marked; translated in retranslate_menus
    shortcut: str  # portable text
    slot: str  # dotted path from the window: "lock", "transfer.send"
    enabled: Rule = always
    icon: str = ""
    app_wide: bool = False  # works while any window of the app has the focus


class MenuSpec(NamedTuple):
    name: str  # the attribute on the window (``window.vault_menu``)
    title: str  # N_()-marked
    entries: tuple[ActionSpec | None, ...]  # None: a separator


A = ActionSpec
VAULT = MenuSpec("vault_menu", N_("&Vault"), (
    A("users_action", "users_action", N_("&Users…"), "Ctrl+Shift+U", "open_users",
      workspace(Action.MANAGE_USERS), "users"),
    A("audit_action", "audit_action", N_("&Audit log…"), "Ctrl+Shift+A", "open_audit",
      workspace(Action.READ_AUDIT), "scroll-text"),
    A("security_action", "security_settings_action", N_("&Security settings…"), "Ctrl+,",
      "field.open_settings", workspace(), "shield-check"),
    A("backup_action", "backup_action", N_("&Back up…"), "Ctrl+Shift+B", "field.backup",
      workspace()),
    A("check_action", "check_vault_action", N_("&Check the vault…"), "Ctrl+Shift+I",
      "field.check_vault", workspace()),
    None,
    A("lock_action", "lock_action", N_("&Lock"), "Ctrl+L", "lock", vault_open, "lock",
      app_wide=True),
    A("travel_action", "travel_mode_action", N_("&Travel mode: delete all testimonies…"),
      "Ctrl+Shift+T", "field.travel_mode",
      workspace(Action.CREATE_RECORD, Action.DELETE_RECORD)),
    A("panic_wipe_action", "panic_wipe_action", N_("&Panic wipe…"), "Ctrl+Shift+Delete",
      "field.panic_wipe", wipe_allowed, app_wide=True),
    None,
    # StandardKey.Quit is unbound on X11: Ctrl+Q said outright
    A("quit_action", "", N_("&Quit"), "Ctrl+Q", "close"),
))
RECORDS = MenuSpec("records_menu", N_("&Testimonies"), (
    A("new_record_action", "new_record_action", N_("&New testimony"), "Ctrl+N",
      "new_record", workspace(Action.CREATE_RECORD), "file-plus"),
    A("find_action", "find_action", N_("&Find"), "Ctrl+F", "find_testimony", workspace(), "search"),
    A("queue_action", "review_queue_action", N_("&Review queue"), "Ctrl+R", "review_queue",
      workspace(Action.REVIEW), "clipboard-check"),
    # issue 20: reads identities (the service refuses a slot without the identity key)
    A("duplicates_action", "duplicates_action", N_("Possible &duplicates…"), "Ctrl+Shift+D",
      "vault_views.open_duplicates", workspace(Action.VIEW_OTHERS_IDENTITY)),
    None,
    A("export_action", "export_action", N_("&Export anonymized data…"), "Ctrl+E",
      "open_export", exporter, "file-output"),
    A("statistics_action", "statistics_action", N_("Export public &statistics…"),
      "Ctrl+Shift+E", "open_statistics", exporter),
    None,
    A("dashboard_action", "dashboard_action", N_("&Dashboard…"), "Ctrl+D",
      "tools.open_dashboard", workspace()),
    A("casefile_action", "casefile_action", N_("Print &case file…"), "Ctrl+P",
      "tools.open_casefile", workspace()),
))
TRANSFER = MenuSpec("transfer_menu", N_("T&ransfer"), (
    A("send_action", "send_to_office_action", N_("&Send to office"), "Ctrl+Shift+S",
      "transfer.send", workspace(Action.SEND_TO_OFFICE)),
    A("receive_action", "receive_from_field_action", N_("&Receive from field…"),
      "Ctrl+Shift+R", "transfer.receive", workspace(Action.IMPORT)),
    None,
    A("office_action", "office_and_devices_action", N_("&Office and devices…"),
      "Ctrl+Shift+O", "transfer.open_office", workspace()),
))
#: The Language menu's entries are the languages themselves (see the main window).
LANGUAGE = MenuSpec("language_menu", N_("L&anguage"), ())
HELP = MenuSpec("help_menu", N_("&Help"), (
    A("guide_action", "guide_action", N_("&User guide"), "F1", "help.open_guide",
      app_wide=True),
    A("shortcuts_action", "shortcuts_action", N_("&Keyboard shortcuts"), "Ctrl+/",
      "help.open_shortcuts", app_wide=True),
    None,
    A("about_action", "about_action", N_("&About intake"), "Ctrl+F1", "help.about"),
))
MENUS = (VAULT, RECORDS, TRANSFER, LANGUAGE, HELP)
#: Language → its menu entry's shortcut (K for 한국어; G, as in "Global", for English).
LANGUAGE_KEYS = {"ko": "Ctrl+Shift+K", "en": "Ctrl+Shift+G"}
del A


def specs() -> list[ActionSpec]:
    """Every action of the table, in menu-bar then menu order."""
    return [entry for menu in MENUS for entry in menu.entries if entry is not None]


def _slot(owner: QObject, path: str) -> Callable[[bool], None]:
    """The method at ``path`` from ``owner``, looked up when the action is triggered."""
    def run(_checked: bool = False) -> None:
        target: Any = owner
        for name in path.split("."):
            target = getattr(target, name)
        target()
    return run


def _action(owner: QMainWindow, spec: ActionSpec) -> QAction:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction, QKeySequence

    from intake.ui.kit.theme import icon

    action = QAction(owner)
    if spec.icon:
        action.setIcon(icon(spec.icon))
    if spec.object_name:
        action.setObjectName(spec.object_name)
    action.setShortcut(QKeySequence(spec.shortcut))
    if spec.app_wide:
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    action.triggered.connect(_slot(owner, spec.slot))
    return action


def build_menu_bar(window: QMainWindow) -> dict[str, QMenu]:
    """The menus of :data:`MENUS` in ``window``'s menu bar, empty; each is also set as the
    window's attribute of its name (``window.vault_menu``)."""
    menus: dict[str, QMenu] = {}
    for menu_spec in MENUS:
        menu = window.menuBar().addMenu("")
        menus[menu_spec.name] = menu
        setattr(window, menu_spec.name, menu)
    return menus


def build_actions(window: QMainWindow, menus: dict[str, QMenu]) -> dict[str, QAction]:
    """The entries of :data:`MENUS` in ``menus`` (:func:`build_menu_bar`); each action is
    also set as the window's attribute of its name (``window.lock_action``)."""
    actions: dict[str, QAction] = {}
    for menu_spec in MENUS:
        menu = menus[menu_spec.name]
        for spec in menu_spec.entries:
            if spec is None:
                menu.addSeparator()
                continue
            action = actions[spec.name] = _action(window, spec)
            setattr(window, spec.name, action)
            menu.addAction(action)
    return actions


def build_menus(window: QMainWindow) -> tuple[dict[str, QMenu], dict[str, QAction]]:
    """The menu bar of ``window`` from :data:`MENUS`, with its actions, at once."""
    menus = build_menu_bar(window)
    return menus, build_actions(window, menus)


def retranslate_menus(menus: dict[str, QMenu], actions: dict[str, QAction]) -> None:
    """The menus' titles, and the texts of the ``actions`` made (none before
    :func:`build_actions`)."""
    for menu_spec in MENUS:
        menus[menu_spec.name].setTitle(_(menu_spec.title))
    for spec in specs():
        action = actions.get(spec.name)
        if action is not None:
            action.setText(_(spec.label))


def enable_actions(actions: dict[str, QAction], screen: Screen) -> None:
    for spec in specs():
        actions[spec.name].setEnabled(spec.enabled(screen))


def language_entries(window: QMainWindow, menu: QMenu,
                     apply: Callable[[str], None]) -> dict[str, QAction]:
    """The Language menu: one checkable entry per language, named in that language (so
    never translated)."""
    from PySide6.QtGui import QAction, QActionGroup, QKeySequence

    group = QActionGroup(window)
    entries: dict[str, QAction] = {}
    for code, name in LANGUAGE_NAMES.items():
        action = QAction(name, window, checkable=True)
        action.setShortcut(QKeySequence(LANGUAGE_KEYS[code]))
        action.triggered.connect(lambda _c=False, c=code: apply(c))
        group.addAction(action)
        menu.addAction(action)
        entries[code] = action
    return entries
