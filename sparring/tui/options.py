"""What every screen of the app shares: settings, prompts, and how backends are opened."""

from __future__ import annotations

from dataclasses import dataclass

from sparring.config import Config
from sparring.engine import BackendFactory
from sparring.prompts import Prompt
from sparring.providers import open_backend


@dataclass(frozen=True)
class AppOptions:
    config: Config
    prompts: dict[str, Prompt]
    local_only: bool = False
    backend_factory: BackendFactory = open_backend

    @property
    def only_local(self) -> bool:
        """Local-only by flag or by the config's privacy setting."""
        return self.local_only or self.config.privacy == "local-only"

    def default_models(self, models: list[str] | tuple[str, ...] = ()) -> list[str]:
        """The columns to start with: those asked for, else the compare list, else one."""
        return list(models or self.config.compare or (self.config.default_model,))
