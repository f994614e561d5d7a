"""The CONNECT proxy: tunnels, plain forwarding, credentials, and its refusals."""

import base64
import json
import socket

import pytest
import requests

from tests.stack.connect_proxy import ConnectProxy


def tunnel_get(proxy_port: int, target: str, path: str, auth: str | None = None) -> bytes:
    """Open a CONNECT tunnel to `target` and send one plain HTTP GET through it."""
    with socket.create_connection(("127.0.0.1", proxy_port), timeout=5) as sock:
        header = f"Proxy-Authorization: Basic {auth}\r\n" if auth else ""
        sock.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n{header}\r\n".encode())
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = sock.recv(4096)
            if not chunk:
                return reply
            reply += chunk
        if not reply.startswith(b"HTTP/1.0 200"):
            return reply
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n".encode())
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
        return response


def test_connect_tunnel_reaches_a_local_server(connect_proxy, platform_fake):
    target = f"127.0.0.1:{platform_fake.port}"
    response = tunnel_get(connect_proxy.port, target, "/_control/health")
    assert response.startswith(b"HTTP/1.1 200") and json.loads(response.split(b"\r\n\r\n", 1)[1]) == {"ok": True}
    assert connect_proxy.targets == [target]
    assert connect_proxy.requests[0].status == 200


def test_requests_library_forwards_http_through_the_proxy(connect_proxy, platform):
    proxies = {"http": connect_proxy.url, "https": connect_proxy.url}
    response = requests.post(
        f"{platform.intake_url}/batch",
        json={"intake_key": "k", "jsons": ["via proxy"]},
        proxies=proxies,
        timeout=5,
    )
    assert response.status_code == 200 and len(response.json()["event_ids"]) == 1
    assert platform.records() == ["via proxy"]
    assert connect_proxy.targets == [platform.base_url.removeprefix("http://")]


def test_redirect_maps_a_cloud_name_to_a_local_port(platform_fake):
    target = "myns.servicebus.windows.net:443"
    with ConnectProxy(redirects={target: ("127.0.0.1", platform_fake.port)}) as proxy:
        response = tunnel_get(proxy.port, target, "/_control/health")
    assert response.startswith(b"HTTP/1.1 200")
    assert proxy.targets == [target]


@pytest.mark.parametrize("target", ["myns.servicebus.windows.net:443", "10.1.2.3:443"])
def test_other_targets_are_recorded_and_refused(connect_proxy, target):
    assert tunnel_get(connect_proxy.port, target, "/").startswith(b"HTTP/1.0 502")
    assert connect_proxy.targets == [target]


def test_credentials_are_required_when_set(platform_fake):
    target = f"127.0.0.1:{platform_fake.port}"
    good = base64.b64encode(b"proxyuser:s3cret").decode()
    bad = base64.b64encode(b"proxyuser:wrong").decode()
    with ConnectProxy(username="proxyuser", password="s3cret") as proxy:
        assert tunnel_get(proxy.port, target, "/").startswith(b"HTTP/1.0 407")
        assert tunnel_get(proxy.port, target, "/", auth=bad).startswith(b"HTTP/1.0 407")
        assert tunnel_get(proxy.port, target, "/_control/health", auth=good).startswith(b"HTTP/1.1 200")
        assert proxy.url == f"http://proxyuser:s3cret@127.0.0.1:{proxy.port}"
    assert [(r.authorized, r.user, r.status) for r in proxy.requests] == [
        (False, None, 407),
        (False, "proxyuser", 407),
        (True, "proxyuser", 200),
    ]


def test_requests_sends_credentials_from_the_proxy_url(platform):
    with ConnectProxy(username="u", password="p@ss") as proxy:
        url = f"http://u:p%40ss@127.0.0.1:{proxy.port}"
        response = requests.get(platform.secrets_url, proxies={"http": url}, timeout=5)
    assert response.status_code == 200
    assert [(r.authorized, r.user) for r in proxy.requests] == [(True, "u")]


def test_stop_ends_open_tunnels(platform_fake):
    proxy = ConnectProxy().start()
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    target = f"127.0.0.1:{platform_fake.port}"
    sock.sendall(f"CONNECT {target} HTTP/1.1\r\n\r\n".encode())
    assert sock.recv(4096).startswith(b"HTTP/1.0 200")
    proxy.stop()
    sock.settimeout(5)
    assert sock.recv(4096) == b""  # the proxy closed its side
    sock.close()
