"""Modal dialogs, one a module: confirm, path prompt, run report, worker log, help, export."""
