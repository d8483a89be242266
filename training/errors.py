"""Map the errors a user can cause (bad model, refused export, stale checkpoint) to one-line messages."""

from __future__ import annotations


def user_error(exc: Exception) -> str | None:
    """A one-line message for expected failures; None means a bug (let the traceback show)."""
    from .loop import TrainingError
    from .model import ModelError

    if isinstance(exc, TrainingError | ModelError):
        return str(exc)
    try:
        from onnx_export import ExportError
    except ImportError:
        return None
    if isinstance(exc, ExportError):
        return f"export failed: {exc}"
    return None
