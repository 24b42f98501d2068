"""Every URL pattern of kaoping.urls, found by walking the resolver (so new apps' URLs are
crawled as soon as they exist), and filling their arguments with county B's objects."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

_ROUTE_ARG = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_REGEX_ARG = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full route with named placeholders, name and view."""

    template: str  # e.g. "tracking/reports/{pk}/edit/"
    name: str  # e.g. "tracking:report_edit" ("?" when unnamed)
    args: tuple[str, ...]
    view: Callable[..., Any]

    def segment_before(self, arg: str) -> str:
        """The static path segment just before `{arg}` ("" at the start)."""
        head = self.template.split("{" + arg + "}")[0].rstrip("/")
        last = head.rsplit("/", 1)[-1]
        return "" if "{" in last else last

    def fill(self, values: dict[str, str]) -> str:
        return "/" + self.template.format(**values)


def _to_template(pattern: Any) -> str:
    """The pattern's text with each argument as a `{name}` placeholder."""
    if isinstance(pattern, RoutePattern):
        return _ROUTE_ARG.sub(lambda m: "{" + m.group("name") + "}", str(pattern))
    if isinstance(pattern, RegexPattern):
        text = str(pattern).lstrip("^").rstrip("$")
        return _REGEX_ARG.sub(lambda m: "{" + m.group("name") + "}", text).replace("\\", "")
    return str(pattern)  # LocalePrefixPattern is not used


def walk(resolver: URLResolver | None = None, prefix: str = "", ns: str = "") -> Iterator[Route]:
    """Every URLPattern below `resolver` (the root URLconf by default), depth first."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        text = _to_template(entry.pattern)
        if isinstance(entry, URLResolver):
            inner_ns = ns + (f"{entry.namespace}:" if entry.namespace else "")
            yield from walk(entry, prefix + text, inner_ns)
        elif isinstance(entry, URLPattern):
            yield Route(
                template=prefix + text,
                name=ns + (entry.name or "?"),
                args=tuple(_args_of(prefix + text)),
                view=entry.callback,
            )


def _args_of(template: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", template)
