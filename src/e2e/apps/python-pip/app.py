import sys

import flask
from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return f"python-pip ok flask {flask.__version__ if hasattr(flask, '__version__') else 'x'} python {sys.version.split()[0]}\n"
