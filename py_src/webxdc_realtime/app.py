"""A webxdc app to run: a folder with an ``index.html``, or an ``.xdc`` (a zip).

Checked as a messenger would (SPEC-webxdc.md, "The app package"): ``index.html`` at the
root (a zip whose files sit in a top-level folder is not a webxdc), ``manifest.toml`` read
if there (``name``, ``source_code_url``, ``min_api``), ``icon.png`` or else ``icon.jpg``.
Files are served straight from the folder or the zip, never unpacked.
"""

from __future__ import annotations

import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


class InvalidAppError(Exception):
    """The path is not a webxdc app; the message says what is wrong and what to do."""


@dataclass
class App:
    """An app's files and what its manifest says.

    Attributes
    ----------
    path : Path
        The folder or ``.xdc`` file.
    name : str
        ``manifest.toml``'s ``name``, else the folder's or file's name.
    icon : str or None
        ``icon.png`` or ``icon.jpg`` if the app has one.
    manifest : dict
        The whole manifest ({} without one).
    """

    path: Path
    name: str
    icon: str | None
    manifest: dict[str, object] = field(default_factory=dict)
    _zip: zipfile.ZipFile | None = field(default=None, repr=False)

    def read(self, name: str) -> bytes | None:
        """Return the bytes of the app's file ``name`` (a URL path below the app), or None.

        Parameters
        ----------
        name : str
            E.g. ``"index.html"``, ``"js/app.js"``; ``..`` never leaves the app.

        Returns
        -------
        bytes or None
            The content; None if there is no such file.
        """
        parts = [p for p in PurePosixPath(name).parts if p not in ("", ".", "/")]
        if not parts or ".." in parts:
            return None
        relative = "/".join(parts)
        if self._zip is not None:
            try:
                return self._zip.read(relative)
            except KeyError:
                return None
        target = self.path.joinpath(*parts)
        return target.read_bytes() if target.is_file() else None

    def modified(self) -> float:
        """Return when the app last changed: its folder's newest file, or the zip's mtime."""
        if self._zip is not None:
            return self.path.stat().st_mtime
        return max((p.stat().st_mtime for p in self.path.rglob("*") if p.is_file()), default=0.0)


def load_app(path: str | Path) -> App:
    """Open an app to run, checking it as a messenger would.

    Parameters
    ----------
    path : str or Path
        A folder with ``index.html``, or an ``.xdc`` file.

    Returns
    -------
    App
        The app.

    Raises
    ------
    InvalidAppError
        What is wrong, in words a developer can act on.
    """
    path = Path(path)
    if not path.exists():
        raise InvalidAppError(f"{path}: no such file or folder")
    if path.is_dir():
        if not (path / "index.html").is_file():
            raise InvalidAppError(
                f"{path}: no index.html in this folder; a webxdc app starts there"
            )
        names = {p.name for p in path.iterdir() if p.is_file()}
        return _app(path, names, lambda n: (path / n).read_bytes(), None)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise InvalidAppError(
            f"{path}: not a zip file ({error}); an .xdc is a zip of the app"
        ) from None
    names = set(archive.namelist())
    if "index.html" not in names:
        nested = sorted(n for n in names if n.endswith("/index.html"))
        hint = (
            f"; it is at {nested[0]}: zip the folder's contents, not the folder"
            if nested
            else "; a webxdc app starts there"
        )
        raise InvalidAppError(f"{path}: no index.html at the root of the zip{hint}")
    return _app(path, names, archive.read, archive)


def _app(
    path: Path, names: set[str], read: Callable[[str], bytes], archive: zipfile.ZipFile | None
) -> App:
    manifest: dict[str, object] = {}
    if "manifest.toml" in names:
        try:
            manifest = tomllib.loads(read("manifest.toml").decode())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise InvalidAppError(f"{path}: manifest.toml is not valid TOML: {error}") from None
    name = manifest.get("name")
    if name is not None and not isinstance(name, str):
        raise InvalidAppError(f"{path}: manifest.toml's name must be a string")
    icon = next((n for n in ("icon.png", "icon.jpg") if n in names), None)
    title = name or (path.stem if path.is_file() else path.resolve().name)
    return App(path, title, icon, manifest, archive)
