"""A minimal Django 3.2 project: one form view protected by CSRF, no database."""
