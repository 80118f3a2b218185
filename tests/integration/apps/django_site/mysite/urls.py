from django.urls import path

from mysite import views

urlpatterns = [
    path("form/", views.form, name="form"),
]
