"""Fetching a feed the way a publisher would accept: a conditional GET with the stored ETag and
Last-Modified, a timeout and a size cap, an interval that backs off on errors and honours
Retry-After and Cache-Control, a stop on 410 Gone, a permanent redirect remembered.
feedparser reads what comes back, also a malformed feed where it can."""

import email.utils
import ipaddress
import re
import socket
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import feedparser
import httpx

from app.inbox.models import valid_url
from app.textinput import whole_number

TIMEOUT = httpx.Timeout(15.0, connect=10.0)
MAX_BYTES = 5 * 1024 * 1024
TOTAL_SECONDS = 60.0  # the whole fetch, however slowly a server sends
PRIVATE_HOST = ("Dit adres ligt op deze machine of het eigen netwerk; de inbox haalt alleen openbare adressen op "
                "(zie KENNISBANK_INBOX_PRIVATE_HOSTS).")
TOO_BIG = "De feed is groter dan 5 MB en is niet gelezen."
MAX_INTERVAL = timedelta(hours=24)
USER_AGENT = "Wiki-bibliotheek (kennisbank; bronnen-inbox)"


@dataclass
class Fetched:
    status: int  # the HTTP status in the end (after one redirect), 0: no answer
    feed: object | None = None  # feedparser's result
    etag: str = ""
    last_modified: str = ""
    new_url: str = ""  # a permanent redirect: the address to use from now on
    retry_after: timedelta | None = None
    max_age: timedelta | None = None
    error: str = ""
    malformed: bool = False
    entries: list = field(default_factory=list)


def _retry_after(value: str | None, now: datetime) -> timedelta | None:
    if not value:
        return None
    if (seconds := whole_number(value, 12)) is not None:
        return timedelta(seconds=seconds)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(timedelta(0), moment - now) if moment.tzinfo else None


def _max_age(value: str | None) -> timedelta | None:
    found = re.search(r"max-age=(\d+)", value or "")
    return timedelta(seconds=int(found.group(1))) if found else None


def public_host(url: str) -> bool:
    """Whether every address the URL's host resolves to is on the internet (not this machine,
    the local network or a link-local address): the service never fetches its own
    neighbourhood on someone's behalf (server-side request forgery)."""
    try:
        host = httpx.URL(url).host
    except (httpx.InvalidURL, ValueError, UnicodeError):
        return False
    if not host:
        return False
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError, OSError):
        return True  # unknown: the request itself will fail and say so
    return all(_public(ipaddress.ip_address(a.split("%")[0])) for a in addresses)


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """On the internet, also behind IPv6 forms of an IPv4 address (::a.b.c.d, ::ffff:a.b.c.d,
    the 64:ff9b:: gateway prefix), which Python calls global whatever IPv4 address they hold."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return _public(address.ipv4_mapped)
        packed = address.packed
        if packed[:12] == bytes(12) or packed[:12] == bytes.fromhex("0064ff9b0000000000000000"):
            return _public(ipaddress.IPv4Address(packed[12:]))
    return address.is_global


def _decoded(raw: bytes, encoding: str) -> bytes | None:
    """The body under its Content-Encoding (gzip, deflate, or several), at most MAX_BYTES;
    None when it would be larger. An encoding the service did not ask for is read as is."""
    data = raw
    for name in reversed([e.strip().lower() for e in encoding.split(",") if e.strip()]):
        if name in ("gzip", "x-gzip"):
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif name == "deflate":
            inflater = zlib.decompressobj(zlib.MAX_WBITS if data[:1] == b"\x78" else -zlib.MAX_WBITS)
        else:
            continue  # identity, or what we did not ask for: feedparser reads what it can
        try:
            data = inflater.decompress(data, MAX_BYTES + 1)
        except zlib.error:
            return b""  # not what it said: an empty, malformed feed
        if len(data) > MAX_BYTES or inflater.unconsumed_tail:
            return None
    return data


def fetch(url: str, etag: str, last_modified: str, now: datetime | None = None,
          transport: httpx.BaseTransport | None = None, allow_private: bool = False) -> Fetched:
    now = now or datetime.now(UTC)
    headers = {"User-Agent": USER_AGENT, "Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5",
               "Accept-Encoding": "gzip, deflate"}
    if not valid_url(url):
        return Fetched(0, error="Het adres van de bron is ongeldig; verbeter het of voeg de bron opnieuw toe.")
    deadline = time.monotonic() + TOTAL_SECONDS
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    new_url = ""
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False, transport=transport) as client:
        for _ in range(3):  # at most two redirects
            if not allow_private and not public_host(url):
                return Fetched(0, error=PRIVATE_HOST)
            try:
                with client.stream("GET", url, headers=headers) as response:
                    if response.status_code in (301, 308) and response.headers.get("location"):
                        url = new_url = str(response.url.join(response.headers["location"]))
                        continue
                    if response.status_code in (302, 303, 307) and response.headers.get("location"):
                        url = str(response.url.join(response.headers["location"]))
                        continue
                    body = b""
                    if response.status_code == 200:
                        # The bytes as sent, decompressed here: httpx would inflate a small
                        # compressed answer to any size before the cap could look at it.
                        raw = bytearray()
                        for chunk in response.iter_raw():
                            raw += chunk
                            if len(raw) > MAX_BYTES:
                                return Fetched(0, error=TOO_BIG)
                            if time.monotonic() > deadline:
                                return Fetched(0, error="De bron stuurde de feed te traag; het ophalen is afgebroken.")
                        decoded = _decoded(bytes(raw), response.headers.get("content-encoding", ""))
                        if decoded is None:
                            return Fetched(0, error=TOO_BIG)
                        body = decoded
                    result = Fetched(
                        response.status_code, etag=response.headers.get("etag", ""),
                        last_modified=response.headers.get("last-modified", ""), new_url=new_url,
                        retry_after=_retry_after(response.headers.get("retry-after"), now),
                        max_age=_max_age(response.headers.get("cache-control")),
                    )
                    if response.status_code == 200:
                        parsed = feedparser.parse(body, response_headers={k.lower(): v for k, v in response.headers.items()})
                        if not parsed.entries and parsed.get("bozo") and not parsed.get("version"):
                            result.error = "Dit adres geeft geen RSS- of Atom-feed."
                        result.feed, result.entries = parsed, list(parsed.entries)
                        result.malformed = bool(parsed.get("bozo"))
                    return result
            except httpx.TimeoutException:
                return Fetched(0, error="De bron antwoordde niet op tijd.")
            except (httpx.HTTPError, httpx.InvalidURL) as exc:  # InvalidURL: a redirect to no address
                return Fetched(0, error=f"De bron was niet bereikbaar ({type(exc).__name__}).")
    return Fetched(0, error="Te veel doorverwijzingen.")
