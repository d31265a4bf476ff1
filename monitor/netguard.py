"""What the crawl may reach: http(s) URLs only, and no private address unless the config allows it.

Two layers, so that neither a hostile URL nor a DNS answer that changes between check and
connect gets through:

- `PrivateNetworkMiddleware` (downloader middleware) sees every request: sources, articles,
  redirects, robots.txt, search services and re-checks. It refuses other schemes, and
  resolves the host to refuse private answers with a clear reason.
- `GuardedResolver` (Scrapy's DNS resolver) checks the address again where the connection
  is made. It caches answers, so the address the middleware checked is the one connected to.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.url import url_is_from_any_domain
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from .errors import ConfigError
from .run import crawl_config

NOT_HTTP = "not an http(s) URL"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def is_http_url(url: str) -> bool:
    """True for an absolute http:// or https:// URL with a host."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


class RefusedURL(IgnoreRequest):
    """A URL the monitor never fetches; the message is the reason."""


class PrivateAddressRefused(DNSLookupError):
    """The host resolved to an address the config does not allow."""


class AddressPolicy:
    """Which resolved addresses the crawl may connect to."""

    def __init__(self, allowed: Iterable[Network] = ()) -> None:
        self.allowed = tuple(allowed)

    def refusal(self, address: str) -> str | None:
        """'refused: private address A' when `address` is not public and not allowed, else None."""
        try:
            ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
        except ValueError:
            return f"refused: not an IP address {address!r}"
        checked = ip
        if isinstance(ip, ipaddress.IPv6Address):
            # ::ffff:127.0.0.1 is 127.0.0.1, and so is the 6to4 2002:7f00:1::
            checked = ip.ipv4_mapped or ip.sixtofour or ip
        if any(checked in network or ip in network for network in self.allowed):
            return None
        if checked.is_global and not checked.is_multicast:
            return None
        return f"refused: private address {checked}"


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """CIDRs -> networks; raises ValueError naming the bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as e:
            raise ValueError(f"{value!r} is not a CIDR network ({e})") from None
    return tuple(networks)


def policy_from(settings) -> AddressPolicy:
    """The crawl's policy, from `crawl.allow_private_networks` of the config being run."""
    try:
        config = crawl_config(settings)
    except ConfigError:
        return AddressPolicy()  # the spider reports the config error when it opens
    return AddressPolicy(parse_networks(config.crawl.allow_private_networks))


def _proxy_hosts() -> frozenset[str]:
    """Hosts of the proxies the user set in the environment: theirs to choose, wherever they are."""
    hosts = set()
    for url in getproxies().values():
        host = urlsplit(url if "://" in url else f"http://{url}").hostname
        if host:
            hosts.add(host.lower())
    return frozenset(hosts)


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, failing lookups whose answer is a refused address.

    Every connection resolves its host through here, so an answer that turned private after
    the middleware's check is refused too; the cache keeps the checked answer for the connect.
    """

    policy: AddressPolicy = AddressPolicy()

    @classmethod
    def from_crawler(cls, crawler, reactor) -> GuardedResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.policy = policy_from(crawler.settings)
        resolver.proxies = _proxy_hosts()
        return resolver

    def getHostByName(self, name: str, timeout=()) -> Deferred:  # Twisted's name for it
        d = super().getHostByName(name, timeout)
        return d.addCallback(self._check, name)

    def _check(self, address: str, name: str) -> str:
        if name.lower() in getattr(self, "proxies", ()):
            return address
        reason = self.policy.refusal(address)
        if reason:
            raise PrivateAddressRefused(reason)
        return address


class PrivateNetworkMiddleware:
    """Refuse, before anything is sent, requests for other schemes and for private addresses."""

    def __init__(self, policy: AddressPolicy, proxies: dict[str, str] | None = None) -> None:
        self.policy = policy
        self.proxies = proxies or {}

    @classmethod
    def from_crawler(cls, crawler) -> PrivateNetworkMiddleware:
        # The same proxies Scrapy's HttpProxyMiddleware takes from the environment.
        proxies = getproxies() if crawler.settings.getbool("HTTPPROXY_ENABLED", True) else {}
        return cls(policy_from(crawler.settings), {k: v for k, v in proxies.items() if k in ("http", "https")})

    async def process_request(self, request: Request) -> None:
        if not is_http_url(request.url):
            raise RefusedURL(NOT_HTTP)
        host = urlparse_cached(request).hostname or ""
        stay_on = request.meta.get("stay_on")
        if stay_on and not url_is_from_any_domain(request.url, [stay_on]):
            raise RefusedURL(f"refused: redirected off the site ({stay_on})")
        if self.via_proxy(request, host):
            # The proxy resolves the name and connects, not us: a lookup here would tell
            # nothing about where it goes (and would leak every host to our DNS server).
            reason = self.literal_refusal(host)
        else:
            reason = await self.host_refusal(host)
        if reason:
            raise RefusedURL(reason)

    def via_proxy(self, request: Request, host: str) -> bool:
        """True when the request will go through a proxy (its meta, or the environment's)."""
        if "proxy" in request.meta:
            return bool(request.meta["proxy"])
        scheme = urlparse_cached(request).scheme
        return scheme in self.proxies and not proxy_bypass(host)

    def literal_refusal(self, host: str) -> str | None:
        """Why `host` may not be reached without resolving it: a private IP literal or a local name."""
        if ":" in host:
            return self.policy.refusal(host)
        try:  # every form inet_aton reads: 127.0.0.1, 2130706433, 0x7f000001, 127.1
            return self.policy.refusal(socket.inet_ntoa(socket.inet_aton(host)))
        except OSError:
            pass
        name = host.lower().rstrip(".")
        if name == "localhost" or name.endswith(".localhost"):
            return self.policy.refusal("127.0.0.1")
        return None

    async def process_exception(self, request: Request, exception: Exception) -> None:
        """A lookup the resolver refused at connect time (the answer changed): say why."""
        if isinstance(exception, (DNSLookupError, CannotResolveHostError)):
            reason = await self.host_refusal(urlparse_cached(request).hostname or "")
            if reason:
                raise RefusedURL(reason)

    async def host_refusal(self, host: str) -> str | None:
        """Why `host` may not be reached, or None (also when it does not resolve: the download says so)."""
        if ":" in host:  # an IPv6 literal: nothing to resolve
            return self.policy.refusal(host)
        from twisted.internet import reactor  # the one Scrapy installed

        try:
            # The reactor's resolver (GuardedResolver in a monitor crawl), so the answer
            # checked here is the cached one the connection uses. It also reads the
            # forms inet_aton accepts (2130706433, 0x7f.1, 127.1) as the connection would.
            address = await maybe_deferred_to_future(reactor.resolve(host))
        except PrivateAddressRefused as e:
            return _message(e)
        except (DNSLookupError, OSError):
            return None  # the download itself reports the failed lookup, as for any host
        return self.policy.refusal(address)


def _message(error: Exception) -> str:
    """The reason inside a DNSLookupError ('DNS lookup failed: refused: ...' in Twisted's wording)."""
    text = str(error)
    index = text.find("refused: ")
    return text[index:].rstrip(".") if index >= 0 else text
