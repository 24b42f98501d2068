"""Form presentation shared by the web UI: Bootstrap classes on every widget."""

from __future__ import annotations

from typing import Any

from django import forms


class BootstrapFormMixin:
    """Give each widget Bootstrap's class, and mark the fields that failed validation."""

    fields: dict[str, forms.Field]
    errors: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def _choice(self, name: str) -> forms.ModelChoiceField:
        """A model choice field of this form, typed (to set its queryset)."""
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        return field
