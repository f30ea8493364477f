"""Modal dialogs: open a file, confirm egress, keep a passage, export, browse sessions."""
