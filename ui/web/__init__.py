"""The web chat (Gradio): the app, its HTML rendering and the feedback it records."""
