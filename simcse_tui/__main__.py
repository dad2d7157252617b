"""`python -m simcse_tui`: the same as the `simcse-tui` command."""

from simcse_tui.cli import main

raise SystemExit(main())
