"""The resumable parts folder of a job that writes an output file, shared by both engines.

Each finished chunk is written to `<output>.parts/part-NNNNN-<key>.parquet` next to a manifest of the
job (its fingerprint); the key is the running hash of the input's texts up to and including the chunk
(`Job.keys`), so a rerun reuses a part only when everything read before it is the same (standard input
too). A reused part is read back first (page checksums); a damaged one is removed and redone. Parts
left by a different job are removed first. While a run uses the folder it holds a lock on
`.<output>.lock` beside it, and a second run (another process) with the same output refuses with one
line. `join` concatenates the parts into the output (format by its suffix), one part in memory at a
time, and removes the folder. Every file is written atomically; a write the disk refuses becomes an
OutputError that says what to do (check_output refuses an unwritable output before any scoring).
"""
from __future__ import annotations

import errno
import json
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from core.errors import LatentError
from core.files import atomic_path, atomic_write_text

try:
    import fcntl
except ImportError:  # not on this system: runs are not locked
    fcntl = None

log = logging.getLogger(__name__)


class OutputError(LatentError):
    """The output (or its parts folder) cannot be written; the message says what to do."""


class PartsFolder:
    def __init__(self, output: Path, folder: Path, job=None, lock: int | None = None):
        self.output = output
        self.folder = folder
        self.job = job
        self.lock = lock
        self.earlier: dict[int, list[Path]] = {}  # chunk -> parts already in the folder (maybe of other texts)
        for part in folder.glob("part-*.parquet"):
            if number := re.match(r"part-(\d+)", part.name):
                self.earlier.setdefault(int(number[1]), []).append(part)

    @property
    def keys(self) -> list[str] | None:
        """The job's chunk keys as read so far (None: parts named by chunk number only)."""
        return getattr(self.job, "keys", None)

    @classmethod
    def open(cls, job, output) -> "PartsFolder":
        """The parts folder for `job` writing `output`, kept from an earlier run of the same job."""
        out = Path(output)
        folder = out.with_name(out.name + ".parts")
        if out.is_dir():
            raise output_error(IsADirectoryError(errno.EISDIR, "Is a directory", str(out)), out)
        manifest = {"job": job.fingerprint(), "output": out.name}
        path = folder / "manifest.json"
        try:
            lock = _lock(folder, out)
            try:
                same = json.loads(path.read_text(encoding="utf-8")) == manifest
            except (OSError, ValueError):
                same = False
            if not same:
                log.info("%s holds parts of another job; starting over", folder)
                _empty(folder)
            else:
                log.info("%s holds parts of this job; resuming", folder)
            atomic_write_text(path, json.dumps(manifest))
        except OSError as exc:
            raise output_error(exc, out) from None
        return cls(out, folder, job, lock)

    def path(self, chunk: int) -> Path:
        key = self.keys[chunk][:32] if self.keys is not None and chunk < len(self.keys) else ""
        return self.folder / f"part-{int(chunk):05d}{'-' * bool(key)}{key}.parquet"

    def done(self, chunk: int) -> bool:
        """Whether chunk's part is written and reads back whole; a damaged part is removed (and redone)."""
        path = self.path(chunk)
        if not path.exists():
            return False
        try:
            _read(path)
            return True
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a damaged file
            log.warning("%s is damaged (%s); scoring its chunk again", path, type(exc).__name__)
            path.unlink(missing_ok=True)
            return False

    def write(self, chunk: int, frame: pd.DataFrame) -> None:
        target = self.path(chunk)
        try:
            for old in self.earlier.pop(int(chunk), []):  # parts of other texts
                if old != target:
                    old.unlink(missing_ok=True)
            with atomic_path(target) as tmp:
                frame.to_parquet(tmp, index=False, write_page_checksum=True)
        except OSError as exc:
            raise output_error(exc, self.output) from None

    def join(self, columns: list[str] | None = None) -> int:
        """Write the output from the parts (in chunk order) and remove the folder; the number of rows.
        An empty result gets the header of the parts (or `columns`, or just `text`)."""
        if self.keys is None:
            parts = sorted(self.folder.glob("part-*.parquet"))
        else:
            parts = [p for p in map(self.path, range(len(self.keys))) if p.exists()]
        header = lambda: _columns(parts) or columns or ["text"]  # noqa: E731 - for an empty result only
        try:
            with atomic_path(self.output) as tmp:
                if self.output.suffix.lower() == ".parquet":
                    rows = _join_parquet(parts, tmp, header)
                else:
                    rows = _join_text(parts, tmp, "\t" if self.output.suffix.lower() == ".tsv" else ",", header)
        except OSError as exc:
            raise output_error(exc, self.output) from None
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.lock is not None:
            lock_path(self.output).unlink(missing_ok=True)  # while still held (see _lock)
        self.close()
        return rows

    def close(self) -> None:
        """Release the folder's lock (the process's end releases it too)."""
        if self.lock is not None:
            os.close(self.lock)
            self.lock = None

    def __enter__(self) -> "PartsFolder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        self.close()


def lock_path(output: Path) -> Path:
    return output.with_name(f".{output.name}.lock")


def _lock(folder: Path, output: Path) -> int | None:
    """Create `folder` and hold a lock on the output's lock file (per process: POSIX record locks);
    refuse when another process holds it."""
    for _ in range(10):
        folder.mkdir(parents=True, exist_ok=True)
        if fcntl is None:
            return None
        path = lock_path(output)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                raise
            raise OutputError(f"another run is writing {output} (its parts are in {folder}). Wait for it to "
                              "finish, or give this run another --output.") from None
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)  # the folder was removed (a run finished) while we took the lock: take the new one
    raise OutputError(f"cannot lock {folder}: it keeps being replaced; is another run writing {output}?")


def _empty(folder: Path) -> None:
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink(missing_ok=True)


def check_output(output) -> None:
    """Refuse, before any scoring, an output that cannot be written: a folder, a path under a file, a
    folder without write access."""
    out = Path(output)
    try:
        if out.is_dir():
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(out))
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".check", dir=out.parent)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise output_error(exc, out) from None


def output_error(exc: OSError, output: Path) -> OutputError:
    """One line for an OSError while writing `output` or its parts: what went wrong and what to do."""
    output = Path(output)
    code, where = exc.errno, exc.filename or output
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)) or "No space left" in str(exc):
        advice = (f"the disk is full. Free some space and run the same command again (the chunks already "
                  f"scored, in {output.name}.parts, are kept).")
    elif code == errno.EISDIR:
        advice = f"it is a folder. Give --output a file name, such as {output / ('scores' + output.suffix)}."
    elif code in (errno.ENOTDIR, errno.EEXIST):
        blocker = next((p for p in [output.with_name(output.name + ".parts"), *output.parents] if p.is_file()), where)
        advice = f"{blocker} is a file, not a folder. Choose another --output (or move that file)."
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        advice = (f"{output.parent} cannot be written to ({exc.strerror or 'permission denied'}). "
                  "Choose a folder you can write to for --output.")
    else:
        advice = f"{exc.strerror or exc} ({where}). Check the path, or choose another --output."
    return OutputError(f"cannot write {output}: {advice}")


def _read(path: Path):
    import pyarrow.parquet as pq

    return pq.read_table(path, page_checksum_verification=True)


def _columns(parts: list[Path]) -> list[str]:
    """The columns of the widest part (a chunk with only empty texts writes its columns without rows)."""
    import pyarrow.parquet as pq

    names = []
    for p in parts:
        try:
            names.append(pq.read_schema(p).names)
        except Exception:  # noqa: BLE001 - a damaged part is named when it is joined
            pass
    return max(names, key=len, default=[])


def _damaged(path: Path, exc: Exception) -> OutputError:
    path.unlink(missing_ok=True)
    return OutputError(f"{path} was damaged while the output was being joined ({type(exc).__name__}); it was "
                       "removed: run the same command again to score its chunk again.")


def _parts(parts: list[Path]):
    """Each part's table, in order; a part that cannot be read is removed and named."""
    for p in parts:
        try:
            table = _read(p)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a damaged file
            raise _damaged(p, exc) from None
        yield table


def _join_parquet(parts: list[Path], target: Path, header) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows, writer = 0, None
    try:
        for table in _parts(parts):
            if table.num_rows == 0:
                continue
            if writer is None:
                writer = pq.ParquetWriter(target, table.schema)
            writer.write_table(table.cast(writer.schema))
            rows += table.num_rows
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        kinds = {"text": pa.string(), "windows": pa.int64()}
        pq.write_table(pa.table({c: pa.array([], kinds.get(c, pa.float64())) for c in header()}), target)
    return rows


def _join_text(parts: list[Path], target: Path, sep: str, header) -> int:
    rows = 0
    with open(target, "w", encoding="utf-8", newline="") as fh:
        for table in _parts(parts):
            frame = table.to_pandas()
            if frame.empty:
                continue
            frame.to_csv(fh, index=False, header=(rows == 0), sep=sep)
            rows += len(frame)
        if rows == 0:
            pd.DataFrame(columns=header()).to_csv(fh, index=False, sep=sep)
    return rows
