"""GET shows a form with a CSRF token; POST echoes the submitted name."""
from django.shortcuts import render


def form(request):
    if request.method == "POST":
        name = request.POST.get("name", "")
        return render(request, "done.html", {"name": name})
    return render(request, "form.html")
