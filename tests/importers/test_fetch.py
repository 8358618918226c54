"""The fetcher against a real HTTP server on loopback, started by the test: ETag/304, errors, limits."""
import http.server
import threading
import time

import pytest

from fines.importers.fetch import FetchError, fetch

FEED = b"<rss><channel><title>AP</title></channel></rss>"


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):
        self.server.requests.append(dict(self.headers))
        if self.path == "/feed":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", '"v1"')
            self.send_header("Last-Modified", "Sat, 28 Nov 2026 10:00:00 GMT")
            self.send_header("Content-Length", str(len(FEED)))
            self.end_headers()
            self.wfile.write(FEED)
        elif self.path == "/broken":
            self.send_error(500, "Internal Server Error")
        elif self.path == "/gone":
            self.send_error(404, "Not Found")
        elif self.path == "/slow":
            time.sleep(1.5)
            self.send_response(200)
            self.end_headers()
        elif self.path == "/huge":
            self.send_response(200)
            self.end_headers()  # no Content-Length: the limit must hold while reading
            self.wfile.write(b"x" * 300_000)


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _url(server, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_a_second_fetch_with_the_etag_costs_a_304_and_no_body(server):
    first = fetch(_url(server, "/feed"))
    assert first.body == FEED and first.etag == '"v1"'
    assert first.last_modified == "Sat, 28 Nov 2026 10:00:00 GMT"
    again = fetch(_url(server, "/feed"), etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified
    assert server.requests[-1]["If-None-Match"] == '"v1"'
    assert server.requests[-1]["If-Modified-Since"] == first.last_modified
    assert server.requests[-1]["User-Agent"].startswith("finetracker")


@pytest.mark.parametrize(("path", "retryable", "says"), [("/broken", True, "500"), ("/gone", False, "404")])
def test_server_errors_are_retried_and_client_errors_are_not(server, path, retryable, says):
    with pytest.raises(FetchError) as error:
        fetch(_url(server, path))
    assert error.value.retryable is retryable
    assert says in str(error.value)


def test_a_source_that_does_not_answer_in_time_is_retried_later(server):
    with pytest.raises(FetchError) as error:
        fetch(_url(server, "/slow"), timeout=0.3)
    assert error.value.retryable
    assert "did not answer within 0.3 seconds" in str(error.value)


def test_a_body_larger_than_the_limit_is_refused_while_reading(server):
    with pytest.raises(FetchError) as error:
        fetch(_url(server, "/huge"), max_bytes=100_000)
    assert not error.value.retryable
    assert "larger than the 100,000 bytes" in str(error.value)


def test_nothing_but_http_is_fetched():
    with pytest.raises(FetchError):
        fetch("file:///etc/passwd")
