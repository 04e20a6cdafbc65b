import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

import itsdangerous


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            import pytest  # noqa: F401 (a dev package: not installed)
            dev = "with dev packages"
        except ImportError:
            dev = "no dev packages"
        body = f"{os.environ.get('APP_NAME', 'python-app')} ok itsdangerous {itsdangerous.__version__ if hasattr(itsdangerous, '__version__') else '2'} {dev} python {sys.version.split()[0]}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


HTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
