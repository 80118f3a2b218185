"""A Flask app with a Jinja template, a form POST and url_for links that
must honour SCRIPT_NAME (F1)."""
import os

from flask import Flask, render_template, request, url_for

HERE = os.path.dirname(os.path.abspath(__file__))
app = Flask(__name__, template_folder=os.path.join(HERE, "templates"))


@app.route("/")
def index():
    return render_template("index.html", who="flask",
                           greet_url=url_for("greet", name="link"))


@app.route("/greet/<name>")
def greet(name):
    return render_template("greet.html", name=name)


@app.route("/echo", methods=["POST"])
def echo():
    return render_template("greet.html", name=request.form.get("name", "nobody"))
