"""API keys and their tiers: public keys have quotas, privileged (premium) keys do not."""

from __future__ import annotations

from enum import StrEnum

from iocgate.sim.settings import SimSettings

__all__ = ["KeyRing", "Tier"]


class Tier(StrEnum):
    """What a key may do."""

    PUBLIC = "public"
    PRIVILEGED = "privileged"


class KeyRing:
    """Looks up the tier of an `x-apikey` value."""

    def __init__(self, settings: SimSettings) -> None:
        self._tiers = dict.fromkeys(settings.public_keys, Tier.PUBLIC)
        # A key listed in both tiers gets the better one.
        self._tiers.update(dict.fromkeys(settings.privileged_keys, Tier.PRIVILEGED))

    def tier(self, key: str) -> Tier | None:
        """The key's tier, or None for a key VirusTotal would not recognise."""
        return self._tiers.get(key)
