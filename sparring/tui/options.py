"""What every screen of the app shares: settings, prompts, privacy, and how backends open."""

from __future__ import annotations

from dataclasses import dataclass, field

from sparring.config import Config, Privacy
from sparring.engine import BackendFactory
from sparring.prompts import Prompt
from sparring.providers import open_backend


@dataclass(frozen=True)
class AppOptions:
    config: Config
    prompts: dict[str, Prompt]
    privacy: Privacy = field(default_factory=Privacy)
    backend_factory: BackendFactory = open_backend

    def default_models(self, models: list[str] | tuple[str, ...] = ()) -> list[str]:
        """The columns to start with: those asked for, else the compare list, else one."""
        return list(models or self.config.compare or (self.config.default_model,))
