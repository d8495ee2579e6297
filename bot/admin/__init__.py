"""The admin console: an office's administrator runs the office from a browser, signed in with
LINE Login. `blueprint.py` puts it together; each page module registers its own routes."""
