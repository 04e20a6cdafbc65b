import os
from http.server import BaseHTTPRequestHandler, HTTPServer

import markupsafe

try:
    from markupsafe import _speedups  # the C extension, compiled from the sdist at build time
    native = "native"
except ImportError:
    native = "pure"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"python-sdist ok markupsafe {markupsafe.__version__} {native} {markupsafe.escape('<b>')}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


HTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
