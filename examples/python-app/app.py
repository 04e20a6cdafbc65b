"""A Flask app gunicorn serves: one line of text, and the revision it was built at."""
from flask import Flask

app = Flask(__name__)
revision = "0"


@app.get("/")
def index():
    return f"hello from a Python app (revision {revision})\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
