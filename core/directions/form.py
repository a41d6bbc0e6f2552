"""A data set as the values of an editing form, and back: what the Directions page edits.

The form holds every field of a data set but its examples (those are edited as a table, see
`core.directions.examples`). `form_values` gives the fields to start from (a new data set's defaults
when there is none); `working_dataset` turns the edited values and examples into a validated data set,
or says what is wrong with them.
"""
from __future__ import annotations

from core.directions.datasets import DatasetError, DirectionDataset
from core.directions.methods import MethodError

FIELDS = ("name", "title", "description", "negative_label", "positive_label", "method", "paired",
          "project_out", "notes")
NEW_DEFAULTS = {"name": "", "title": "", "description": "", "negative_label": "negative",
                "positive_label": "positive", "method": "mean_difference", "paired": False, "project_out": [],
                "notes": ""}


def form_values(ds: DirectionDataset | None) -> dict[str, object]:
    """The form's starting values: `ds`'s fields (project_out as a list), or a new data set's defaults."""
    if ds is None:
        return {k: (list(v) if isinstance(v, list) else v) for k, v in NEW_DEFAULTS.items()}
    values = {k: getattr(ds, k) for k in FIELDS}
    values["project_out"] = list(ds.project_out)
    return values


def dataset_from_form(values: dict, negative, positive, neutral=()) -> DirectionDataset:
    """The validated data set made of the form's values and the examples (and neutral texts); DatasetError
    when it is not one."""
    return DirectionDataset(
        name=str(values.get("name") or "").strip(), title=values.get("title") or "",
        negative_label=values.get("negative_label") or "", positive_label=values.get("positive_label") or "",
        negative=tuple(negative), positive=tuple(positive), neutral=tuple(neutral), description=values.get("description") or "",
        method=values.get("method") or NEW_DEFAULTS["method"], paired=bool(values.get("paired")),
        notes=values.get("notes") or "", project_out=tuple(values.get("project_out") or ()),
    ).with_changes()


def working_dataset(values: dict, negative, positive,
                    neutral=()) -> tuple[DirectionDataset | None, DatasetError | MethodError | None]:
    """(the data set, None) when the form makes a valid one, else (None, the error saying why)."""
    try:
        return dataset_from_form(values, negative, positive, neutral), None
    except (DatasetError, MethodError) as exc:
        return None, exc
