"""`export-contract listen`: print the job webhooks a backend sends, with their verdicts."""

from __future__ import annotations

import functools

import click

from export_contract.settings import parse_webhook_secret

from .webhook_receiver import ListenerOptions, serve_listener

__all__ = ["listen"]


def _secret(ctx: click.Context, param: click.Parameter, value: str | None) -> bytes | None:
    if value is None or value == "":
        return None
    try:
        return parse_webhook_secret(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=0, show_default=True, type=click.IntRange(min=0, max=65535),
              help="Port to listen on; 0 picks a free one (printed).")
@click.option("--secret", envvar="EXPORT_WEBHOOK_SECRET", callback=_secret, metavar="SECRET",
              help="The backend's webhook secret, to verify X-Export-Signature "
                   "($EXPORT_WEBHOOK_SECRET). Without it signatures are not verified.")
@click.option("--fail-first", default=0, show_default=True, type=click.IntRange(min=0),
              metavar="N", help="Answer 500 to the first N deliveries of each event, to watch "
                                "the sender retry.")
@click.option("--json", "json_lines", is_flag=True,
              help="One JSON object per delivery on stdout (the banner goes to stderr).")
def listen(host: str, port: int, secret: bytes | None, fail_first: int,
           json_lines: bool) -> None:
    """Receive job webhooks locally and print each delivery, like `stripe listen`."""
    options = ListenerOptions(secret=secret, fail_first=fail_first, json_lines=json_lines)
    notice = functools.partial(click.echo, err=json_lines)
    try:
        serve_listener(options, host=host, port=port, echo=click.echo, notice=notice)
    except OSError as exc:
        raise click.ClickException(str(exc)) from exc
    except KeyboardInterrupt:
        pass
