"""Benchmark app "flask": one Flask view rendering a Jinja template (~2 KB)."""
import os

from flask import Flask, render_template

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")

app = Flask(__name__, template_folder=TEMPLATES)

ORDERS = [
    {"ref": "SG-%04d" % (n * 37), "client": "client-%02d" % (n % 9),
     "lines": n % 5 + 1, "amount": 12.25 * n + n % 3, "paid": n % 4 != 0}
    for n in range(1, 15)
]
SECTIONS = ["Dashboard", "Orders", "Clients", "Invoices", "Stock", "Help"]


@app.route("/")
def orders():
    return render_template("orders.html", heading="Open orders", who="bench",
                           orders=ORDERS, sections=SECTIONS,
                           due=sum(o["amount"] for o in ORDERS if not o["paid"]))


application = app
