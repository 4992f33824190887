"""Pack a folder into a webxdc app (.xdc): a zip with index.html at its root.

The archive is reproducible (sorted names, fixed timestamps), so that the same sources
give the same file.

Usage::

    python tools/pack_xdc.py FOLDER OUT.xdc
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path


def pack(folder: Path, out: Path) -> None:
    for required in ("index.html", "manifest.toml"):
        if not (folder / required).is_file():
            sys.exit(f"{folder}: {required} is missing; a webxdc app needs it at its root")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as xdc:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            xdc.writestr(info, path.read_bytes())


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    pack(Path(sys.argv[1]), Path(sys.argv[2]))
