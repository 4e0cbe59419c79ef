"""`scenescope serve` (the web workbench), `scenescope token ...` (API tokens) and
`scenescope report` (the HTML / PDF report): thin wrappers over scenescope.web and
scenescope.report."""

from __future__ import annotations

from pathlib import Path

import typer

from scenescope.cli.common import (
    DB_OPTION,
    JSON_OPTION,
    fail,
    open_store,
    parse_when,
    print_json_lines,
    print_table,
)

token_app = typer.Typer(
    help="API tokens of the web workbench (roles admin / analyst / viewer).", no_args_is_help=True
)


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (loopback default)."),
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="Port to listen on."),
    watch: list[str] = typer.Option(
        [], "--watch", help="Feed URL to ingest while serving (predb+ws://…, irc://…); repeat."
    ),
    alerts_config: Path | None = typer.Option(
        None, "--alerts", help="Alert rules (TOML): shown on the alerts page, run on watched pres."
    ),
    rate_limit: float = typer.Option(
        20.0, "--rate-limit", min=0, help="Requests a second per token (0: no limit)."
    ),
    tls_cert: Path | None = typer.Option(None, "--tls-cert", help="TLS certificate (PEM)."),
    tls_key: Path | None = typer.Option(None, "--tls-key", help="TLS private key (PEM)."),
    behind_proxy: bool = typer.Option(
        False, "--behind-proxy", help="A TLS reverse proxy is in front (trust its headers)."
    ),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Serve the workbench: dashboards, the REST API (/api/v1, docs at /api/docs), live feed."""
    from scenescope.web.app import WebOptions
    from scenescope.web.server import ServeOptions, exposure_warning, serve

    if (tls_cert is None) != (tls_key is None):
        fail("give both --tls-cert and --tls-key, or neither")
    options = ServeOptions(host, port, tls_cert, tls_key, behind_proxy)
    warning = exposure_warning(options)
    if warning:
        typer.echo(warning, err=True)
    alerts = None
    if alerts_config is not None:
        from scenescope.alerts.rules import AlertConfigError, load_config

        try:
            alerts = load_config(alerts_config)
        except AlertConfigError as exc:
            fail(str(exc))
    feeds = []
    if watch:
        from scenescope.feeds.sources import open_feed

        try:
            feeds = [open_feed(url) for url in watch]
        except ValueError as exc:
            fail(str(exc))
    with open_store(db) as store:
        from scenescope.web.tokens import list_tokens

        has_tokens = any(t.active for t in list_tokens(store.connection))

        def ready(url: str) -> None:
            if json_out:
                print_json_lines(
                    [
                        {
                            "url": url,
                            "docs": url + "api/docs",
                            "db": str(store.path),
                            "watch": list(watch),
                            "tokens": has_tokens,
                        }
                    ]
                )
            else:
                typer.echo(f"scenescope workbench on {url} (API docs {url}api/docs)", err=True)
                if not has_tokens:
                    typer.echo(
                        "no API token yet: stop, run 'scenescope token create --role admin', "
                        "and sign in with it",
                        err=True,
                    )

        web = WebOptions(
            feeds=feeds,
            alerts=alerts,
            rate_per_second=rate_limit,
            rate_burst=max(10, int(rate_limit * 3)),
        )
        try:
            serve(store, options, web, on_ready=ready)
        except OSError as exc:
            fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


@token_app.command("create")
def token_create(
    role: str = typer.Option(..., "--role", help="admin, analyst or viewer."),
    name: str | None = typer.Option(None, "--name", help="Who or what uses it."),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Create a token and print it once (only its hash is stored)."""
    from scenescope.web.tokens import TokenError, create_token

    with open_store(db) as store:
        try:
            new = create_token(store.connection, role, name)
        except TokenError as exc:
            fail(str(exc))
    if json_out:
        print_json_lines([{**new.info.to_dict(), "token": new.token}])
    else:
        typer.echo(new.token)
        typer.echo(
            f"({new.info.role.name} token {new.info.token_id}, '{new.info.name}'; "
            "shown once: keep it safe)",
            err=True,
        )


@token_app.command("list")
def token_list(db: Path | None = DB_OPTION, json_out: bool = JSON_OPTION) -> None:
    """Every token: id, name, role, created, revoked (never the secret)."""
    from scenescope.web.tokens import list_tokens

    with open_store(db, read_only=True) as store:
        tokens = list_tokens(store.connection)
    if json_out:
        print_json_lines([t.to_dict() for t in tokens])
        return
    print_table(
        f"{len(tokens)} tokens",
        ["id", "name", "role", "created", "revoked"],
        [
            (
                t.token_id,
                t.name,
                t.role.name,
                t.created_at.isoformat()[:19],
                t.revoked_at.isoformat()[:19] if t.revoked_at else "",
            )
            for t in tokens
        ],
    )


@token_app.command("revoke")
def token_revoke(
    token_id: str = typer.Argument(..., help="The token's id (from token list) or the token."),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Revoke a token: requests and sessions using it are refused from now on."""
    from scenescope.web.tokens import TokenError, revoke_token

    with open_store(db, must_exist=True) as store:
        try:
            info = revoke_token(store.connection, token_id)
        except TokenError as exc:
            fail(str(exc))
    if json_out:
        print_json_lines([info.to_dict()])
    else:
        typer.echo(f"revoked {info.token_id} ('{info.name}', {info.role.name})")


def report_command(
    out: Path = typer.Option(..., "--out", help="The HTML report to write."),
    pdf: Path | None = typer.Option(None, "--pdf", help="Also print it to this PDF."),
    since: str | None = typer.Option(None, "--since", help="Only pres at or after this date."),
    until: str | None = typer.Option(None, "--until", help="Only pres before this date."),
    db: Path | None = DB_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """A self-contained HTML report (and PDF) a manager reads in five minutes."""
    from scenescope.report.document import ReportError, ReportPeriod, write_report

    period = ReportPeriod(
        parse_when(since, "--since"), parse_when(until, "--until", end_of_day=True)
    )
    if out.is_dir():
        fail(f"--out {out} is a folder; give a file such as {out / 'report.html'}")
    with open_store(db, read_only=True) as store:
        try:
            written = write_report(store, out, pdf=pdf, period=period)
        except ReportError as exc:
            fail(str(exc))
    if json_out:
        print_json_lines([written.to_dict()])
    else:
        typer.echo(f"wrote {written.html}" + (f" and {written.pdf}" if written.pdf else ""))


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
    app.add_typer(token_app, name="token")
    app.command("report")(report_command)
