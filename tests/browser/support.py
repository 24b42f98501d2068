"""Helpers of the browser tests: signing in through the real login page, a real PDF."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.factories import PASSWORD


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    """Sign in on the login page at `/` with the user name and password, as a person would."""
    page.goto("/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def minimal_pdf(text: str = "Kaoping evidence") -> bytes:
    """A small but valid one-page PDF (catalog, pages, page, content stream, xref table)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def no_errors(page: Any) -> None:
    """The page logged no console error and raised no uncaught exception."""
    assert page.errors.all == [], page.errors.all


__all__ = ["expect", "minimal_pdf", "no_errors", "sign_in"]
