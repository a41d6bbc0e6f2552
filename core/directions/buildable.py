"""What rules a direction data set out before any model sees it, and how a failure to build one reads.

`build_each` (core.directions.build) skips a data set that cannot be built with the line `failure_line`
writes; a save refuses one that `check_buildable` rules out, so no page or run meets it later.
"""
from __future__ import annotations

from core.directions.datasets import SUFFIX, DatasetError, DirectionDataset, load_all
from core.directions.methods import MethodError, check
from core.errors import one_line


def resolve_library(library: dict[str, DirectionDataset] | None) -> dict[str, DirectionDataset]:
    """`library`, or every data set in directions/ when it is None."""
    return load_all()[0] if library is None else library


def reason(ds: DirectionDataset, exc: Exception) -> str:
    """Why `ds` failed, in one line, without the data set's name in front (the caller names its file)."""
    text = one_line(exc)
    for prefix in (f"{ds.name}: ", f"direction {ds.name!r}: "):
        text = text[len(prefix):] if text.startswith(prefix) else text
    return text


def failure_line(ds: DirectionDataset, exc: Exception) -> str:
    """One line naming the data set's file and why it cannot be built."""
    return f"directions/{ds.name}{SUFFIX}: {reason(ds, exc)}"


def _check_plain(ds: DirectionDataset) -> None:
    try:
        check(ds.method, len(ds.negative), len(ds.positive), ds.paired)
    except MethodError as exc:
        raise MethodError(f"{ds.name}: {exc}") from None
    if sorted(ds.negative) == sorted(ds.positive):
        raise MethodError(f"{ds.name}: both poles hold the same examples, so they define no direction")


def check_buildable(ds: DirectionDataset, library: dict[str, DirectionDataset] | None = None) -> None:
    """MethodError or DatasetError for what rules `ds` out in every model: too few examples for its method, both
    poles holding the same examples, or a `project_out` naming a direction that is missing (from `library`,
    default: directions/) or itself cannot be built. A model can still fail it (see build_each)."""
    _check_plain(ds)
    for name in ds.project_out:
        library = resolve_library(library)
        if name not in library:
            raise DatasetError(f"{ds.name}: 'project_out' names {name!r}, which is not a direction here.")
        try:
            _check_plain(library[name])
        except MethodError as exc:
            raise MethodError(f"{ds.name}: 'project_out' names {name!r}, which cannot be built "
                              f"({reason(library[name], exc)})") from None
