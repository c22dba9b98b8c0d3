"""The Qt user interface: item models, views, dialogs and the main window."""
