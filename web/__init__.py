"""Results in, pages and JSON out: the Flask app factory, the ``ui`` and ``api`` blueprints.

``web.app.create_app`` builds the application; nothing here opens an index at import time.
"""
