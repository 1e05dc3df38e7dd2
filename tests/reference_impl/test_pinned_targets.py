"""A webhook request is addressed to the checked address, its name kept for Host and TLS."""

from __future__ import annotations

import ipaddress

import pytest

from reference_impl.pinned_targets import pinned_request

V4 = ipaddress.ip_address("203.0.113.7")
V6 = ipaddress.ip_address("2001:db8::7")


@pytest.mark.parametrize(("url", "address", "pinned", "host"), [
    ("http://hooks.example.com/x?y=1", V4, "http://203.0.113.7/x?y=1", "hooks.example.com"),
    ("http://hooks.example.com:8080/x", V4, "http://203.0.113.7:8080/x",
     "hooks.example.com:8080"),
    ("https://hooks.example.com/x", V6, "https://[2001:db8::7]/x", "hooks.example.com"),
    ("http://user:pw@hooks.example.com:81/x", V4, "http://user:pw@203.0.113.7:81/x",
     "hooks.example.com:81"),
])
def test_the_url_names_the_address_and_the_host_header_the_name(
        url: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address, pinned: str,
        host: str) -> None:
    request = pinned_request(url, address)
    assert request.url == pinned
    assert request.headers == {"Host": host}


def test_https_verifies_the_certificate_against_the_name_not_the_address() -> None:
    assert pinned_request("https://hooks.example.com/x", V4).extensions == {
        "sni_hostname": "hooks.example.com"}
    assert pinned_request("http://hooks.example.com/x", V4).extensions == {}
