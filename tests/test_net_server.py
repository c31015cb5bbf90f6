"""The test HTTP server itself: routes, handlers, conditional answers."""

import httpx


def test_server_serves_routes_and_records_requests(http_server):
    http_server.add("/a", "hello", content_type="text/plain", headers={"X-Test": "1"})
    r = httpx.get(http_server.url("/a"))
    assert r.status_code == 200 and r.text == "hello"
    assert r.headers["x-test"] == "1"
    assert httpx.get(http_server.url("/missing")).status_code == 404
    assert [p for _, p, _ in http_server.requests] == ["/a", "/missing"]
    assert http_server.requests[0][0] == "GET"


def test_server_conditional_get(http_server):
    lm = "Sat, 01 Jan 2000 00:00:00 GMT"
    http_server.add("/e", "body", etag='"v1"', last_modified=lm)
    assert httpx.get(http_server.url("/e"), headers={"If-None-Match": '"v1"'}).status_code == 304
    assert httpx.get(http_server.url("/e"), headers={"If-None-Match": '"v2"'}).status_code == 200
    assert httpx.get(http_server.url("/e"), headers={"If-Modified-Since": lm}).status_code == 304
    r = httpx.get(http_server.url("/e"))
    assert r.status_code == 200 and r.headers["etag"] == '"v1"'


def test_server_custom_handler(http_server):
    def teapot(h):
        h.send_response(418)
        h.send_header("Content-Length", "3")
        h.end_headers()
        h.wfile.write(b"tea")

    http_server.add_handler("/t", teapot)
    r = httpx.get(http_server.url("/t"))
    assert r.status_code == 418 and r.text == "tea"


def test_server_file_body_and_post(http_server, tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(b"<p>from a file</p>")
    url = http_server.add("/page", page)
    with httpx.Client() as client:
        assert client.post(url, content=b"x" * 5000).text == "<p>from a file</p>"
        assert client.get(url + "?q=1").text == "<p>from a file</p>"  # same connection still usable
    assert http_server.paths() == ["/page", "/page?q=1"]
    assert [m for m, _, _ in http_server.requests] == ["POST", "GET"]
