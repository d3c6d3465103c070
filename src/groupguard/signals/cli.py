"""Commands of this area: `groupguard hash`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from groupguard.errors import MediaError


def _expand(paths: list[Path]) -> list[Path]:
    """Files as given; a folder stands for the files under it (sorted, recursive)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file()))
        else:
            out.append(p)
    return out


def hash_command(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Image or video files, or folders"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line"),
    every: float = typer.Option(
        None, "--every", help="Video: seconds between hashed frames (0 = every frame)"
    ),
    full_size: bool = typer.Option(
        False, "--full-size", help="Decode JPEGs at full size (slower; reference check)"
    ),
    workers: int = typer.Option(
        0, "--workers", help="Processes to hash with (0 = one per CPU for 8+ files)"
    ),
) -> None:
    """Digests (MD5, SHA-256) and perceptual hashes (PDQ, vPDQ) of media files.

    A file that cannot be hashed gets an error line and the rest go on; the exit status is
    1 when any file failed.
    """
    from groupguard.cli import settings_of
    from groupguard.signals.hashing import DRAFT_SIZE, iter_hash_paths_parallel

    settings = settings_of(ctx)
    files = _expand(paths)
    n_workers = workers or ((os.cpu_count() or 1) if len(files) >= 8 else 1)
    kwargs: dict[str, object] = {"draft": None if full_size else DRAFT_SIZE}
    if every is not None:
        kwargs["seconds_per_hash"] = every
    failed = 0
    for path, result in iter_hash_paths_parallel(
        files, settings=settings, workers=n_workers, **kwargs
    ):
        if isinstance(result, MediaError):
            failed += 1
            if as_json:
                typer.echo(json.dumps({"path": str(path), "error": str(result)}))
            else:
                typer.secho(f"{path}: error: {result}", fg=typer.colors.RED, err=True)
            continue
        if as_json:
            typer.echo(json.dumps({"path": str(path), **result.to_json()}))
        elif result.kind == "image":
            flag = "" if result.matchable else "  (low quality: digest match only)"
            typer.echo(
                f"{path}\timage {result.width}x{result.height}\tmd5 {result.md5}\t"
                f"sha256 {result.sha256}\tpdq {result.pdq} q{result.pdq_quality}{flag}"
            )
        else:
            frames = result.vpdq or []
            typer.echo(
                f"{path}\tvideo {result.width}x{result.height}\tmd5 {result.md5}\t"
                f"sha256 {result.sha256}\tvpdq {len(frames)} frames"
            )
    if failed:
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.command("hash")(hash_command)
