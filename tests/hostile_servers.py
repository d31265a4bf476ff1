"""Loopback servers for the hostile-source matrix: an attacker's public site and a private host.

The attacker's site is on 127.0.0.1 (which the tests allow); the "private" host, with a
fake cloud-metadata answer, is on 127.0.0.2 (also loopback, and refused like 10.0.0.1).
"""

from __future__ import annotations

from pages import article_html
from siteserver import SiteServer

ANDRY = "Andry José Hernández Romero"
# What must never leave the private host or the local disk.
METADATA_SECRET = "AKIAFAKEMETADATASECRET"
PASSWD_LINE = "root:x:0:0"


def private_host() -> SiteServer:
    """127.0.0.2: a metadata endpoint and a page naming the watched person (so a fetch would show)."""
    server = SiteServer("127.0.0.2").start()
    server.add("/latest/meta-data/iam", f'{{"AccessKeyId": "{METADATA_SECRET}"}}', "application/json")
    server.add("/intranet.html", article_html("Intranet", [f"{ANDRY} {METADATA_SECRET} in CECOT."]))
    server.add("/sitemap.xml", f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>'
                               f'{server.base}/intranet.html</loc></url></urlset>', "application/xml")
    return server


def good_page(n: int) -> str:
    return article_html(f"Hearing {n}", [f"Story {n}: relatives of {ANDRY}, held in CECOT, spoke to the court."])
