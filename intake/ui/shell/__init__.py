"""The window around everything: the main window, its menus and their actions (help, transfer,
the record tools, field security), the language, auto-lock and the clipboard."""
