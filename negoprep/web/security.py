"""The web app's security rules, as pure functions the middleware and the upload code call.

- Access: on 127.0.0.1 (or ::1, localhost) no token is needed; on any other address every
  request must carry the access token (`?token=`, once, which sets a cookie; or the cookie; or
  `Authorization: Bearer`). Without a token the server refuses to start on such an address.
- Cross-site requests: a state-changing request (POST, PUT, PATCH, DELETE) is refused unless
  the browser says it comes from the same origin (`Sec-Fetch-Site: same-origin` or `none`, or an
  `Origin` equal to the server's own), and it carries the CSRF token of the page it came from.
- Uploads: at most `max_files` files and `max_bytes` in all; each file's name is reduced to a
  safe base name and its content must be what the name says (`negoprep.reading.readers.sniff`).
- Paths: `inside` refuses any path that resolves outside a given folder.
"""

from __future__ import annotations

import hmac
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

LOOPBACK = ("127.0.0.1", "::1", "localhost")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
TOKEN_COOKIE = "negoprep_token"
CSRF_COOKIE = "negoprep_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""No inline script or style anywhere; everything from the server itself."""

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class SecurityError(Exception):
    """A request or an upload breaks a rule; the message says which, for the user."""


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach."""
    return host.strip("[]") in LOOPBACK or host.startswith("127.")


def access_token_for(host: str, configured: str | None) -> str | None:
    """The token the server must require: None on loopback (unless one is configured), the
    configured one, or a new random one for any other address."""
    if configured:
        return configured
    if is_loopback(host):
        return None
    return secrets.token_urlsafe(24)


def token_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison of an access or CSRF token."""
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


def cross_site_reason(method: str, headers: Mapping[str, str], own_origins: set[str]) -> str | None:
    """Why a request must be refused as cross-site, or None when it may go on.

    `headers` are lower-case names. Safe methods always pass. For the others, `Sec-Fetch-Site`
    (sent by every current browser) must be `same-origin` or `none`; without it, an `Origin`
    must be one of `own_origins` ("null" is not); a request with neither (curl, scripts) passes
    this check and still needs the CSRF token.
    """
    if method.upper() in SAFE_METHODS:
        return None
    site = headers.get("sec-fetch-site")
    if site is not None:  # the browser's own word, which a page cannot forge
        if site in ("same-origin", "none"):
            return None
        return f"cross-site request refused (Sec-Fetch-Site: {site})"
    origin = headers.get("origin")
    if origin is not None and origin not in own_origins:
        return f"cross-site request refused (Origin: {origin})"
    return None


_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()+-]+")


def safe_filename(name: str) -> str:
    """A file's base name with any folder part, control or odd character removed.

    Both `/` and `\\` separators are dropped with what precedes them; accents are folded;
    leading dots are removed (no hidden files, no `..`). Raises `SecurityError` when nothing
    usable remains.
    """
    base = PureWindowsPath(PurePosixPath(name.replace("\x00", "")).name).name
    folded = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("_", folded).strip(" .")
    cleaned = re.sub(r"\s+", " ", re.sub(r"_+", "_", cleaned)).lstrip(".")[:120]
    if not cleaned or cleaned in (".", ".."):
        raise SecurityError(f"'{name[:80]}': not a usable file name")
    return cleaned


def inside(root: Path, *parts: str) -> Path:
    """`root/parts...`, refused (`SecurityError`) when it would resolve outside `root`."""
    base = root.resolve()
    target = base.joinpath(*parts).resolve()
    if target != base and base not in target.parents:
        raise SecurityError(f"'{'/'.join(parts)}': outside the data folder, refused")
    return target


@dataclass(frozen=True)
class UploadLimits:
    """How much one case may bring in: number of files and total bytes."""

    max_files: int = 200
    max_bytes: int = 50 * 1024 * 1024


ZIP_MAX_RATIO = 200
"""A zip member may not expand to more than this many times its compressed size (zip bombs)."""
