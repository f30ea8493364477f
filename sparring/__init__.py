"""sparring: a terminal brainstorming companion that pushes back on your draft."""

from __future__ import annotations

__version__ = "0.1.0"
