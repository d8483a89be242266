"""The one error type every sub-command raises for bad input: one line on stderr, exit code 2."""

import click


class CliError(click.ClickException):
    exit_code = 2

    def show(self, file: object = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)
