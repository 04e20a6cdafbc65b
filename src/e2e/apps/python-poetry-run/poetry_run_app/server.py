import os
from http.server import BaseHTTPRequestHandler, HTTPServer

import itsdangerous  # noqa: F401


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"python-poetry-run ok served by the project's script\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def run():
    HTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
