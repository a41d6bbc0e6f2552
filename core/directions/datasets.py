"""Direction data sets: the human-edited YAML files in `directions/`, and reading them.

A data set names an axis, labels its two poles and lists example texts for each.
Reading validates everything and raises DatasetError with a message a person can
act on; one malformed file never hides the others. Writing the file for review in
git is `core.directions.yamlfile`.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from core import config
from core.directions.methods import METHODS
from core.directions.yamlfile import LOADER, YamlRefused, load_text  # noqa: F401 (LOADER: for other readers)
from core.errors import LatentError

log = logging.getLogger(__name__)

SUFFIX = ".yaml"
MAX_FILE_BYTES = 5 * 1024 * 1024
# Caps no real direction reaches (the shipped ones hold under 800 examples of under 300 characters), checked
# while the file is read, before its texts are built, and on every data set made in the dashboard:
MAX_EXAMPLES = 50_000  # texts per pole (and in the neutral list)
MAX_TEXT_CHARS = 20_000  # characters per example, label, title or description (notes: the file's limit)


class DatasetError(LatentError, ValueError):
    pass


@dataclass(frozen=True)
class DirectionDataset:
    name: str
    title: str
    negative_label: str
    positive_label: str
    negative: tuple[str, ...]
    positive: tuple[str, ...]
    description: str = ""
    method: str = "mean_difference"
    paired: bool = False
    notes: str = ""
    project_out: tuple[str, ...] = ()
    neutral: tuple[str, ...] = ()  # texts that are neither pole: where 0 sits (empty: the poles' midpoint)
    path: Path | None = field(default=None, compare=False)
    file_hash: str | None = field(default=None, compare=False)  # sha256 of the file's bytes when loaded

    def record(self) -> dict:
        """The file's fields as plain values (lists for tuples), without where it was loaded from."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()
                if k not in ("path", "file_hash")}

    @property
    def content_hash(self) -> str:
        """Hash of everything that shapes the direction and its documentation (not the path)."""
        blob = json.dumps(self.record(), sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()

    @property
    def build_hash(self) -> str:
        """Hash of what the vector and its calibration depend on: the examples, the neutral texts, the method."""
        parts = [self.method, self.paired, list(self.negative), list(self.positive)]
        if self.neutral:
            parts.append(list(self.neutral))
        blob = json.dumps(parts, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def with_changes(self, **changes) -> "DirectionDataset":
        return validate(replace(self, **changes))


REQUIRED = ("name", "title", "negative_label", "positive_label", "negative", "positive")
OPTIONAL = ("description", "method", "paired", "notes", "project_out", "neutral")
RESERVED_NAMES = ("text", "row", "windows")  # columns of every score table: a direction cannot take one
MIN_NEUTRAL = 3  # a neutral list, when given, needs this many texts for a stable zero


def _examples(value, pole: str, where: str) -> tuple[str, ...]:
    if value is None:
        value = []
    if not isinstance(value, list):
        raise DatasetError(f"{where}: '{pole}' must be a list of texts, one per line starting with '- '.")
    texts = []
    for i, item in enumerate(value, 1):
        if item is None:  # an empty "- " line
            continue
        if not isinstance(item, str):
            raise DatasetError(f"{where}: example {i} of '{pole}' is not a text (got {type(item).__name__}).")
        item = item.strip()
        if item:
            texts.append(item)
    return tuple(texts)


def _check_caps(ds: DirectionDataset, where: str) -> None:
    """The caps on examples and characters (see MAX_EXAMPLES), and texts that have a UTF-8 form."""
    for pole in ("negative", "positive", "neutral"):
        if len(getattr(ds, pole)) > MAX_EXAMPLES:
            raise DatasetError(f"{where}: the {pole} list has {len(getattr(ds, pole)):,} texts; the limit is "
                               f"{MAX_EXAMPLES:,} per list, far beyond any real direction: sample them.")
    for key in ("title", "description", "negative_label", "positive_label", "negative", "positive", "neutral"):
        for text in (getattr(ds, key),) if isinstance(getattr(ds, key), str) else getattr(ds, key):
            if len(text) > MAX_TEXT_CHARS:
                raise DatasetError(f"{where}: a text in '{key}' has {len(text):,} characters; the limit is "
                                   f"{MAX_TEXT_CHARS:,}, far beyond any real example: shorten it.")
    for key, value in ds.record().items():
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and not text.isascii():
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError as exc:
                    raise DatasetError(f"{where}: '{key}' holds U+{ord(text[exc.start]):04X}, a lone surrogate "
                                       "that no file can store; remove it.") from None


def validate(ds: DirectionDataset, where: str | None = None) -> DirectionDataset:
    """Check a data set and return it normalised (texts stripped, empty examples dropped)."""
    where = where or ds.name or "the new direction"
    ds = replace(
        ds,
        title=str(ds.title).strip(), description=str(ds.description).strip(), notes=str(ds.notes).strip(),
        negative_label=str(ds.negative_label).strip(), positive_label=str(ds.positive_label).strip(),
        negative=tuple(t.strip() for t in ds.negative if t.strip()),
        positive=tuple(t.strip() for t in ds.positive if t.strip()),
        neutral=tuple(t.strip() for t in ds.neutral if t.strip()),
    )
    _check_caps(ds, where)
    if not config.valid_name(ds.name):
        raise DatasetError(f"{where}: name {ds.name!r} must be 1-64 letters, digits, '-' or '_'.")
    if ds.name.lower() in RESERVED_NAMES:
        raise DatasetError(f"{where}: the name {ds.name!r} is taken by a column of the score tables "
                           f"({', '.join(RESERVED_NAMES)}); choose another.")
    for key in ("title", "negative_label", "positive_label"):
        if not str(getattr(ds, key)).strip():
            raise DatasetError(f"{where}: '{key}' is empty.")
    if ds.method not in METHODS:
        raise DatasetError(f"{where}: unknown method {ds.method!r}; known methods: {', '.join(METHODS)}.")
    for other in ds.project_out:
        if not config.valid_name(other) or other == ds.name:
            raise DatasetError(f"{where}: 'project_out' lists {other!r}, which is not another direction's name.")
    for pole, label in (("negative", ds.negative_label), ("positive", ds.positive_label)):
        if not getattr(ds, pole):
            raise DatasetError(f"{where}: the {pole} pole ({label!r}) has no examples; add at least one.")
    if ds.neutral:
        if len(ds.neutral) < MIN_NEUTRAL:
            raise DatasetError(f"{where}: the neutral list has {len(ds.neutral)} text(s); give at least "
                               f"{MIN_NEUTRAL} texts that are neither pole, or remove 'neutral'.")
        both = set(ds.neutral) & (set(ds.negative) | set(ds.positive))
        if both:
            raise DatasetError(f"{where}: the neutral text {sorted(both)[0]!r} is also a pole example; "
                               "a text cannot be both.")
    if ds.paired and len(ds.negative) != len(ds.positive):
        raise DatasetError(
            f"{where}: a paired data set needs as many negative as positive examples "
            f"({len(ds.negative)} != {len(ds.positive)})."
        )
    return ds


def parse_dataset(text: str, where: str = "data set", path: Path | None = None) -> DirectionDataset:
    """The data set in a file's text, validated; DatasetError says what is wrong and where."""
    try:  # strict: no duplicate keys, no aliases, plain scalars as written, the caps before anything is built
        data = load_text(text, MAX_EXAMPLES, MAX_TEXT_CHARS)
    except YamlRefused as exc:
        raise DatasetError(f"{where}: {exc}") from None
    if not isinstance(data, dict):
        raise DatasetError(f"{where}: expected a mapping with keys {', '.join(REQUIRED)}.")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise DatasetError(f"{where}: missing {', '.join(missing)}.")
    unknown = sorted(set(data) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise DatasetError(f"{where}: unknown keys {', '.join(map(str, unknown))}.")
    paired = data.get("paired", False)
    if not isinstance(paired, bool):
        raise DatasetError(f"{where}: 'paired' must be true or false.")
    project_out = data.get("project_out") or []
    if isinstance(project_out, str):
        project_out = [project_out]
    if not isinstance(project_out, list) or not all(isinstance(x, str) for x in project_out):
        raise DatasetError(f"{where}: 'project_out' must be a list of direction names.")
    neutral = ()
    if "neutral" in data:
        neutral = _examples(data["neutral"], "neutral", where)
        if not neutral:
            raise DatasetError(f"{where}: 'neutral' is empty; list texts that are neither pole (at least "
                               f"{MIN_NEUTRAL}), or remove the key to put 0 at the poles' midpoint.")
    ds = DirectionDataset(
        name=str(data["name"]),
        title=str(data["title"] or "").strip(),
        negative_label=str(data["negative_label"] or "").strip(),
        positive_label=str(data["positive_label"] or "").strip(),
        negative=_examples(data["negative"], "negative", where),
        positive=_examples(data["positive"], "positive", where),
        description=str(data.get("description") or "").strip(),
        method=str(data.get("method") or "mean_difference"),
        paired=paired,
        notes=str(data.get("notes") or "").strip(),
        project_out=tuple(dict.fromkeys(x.strip() for x in project_out if x.strip())),
        neutral=neutral,
        path=path,
    )
    return validate(ds, where)


def load_dataset(path: Path) -> DirectionDataset:
    """The data set in the file at `path` (its name must match the file name), with the file's hash."""
    path = Path(path)
    where = path.name
    try:
        if not path.is_file():
            raise DatasetError(f"{where}: not a regular file.")
        with path.open("rb") as fh:  # read at most one byte past the limit, whatever stat says
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise DatasetError(f"{where}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{where}: not UTF-8 text (byte {exc.start}); save it as UTF-8.") from None
    except OSError as exc:
        raise DatasetError(f"{where}: cannot be read ({exc.strerror}).") from None
    ds = replace(parse_dataset(text, where, path), file_hash=hashlib.sha256(raw).hexdigest())
    if ds.name != path.stem:
        raise DatasetError(f"{where}: its name {ds.name!r} differs from the file name {path.stem!r}.")
    return ds


def load_all(folder: Path | None = None) -> tuple[dict[str, DirectionDataset], dict[str, str]]:
    """Every data set in the folder, and a message per file that could not be read."""
    folder = Path(folder or config.directions_dir())
    found: dict[str, DirectionDataset] = {}
    errors: dict[str, str] = {}
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        try:
            ds = load_dataset(path)
            found[ds.name] = ds
        except DatasetError as exc:
            log.warning("skipped direction file %s: %s", path, exc)
            errors[path.name] = str(exc)
    return found, errors


def get_dataset(name: str, folder: Path | None = None) -> DirectionDataset:
    """The data set `name` in the folder, or DatasetError listing the known ones."""
    folder = Path(folder or config.directions_dir())
    path = folder / f"{name}{SUFFIX}"
    if not config.valid_name(name) or not path.exists():
        known, _ = load_all(folder)
        raise DatasetError(f"Unknown direction {name!r}. Known directions: {', '.join(known) or 'none'}.")
    return load_dataset(path)
