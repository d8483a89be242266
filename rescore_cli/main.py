"""Placeholder until wired."""
import click


@click.group()
def cli() -> None:
    """rescore-bridge."""
