from __future__ import annotations

from sparring.cli import main

raise SystemExit(main())
