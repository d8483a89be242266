"""Errors raised by the serving package; each maps to one clear message (and an HTTP status)."""


class BridgeError(Exception):
    """Base class: anything the bridge reports to a caller rather than crashing on."""


class ArtifactError(BridgeError):
    """The artifact folder is missing, partial, corrupt, or was refused by the fidelity gate."""


class InputError(BridgeError, ValueError):
    """The caller's input cannot be scored as given (e.g. a query longer than the model allows)."""
