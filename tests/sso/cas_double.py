"""A CAS server double that speaks CAS 2.0/3.0 over HTTP on loopback, as a campus CAS would.

``GET /cas/login?service=S``  the user "logs in" (the double knows who from ``as_user`` or
                               ``?user=``) and is redirected to ``S`` with ``ticket=ST-…``.
``GET /cas/serviceValidate`` and ``/cas/p3/serviceValidate``  validate a ticket for a service:
                               single use, bound to the service it was issued for.
``GET /cas/logout?service=S``  redirects back to ``S``.

Every request is recorded in ``requests`` so that specs can assert what qunguan asked.
"""

from __future__ import annotations

import secrets
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

# CAS user name -> attributes returned by CAS 3.0 (the number under two attribute names).
ACCOUNTS: dict[str, dict[str, str]] = {
    "T1001": {"employeeNumber": "T1001", "displayName": "王建国", "schoolId": "T1001"},
    "T2001": {"employeeNumber": "T2001", "displayName": "李秀兰", "schoolId": "T2001"},
    "2023010101": {"employeeNumber": "2023010101", "displayName": "张小明", "schoolId": "2023010101"},
    "X9999": {"employeeNumber": "X9999", "displayName": "校外人员", "schoolId": "X9999"},
    "wangjg": {"employeeNumber": "T1001", "displayName": "王建国", "schoolId": "T1001"},
}


class CASDouble:
    def __init__(self) -> None:
        self.tickets: dict[str, tuple[str, str]] = {}  # ticket -> (service, user)
        self.requests: list[str] = []
        self.as_user = "T1001"
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                double.requests.append(self.path)
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/cas/login":
                    self._login(query)
                elif url.path in {"/cas/serviceValidate", "/cas/p3/serviceValidate"}:
                    self._validate(query, with_attributes=url.path.startswith("/cas/p3/"))
                elif url.path == "/cas/logout":
                    self._redirect(query.get("service", "/"))
                else:
                    self.send_error(404)

            def _redirect(self, location: str) -> None:
                self.send_response(302)
                self.send_header("Location", location)
                self.end_headers()

            def _login(self, query: dict[str, str]) -> None:
                service = query.get("service", "")
                user = query.get("user", double.as_user)
                ticket = "ST-" + secrets.token_hex(12)
                double.tickets[ticket] = (service, user)
                separator = "&" if "?" in service else "?"
                self._redirect(f"{service}{separator}ticket={ticket}")

            def _validate(self, query: dict[str, str], *, with_attributes: bool) -> None:
                ticket, service = query.get("ticket", ""), query.get("service", "")
                issued = double.tickets.pop(ticket, None)  # a ticket is good once
                if issued is None:
                    body = _failure("INVALID_TICKET", f"Ticket {ticket} not recognized")
                elif issued[0] != service:
                    body = _failure("INVALID_SERVICE", f"Ticket {ticket} was not issued for this service")
                else:
                    body = _success(issued[1], ACCOUNTS.get(issued[1], {}) if with_attributes else {})
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/cas/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CASDouble:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _failure(code: str, text: str) -> str:
    return (
        "<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>"
        f"<cas:authenticationFailure code='{code}'>{escape(text)}</cas:authenticationFailure>"
        "</cas:serviceResponse>"
    )


def _success(user: str, attributes: dict[str, str]) -> str:
    attrs = "".join(f"<cas:{k}>{escape(v)}</cas:{k}>" for k, v in attributes.items())
    holder = f"<cas:attributes>{attrs}</cas:attributes>" if attributes else ""
    return (
        "<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>"
        f"<cas:authenticationSuccess><cas:user>{escape(user)}</cas:user>{holder}</cas:authenticationSuccess>"
        "</cas:serviceResponse>"
    )
