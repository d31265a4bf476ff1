"""The `monitor` command: a thin click layer over the library's functions."""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

import click

from . import errors
from .config import load_config

EXIT_CONFIG = 2
EXIT_LOCKED = 75


class MonitorGroup(click.Group):
    """Turns every error into one clear line and the SPEC's exit codes; `--debug` adds the traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # click's own usage errors already read well (exit 2)
        except errors.LockedError as e:
            _fail(ctx, str(e), EXIT_LOCKED)
        except errors.ConfigError as e:
            _fail(ctx, f"Error: {e}", EXIT_CONFIG)
        except errors.MonitorError as e:
            _fail(ctx, f"Error: {e}", 1)
        except OSError as e:
            where = f"{e.filename}: " if e.filename else ""
            _fail(ctx, f"Error: {where}{e.strerror or e}", 1)
        except Exception as e:  # a bug: say what broke, and how to see more
            _fail(ctx, f"Error: {type(e).__name__}: {e} (run again with --debug to see where)", 1)


def _fail(ctx: click.Context, message: str, code: int) -> None:
    if ctx.meta.get("monitor.debug"):
        traceback.print_exc()
    click.echo(message, err=True)
    sys.exit(code)


config_option = click.option(
    "-c", "--config", "config_path", type=click.Path(dir_okay=False),
    help="Config file (default: ./monitor.toml, then $MONITOR_CONFIG).",
)


@click.group(cls=MonitorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mention-monitor")
@click.option("--debug", is_flag=True, help="On an error, also print the traceback (for bug reports).")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Find the people you track in the news, alert once per story, keep an archive.

    \b
    New here? Try it on a bundled sample site first:
      monitor demo                  crawl a sample news site and show what it finds
      monitor init                  write a starter monitor.toml and people.csv
      monitor run                   check every source once (cron runs this)
      monitor serve                 browse the archive in your web browser

    Every command reads ./monitor.toml unless given -c FILE (or $MONITOR_CONFIG).
    Run `monitor COMMAND --help` for what a command does and its options.

    \b
    Exit codes: 0 done; 1 something failed (the message says what);
    2 a wrong option or a mistake in the config (file, line and key named);
    75 another run holds the archive (cron can simply try again later).
    """
    ctx.meta["monitor.debug"] = debug


@cli.command(short_help="Try it on a bundled sample news site (offline).")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default="monitor-demo", show_default=True,
              help="Where to write demo.db, monitor.toml and the alert files.")
@click.option("-v", "--verbose", is_flag=True, help="Show crawl progress.")
def demo(directory: str, verbose: bool) -> None:
    """Try it: crawl a sample news site bundled with the monitor and show what it finds.

    Nothing leaves this computer. Writes demo.db, monitor.toml and alert files into
    DIR (./monitor-demo); a monitor.toml you edited there is never overwritten.
    """
    from alerts.dispatch import send_pending

    from .demo.run import run_demo

    result = run_demo(Path(directory), deliver=send_pending, verbose=verbose)
    click.echo(result.report())


@cli.command(short_help="Write a starter monitor.toml and people.csv.")
@click.argument("directory", type=click.Path(file_okay=False), default=".")
def init(directory: str) -> None:
    """Start your own setup: write a commented monitor.toml and people.csv into DIRECTORY.

    DIRECTORY defaults to the current folder; existing files are never overwritten.
    """
    from .config.starter import write_starter_files

    for path in write_starter_files(Path(directory)):
        click.echo(f"wrote {path}")
    click.echo("Edit them, then run: monitor run -c " + str(Path(directory) / "monitor.toml"))


@cli.command(short_help="Check every source once and alert (what cron runs).")
@config_option
@click.option("--no-alerts", is_flag=True, help="Collect and store, but send no alerts this time.")
@click.option("-v", "--verbose", is_flag=True, help="Show each page and decision on stderr (never article text).")
def run(config_path: str | None, no_alerts: bool, verbose: bool) -> None:
    """Check every source once: fetch new articles, find the people, store, alert.

    This is what cron runs. A source that fails is reported on stderr and the run goes on.
    """
    from .runner import run_cycle

    config = load_config(config_path)
    summary = run_cycle(config, deliver=None if no_alerts else _deliver(), verbose=verbose)
    click.echo(summary.line())
    _report_problems(summary.source_errors)
    for line in summary.health:
        click.echo(f"health: {line}", err=True)
    if summary.alerts is not None:
        for line in summary.alerts.lines():
            click.echo(line)
    if summary.interrupted:
        click.echo(f"run {summary.run_id} interrupted (SIGINT/SIGTERM); the next run picks up the rest", err=True)
        sys.exit(1)


@cli.command(short_help="Be one crawl node of a cluster ([cluster]; pushes to Redis).")
@config_option
@click.option("-v", "--verbose", is_flag=True, help="Show each page and decision on stderr (never article text).")
def crawl(config_path: str | None, verbose: bool) -> None:
    """One crawl node of a cluster: fetch, extract and match, and push the results to Redis.

    Needs [cluster] in the config. Any number of machines may run it at once: they share
    one queue; the first opens the cycle and queues the sources. Exits once the cycle's
    queue is drained. `monitor ingest` stores the results and alerts.
    """
    from .cluster.crawl import crawl_node

    summary = crawl_node(load_config(config_path), verbose=verbose)
    click.echo(summary.line())
    if summary.interrupted:
        sys.exit(1)


@cli.command(short_help="Store what crawl nodes pushed, and alert ([cluster]).")
@config_option
@click.option("--follow", is_flag=True, help="Keep running, storing and alerting as results arrive (Ctrl-C stops).")
def ingest(config_path: str | None, follow: bool) -> None:
    """The archive's one writer in a cluster: store what `monitor crawl` nodes pushed to Redis, then alert.

    Drains what is waiting and exits (cron-friendly); --follow keeps running.
    Holds the archive's lock like `monitor run` (exit 75 if another holds it).
    """
    from .cluster.ingest import ingest as ingest_results

    summary = ingest_results(load_config(config_path), deliver=_deliver(), follow=follow)
    click.echo(summary.line())
    if summary.alerts is not None:
        for line in summary.alerts.lines():
            click.echo(line)


@cli.command(short_help="Find the watched people in text files.")
@config_option
@click.option("--person", "people", multiple=True,
              help="Match only this person (their config entry if listed, else the name alone). Repeatable.")
@click.option("--explain", is_flag=True, help="Say which name forms were tried and why each did or did not match.")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, allow_dash=True))
def match(config_path: str | None, people: tuple[str, ...], explain: bool, files: tuple[str, ...]) -> None:
    """Find the watched people in text FILES (or - to read what you type or pipe in).

    Prints one JSON line per mention found (file, person, matched text, position,
    score 0-100); a file with no mention is said so on stderr. A file that does not
    exist or cannot be read is a usage error (exit 2).
    """
    from .match import explain as explain_match
    from .match import find_mentions

    watchlist = _watchlist_to_match(config_path, people)
    for name in files:
        text = _read_text(name)
        if text is None:
            continue
        if explain:
            click.echo(f"== {name}")
            for line in explain_match(text, watchlist):
                click.echo(line)
            continue
        found = find_mentions(text, watchlist)
        if not found:
            click.echo(f"{name}: no mention of the {_people_count(len(watchlist.people))} on the watchlist", err=True)
        for m in found:
            click.echo(json.dumps({
                "file": name, "person": m.person.name, "matched": m.matched, "start": m.start,
                "end": m.end, "score": m.score, "form": m.form, "context": list(m.context),
                "snippet": m.snippet,
            }, ensure_ascii=False))


def _people_count(n: int) -> str:
    return "one person" if n == 1 else f"{n} people"


def _watchlist_to_match(config_path: str | None, names: tuple[str, ...]):
    """The config's compiled watchlist (kept next to the archive, docs/matching.md), or
    just the `--person` names (with their config entry if any)."""
    from .config import resolve_config_path
    from .items import Person
    from .match import compile_watchlist
    from .match.cache import cache_path, cached_watchlist

    if not names:
        config = load_config(config_path)
        return cached_watchlist(config.people, cache_path(config.database))
    configured = {}
    if config_path or resolve_config_path(None).exists():
        configured = {p.name.casefold(): p for p in load_config(config_path).people}
    return compile_watchlist([configured.get(name.casefold(), Person(name)) for name in names])


def _report_problems(source_errors: dict[str, list[str]], most: int = 20) -> None:
    """Each bad page or source on stderr, so cron mails them; the full list is in the archive."""
    for source, problems in source_errors.items():
        for problem in problems[:most]:
            # "URL: reason"; a page's problem is prefixed with the source that led to it.
            click.echo(problem if problem.startswith(f"{source}: ") else f"{source}: {problem}", err=True)
        if len(problems) > most:
            click.echo(f"{source}: ... and {len(problems) - most} more (see the fetch_errors table)", err=True)


def _deliver():
    """The alert dispatcher; imported late so the rest of the CLI loads without it."""
    from alerts.dispatch import send_pending

    return send_pending


def _read_text(name: str) -> str | None:
    """A file's text (UTF-8, else Windows-1252); a bad file is reported and skipped."""
    if name == "-":
        return sys.stdin.read()
    try:
        raw = Path(name).read_bytes()
    except OSError as e:  # gone or unreadable since click checked it
        raise click.BadParameter(f"{name}: cannot read: {e.strerror or e}", param_hint="FILES") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


@cli.command(short_help="Search the stored articles again for the current watchlist.")
@config_option
def rematch(config_path: str | None) -> None:
    """Search the articles already stored for the current watchlist (after adding someone).

    Nothing is fetched again; new mentions alert like any other.
    """
    from alerts.dispatch import send_pending

    from .rematch import rematch as rematch_archive

    summary = rematch_archive(load_config(config_path), deliver=send_pending)
    click.echo(summary.line())
    if summary.alerts is not None:
        for line in summary.alerts.lines():
            click.echo(line)


@cli.group(short_help="Import people from a spreadsheet; list who is watched.")
def people() -> None:
    """The watchlist: import people from a spreadsheet, list who is watched."""


@people.command("import", short_help="Add the people in a CSV file to the watchlist.")
@config_option
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
def people_import(config_path: str | None, csv_file: str) -> None:
    """Add the people in CSV_FILE (a spreadsheet saved as CSV) to the people file.

    Columns: name, aliases, context, exclude, notes (lists separated by ";").
    A person already listed keeps everything and gains what the CSV adds.
    """
    from .config.watchlist import import_people

    config = load_config(config_path)
    added, updated = import_people(config, Path(csv_file))
    click.echo(f"{added} added, {updated} updated in {config.people_file}")
    click.echo("Run `monitor rematch` to search the archive for them.")


@people.command("list", short_help="List the watched people and their mention counts.")
@config_option
def people_list(config_path: str | None) -> None:
    """List the watched people and how many mentions of each the archive holds."""
    from .archive.store import Archive
    from .config.watchlist import describe_people

    config = load_config(config_path)
    counts = {}
    if config.database.exists():
        with Archive(config.database) as archive:
            counts = {r["name"]: r["n"] for r in archive.db.query(
                "select p.name, count(m.id) as n from people p left join mentions m on m.person_id = p.id "
                "group by p.id")}
    rows = describe_people(config, counts)
    if not rows:
        click.echo("No people on the watchlist yet: add [[person]] entries or a people_file.")
    for row in rows:
        extra = f"  aliases: {row['aliases']}" if row["aliases"] else ""
        click.echo(f"{row['name']}  ({row['mentions']} mentions){extra}")


@cli.command(short_help="Browse and search the archive in your web browser.")
@config_option
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True,
              help="Port to serve on, 1-65535.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (127.0.0.1: this computer only).")
@click.option("--host-name", "host_names", multiple=True, metavar="NAME",
              help="Also answer requests for this Host name, e.g. behind a proxy (repeatable); others get 400.")
def serve(config_path: str | None, port: int, host: str, host_names: tuple[str, ...]) -> None:
    """Browse and search the archive in your web browser (Datasette, read-only).

    Prints the address to open; Ctrl-C stops it. A port already in use is an
    error (exit 1): stop the other server or pick another --port. Only requests
    for the address it listens on (or a --host-name) are answered.
    """
    from .web.serve import bind, database_name
    from .web.serve import serve as serve_archive

    config = load_config(config_path)
    listening = bind(host, port)  # before saying "Serving": a busy port must not look like success
    click.echo(f"Serving {config.database} at http://{host}:{port}/{database_name(config.database)} (Ctrl-C stops)")
    serve_archive(config, sock=listening, host_names=host_names)


def _open_archive(config_path: str | None):
    """The config's archive, which must already exist (these commands read what a run stored)."""
    from .archive.store import Archive

    config = load_config(config_path)
    if not config.database.exists():
        raise errors.ConfigError(f"{config.path}: database {config.database} does not exist yet (run `monitor run`)")
    return Archive(config.database, config.alerts)


@cli.command(short_help="Save proof of one mention into a folder.")
@config_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="New (or empty) folder to write the bundle into.")
@click.argument("mention_id", type=int)
def evidence(config_path: str | None, out_dir: str, mention_id: int) -> None:
    """Save proof of mention MENTION_ID into a folder: the page as received, its text, hashes."""
    from .archive.evidence import UnknownMention, write_bundle

    archive = _open_archive(config_path)
    try:
        manifest = write_bundle(archive.db, mention_id, out_dir)
    except UnknownMention as e:
        raise click.BadParameter(f"{e} ({archive.path})", param_hint="MENTION_ID") from None
    finally:
        archive.close()
    m, a = manifest["mention"], manifest["article"]
    click.echo(f"mention {m['id']}: {m['person']} as {m['matched']!r} in {a['url']}")
    for name, info in manifest["files"].items():
        click.echo(f"  {info['sha256']}  {name}")
    if manifest["response"] is None:
        click.echo(f"  note: {manifest['note']}")
    click.echo(f"wrote {out_dir}; verify with: cd {out_dir} && sha256sum -c SHA256SUMS")


@cli.command(short_help="Confirm or reject a mention.")
@config_option
@click.option("--confirm", is_flag=True, help="It is this person.")
@click.option("--reject", is_flag=True, help="Not this person: never alert this story for them.")
@click.option("--note", default=None, help="Why (kept with the verdict).")
@click.argument("mention_id", type=int)
def review(config_path: str | None, confirm: bool, reject: bool, note: str | None, mention_id: int) -> None:
    """Say whether mention MENTION_ID is really the person (--confirm) or not (--reject).

    A rejected mention never alerts again. MENTION_ID is the number in the alert
    and in the archive's mentions table.
    """
    from .archive.evidence import UnknownMention
    from .archive.review import review as record_review

    if confirm == reject:
        raise click.UsageError("say either --confirm or --reject (one of them, not both)")
    verdict = "confirmed" if confirm else "rejected"
    archive = _open_archive(config_path)
    try:
        row = record_review(archive.db, mention_id, verdict, note)
    except UnknownMention as e:
        raise click.BadParameter(f"{e} ({archive.path})", param_hint="MENTION_ID") from None
    finally:
        archive.close()
    line = f"mention {mention_id} ({row['person']}): {verdict}"
    if verdict == "rejected":
        line += f"; no alert for this person and story from now on ({row['withdrawn']} queued alert rows withdrawn)"
    click.echo(line)


@cli.group(short_help="Test alert channels or send what is waiting.")
def alerts() -> None:
    """Alerts: send a test message, deliver what is waiting, or queue old mentions (email, Slack, file, Apprise)."""


@alerts.command("send", short_help="Deliver the alerts waiting to be sent.")
@config_option
@click.option("--retry-failed", is_flag=True, help="Also revive alerts marked failed (after alerts.max_attempts).")
def alerts_send(config_path: str | None, retry_failed: bool) -> None:
    """Deliver pending alerts now, whatever their retry backoff (also the last step of `monitor run`)."""
    from .archive.store import Archive
    from .lock import run_lock

    config = load_config(config_path)
    with run_lock(config.lock_path):  # a hand run beside cron's must not send twice
        archive = Archive(config.database, config.alerts)
        try:
            # A person asked: what is pending goes now; `monitor run` keeps the backoff.
            report = _deliver()(archive.db, config.alerts, ignore_backoff=True, retry_failed=retry_failed)
        finally:
            archive.close()
    for line in report.lines() or ["no alert channel configured"]:
        click.echo(line)


@alerts.command("backfill", short_help="Queue stored mentions that were too old to alert.")
@config_option
@click.option("--since", required=True, type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
              help="Queue stored mentions published on or after this date (UTC), e.g. 2025-03-01.")
def alerts_backfill(config_path: str | None, since) -> None:
    """Queue, once, stored mentions that were too old to alert (delivered by the next send or run)."""
    from .archive.store import Archive
    from .archive.unalerted import backfill
    from .lock import run_lock

    config = load_config(config_path)
    if not config.alerts.channels:
        raise errors.ConfigError(f"{config.path}: no alert channel configured: add [alerts.email], "
                                 "[alerts.slack] or [alerts.file]")
    with run_lock(config.lock_path):
        archive = Archive(config.database, config.alerts)
        try:
            mentions, rows = backfill(archive.db, config.alerts, since)
        finally:
            archive.close()
    click.echo(f"queued {mentions} mention{'s' * (mentions != 1)} published since {since:%Y-%m-%d} "
               f"({rows} alert rows); `monitor alerts send` or the next run delivers them")


@alerts.command("test", short_help="Send a test message through every channel.")
@config_option
def alerts_test(config_path: str | None) -> None:
    """Send one test message through every configured channel and say which worked."""
    from alerts.dispatch import send_test

    results = send_test(load_config(config_path).alerts)
    if not results:
        raise errors.ConfigError("no alert channel configured: add [alerts.email], [alerts.slack], [alerts.file] "
                                 "or [[alerts.apprise]]")
    for channel, ok, detail in results:
        click.echo(f"{channel}: {'ok' if ok else 'FAILED'} - {detail}")
    if not all(ok for _, ok, _ in results):
        sys.exit(1)


@cli.command(short_help="List every source and how it last went.")
@config_option
def sources(config_path: str | None) -> None:
    """List every source the config checks (search queries included) and how it last went."""
    from .sources import list_sources

    rows = list_sources(load_config(config_path))
    if not rows:
        click.echo("No sources configured: add [[feed]], [[sitemap]], [[site]] or [[search]] tables.")
    for row in rows:
        when = f" {row.checked_at}" if row.checked_at else ""
        new = f", {row.new} new" if row.new else ""
        if row.waiting:
            new += f", {row.waiting} URLs waiting for later runs"
        click.echo(f"{row.kind:<8} {row.status}{when}{new}  {row.name or row.url}")
        if row.name:
            click.echo(f"         {row.url}")
        if row.error:
            click.echo(f"         last error: {row.error.splitlines()[0]}")
