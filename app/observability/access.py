"""Who may read /metrics: a configured address, or the configured token.

The address is the client as the application sees it (`request.client`): the peer itself,
or, when uvicorn believes that peer's X-Forwarded-For (KENNISBANK_FORWARDED_ALLOW_IPS), the
client the proxy names. A request that came through a proxy is let in by its token only: with
a proxy on this host whose header is not believed, every visitor would otherwise look like
127.0.0.1, and one that is believed would let its clients in by the addresses they come from.
"""

import hmac
from ipaddress import ip_address

from starlette.requests import Request

from app.config import Settings

_FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


def _token_matches(request: Request, token: str) -> bool | None:
    """True or False when a bearer token was sent and one is configured; None otherwise."""
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return None
    return hmac.compare_digest(sent.strip().encode(), token.encode())


def _address_allowed(request: Request, settings: Settings) -> bool:
    if any(name in request.headers for name in _FORWARDING_HEADERS) or request.client is None:
        return False
    try:
        address = ip_address(request.client.host)
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:  # an IPv4 client on a dual-stack socket
        address = address.ipv4_mapped
    return any(address in network for network in settings.metrics_networks)


def may_read_metrics(request: Request, settings: Settings) -> bool:
    by_token = _token_matches(request, settings.metrics_token)
    if by_token is not None:
        return by_token  # a wrong token is refused, wherever it comes from
    return _address_allowed(request, settings)
