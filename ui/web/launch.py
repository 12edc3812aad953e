"""Starting the chat server: ``launch`` is what `qa chat` runs; flags > environment > defaults."""
from __future__ import annotations

import os

import gradio as gr

from qa.errors import VerbatimError
from qa.settings import Settings
from ui.web.app import build_app
from ui.web.assets import CSS, HEAD, theme

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 7860


def resolve_address(host: str | None, port: int | None, auth: str | None) -> tuple[str, int, tuple[str, str] | None]:
    """Flags win over the environment, which wins over the defaults (127.0.0.1:7860, no login).

    >>> resolve_address(None, 8000, "ann:secret")
    ('127.0.0.1', 8000, ('ann', 'secret'))
    """
    host = host or os.environ.get("GRADIO_SERVER_NAME") or DEFAULT_HOST
    raw_port = port if port is not None else os.environ.get("GRADIO_SERVER_PORT") or DEFAULT_PORT
    try:
        port = int(raw_port)
        if not 0 < port < 65536:
            raise ValueError
    except ValueError:
        raise VerbatimError(f"The port must be a number from 1 to 65535, got {raw_port!r} "
                            f"(--port or GRADIO_SERVER_PORT).") from None
    raw_auth = auth if auth is not None else os.environ.get("QA_CHAT_AUTH") or None
    credentials = None
    if raw_auth:
        user, sep, password = raw_auth.partition(":")
        if not (sep and user and password):
            raise VerbatimError("The login must look like USER:PASSWORD (--auth or QA_CHAT_AUTH).")
        credentials = (user, password)
    return host, port, credentials


def launch(settings: Settings | None = None, host: str | None = None, port: int | None = None,
           auth: str | None = None, *, block: bool = True) -> gr.Blocks:
    """Start the chat server; with ``block=False`` return the running app (tests close it)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    settings = settings or Settings()
    host, port, credentials = resolve_address(host, port, auth)
    if block:
        print("Loading the models (spaCy, MiniLM) ...", flush=True)
    _warm_up(settings)   # before Gradio says "Running on ...": the first question does not wait for them
    app = build_app(settings)
    app.queue(default_concurrency_limit=1)
    if host not in ("127.0.0.1", "localhost", "::1") and credentials is None:
        print(f"note: serving on {host} without a login; set --auth USER:PASSWORD or QA_CHAT_AUTH.")
    app.launch(server_name=host, server_port=port, auth=credentials, share=False, show_error=True,
               prevent_thread_lock=not block, inbrowser=False, quiet=not block, ssr_mode=False,
               max_file_size=settings.max_file_bytes, footer_links=["api"], mcp_server=False,
               theme=theme(), css=CSS, head=HEAD,
               app_kwargs={"openapi_url": None})   # FastAPI's route list, served even behind --auth
    return app


def _warm_up(settings: Settings) -> None:
    from qa.api import warm_up

    warm_up(settings)
