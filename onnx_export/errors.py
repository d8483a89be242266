"""Errors the exporter reports to users as one line, never as a traceback."""


class ExportError(Exception):
    """Bad input or an environment problem: the CLI prints it and exits with code 2."""


class FidelityGateError(ExportError):
    """An exported variant scored too differently from the original model, so it was refused."""
