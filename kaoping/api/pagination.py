"""Page-number pagination with bounds: `?page=2&page_size=50` → {"items": [...], "count": N}."""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Far beyond any real list, and small enough that no database overflows computing the offset.
MAX_PAGE = 100_000


class Pages(PageNumberPagination):
    """ninja's page numbers, refusing (422) a page size over the maximum or an absurd page
    number instead of trimming the one and overflowing the database with the other."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="1 for the first page.")
        page_size: int | None = Field(
            None, ge=1, le=MAX_PAGE_SIZE, description=f"Default {DEFAULT_PAGE_SIZE}."
        )

    def __init__(self, **kwargs: object) -> None:
        super().__init__(page_size=DEFAULT_PAGE_SIZE, max_page_size=MAX_PAGE_SIZE, **kwargs)
