"""PyInstaller entry point: the same `main` as the installed `callreview` command."""

from callreview.app import main

raise SystemExit(main())
