"""The command line: ``qa`` (``main.py``) and the plain-text rendering of answers (``render_text.py``)."""
