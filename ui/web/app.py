"""The web chat: ask about the indexed articles, see the answer highlighted in its source.

    build_app(settings) -> gr.Blocks      the app (tests launch it on a free loopback port)
    launch(settings, host, port, auth)    what `qa chat` runs (``launch.py``)

Thin by design: every answer comes from ``qa.api.ask`` and every article operation from
``qa.library``; ``ui.web.render`` turns the results into escaped HTML. The one API route,
``/ask``, returns ``Answer.to_dict()`` for ``gradio_client``.
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Sequence

import gradio as gr

from qa.errors import VerbatimError
from qa.settings import Settings
from qa.types import Answer
from ui.web import feedback, render
from ui.web.sources import EXAMPLES_SHOWN, article_names, example_questions, source_panel

REPLACE_LABEL = "Replace the indexed article of the same name"   # the refusal's message names it

TAGLINE = ("Answers quoted word for word from your articles. Every answer points to the sentence "
           "it comes from; when the article does not say, Verbatim says so.")


def build_app(settings: Settings | None = None) -> gr.Blocks:
    settings = settings or Settings()
    sources_now = article_names(settings)

    with gr.Blocks(title="Verbatim", analytics_enabled=False) as app:
        # answers[i] is {"answer": Answer, "id": str} for the assistant message chat[i], else None
        answers = gr.State([])
        pending = gr.State(None)   # index of the answer a down-vote correction is for

        gr.HTML(f'<div id="vb-header"><div class="vb-brand">Verba<span>tim</span></div>'
                f'<div class="vb-tagline">{render.escape(TAGLINE)}</div></div>')

        with gr.Row(equal_height=False):
            with gr.Column(scale=6, min_width=420):
                chat = gr.Chatbot(
                    elem_id="vb-chat", show_label=False, height=540, buttons=[], latex_delimiters=[],
                    feedback_options=("Like", "Dislike"), layout="bubble",
                    placeholder="**Ask about the article.** Answers are quoted from it, with the "
                                "sentence they come from highlighted on the right.",
                )
                with gr.Group(visible=False, elem_id="vb-correction") as correction:
                    correct = gr.Textbox(label="What should the answer be?", elem_id="vb-correct",
                                         info="Paste the exact words from the article; they become a test case.")
                    not_said = gr.Checkbox(label="The article does not answer this question", elem_id="vb-not-said")
                    with gr.Row():
                        send = gr.Button("Send correction", variant="primary", size="sm", elem_id="vb-send")
                        skip = gr.Button("Skip", size="sm", elem_id="vb-skip")
                note = gr.Markdown(elem_id="vb-feedback-note")
                with gr.Row(equal_height=True):
                    question = gr.Textbox(show_label=False, placeholder="Ask a question about the article…",
                                          lines=1, max_lines=4, scale=8, autofocus=True, elem_id="vb-question",
                                          container=False)
                    ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="vb-ask")
                scope = gr.CheckboxGroup(sources_now, value=sources_now, label="Ask about", elem_id="vb-scope",
                                         elem_classes=["vb-scope"])
                examples = gr.Dataset(components=[gr.Textbox(visible=False)], label="Try asking",
                                      samples=[[q] for q in example_questions(settings, sources_now)],
                                      elem_id="vb-examples", samples_per_page=EXAMPLES_SHOWN)
                with gr.Accordion("Add or remove articles", open=False, elem_id="vb-library"):
                    upload = gr.File(label="Add an article (.txt or .md, up to "
                                           f"{settings.max_file_bytes // 1_000_000} MB)", file_types=[".txt", ".md"],
                                     file_count="single", type="filepath", elem_id="vb-upload", height=110)
                    replace = gr.Checkbox(label=REPLACE_LABEL, value=False, elem_id="vb-replace",
                                          info="Off: an upload never replaces an indexed article; a file "
                                               "whose name is taken is refused.")
                    upload_note = gr.Markdown(elem_id="vb-upload-note")
                    with gr.Row(equal_height=True):
                        removable = gr.Dropdown(sources_now, value=None, label="Remove an article", scale=3,
                                                elem_id="vb-remove-choice")
                        remove_btn = gr.Button("Remove", variant="stop", size="md", scale=1, min_width=90,
                                               elem_id="vb-remove")
            with gr.Column(scale=5, min_width=380):
                shown = gr.Dropdown(sources_now, value=sources_now[0] if sources_now else None,
                                    label="Source", elem_id="vb-shown", container=True)
                panel = gr.HTML(source_panel(sources_now[0] if sources_now else None, None, None, settings),
                                elem_id="vb-source")
        cite_target = gr.Textbox(visible="hidden", elem_id="vb-cite-target")

        # ---- asking --------------------------------------------------------------------------
        def on_ask(text: str, messages: list, state: list, ticked: list[str], current: str | None):
            text = (text or "").strip()
            if not text:
                return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            messages = list(messages or []) + [{"role": "user", "content": render.question_html(text)}]
            state = list(state or []) + [None]
            try:
                everything = article_names(settings)
                if not ticked and everything:
                    raise VerbatimError("No article is ticked under Articles; tick at least one to ask about.")
                history = [s["answer"] for s in state if s]
                sources = None if set(ticked or []) >= set(everything) else list(ticked)
                answer = _ask(text, history, sources, settings)
            except VerbatimError as exc:
                messages.append({"role": "assistant", "content": render.error_html(str(exc))})
                return messages, state + [None], "", gr.skip(), gr.skip()
            turn = len(messages)
            messages.append({"role": "assistant", "content": render.answer_html(answer, turn)})
            state.append({"answer": answer, "id": uuid.uuid4().hex})
            source = answer.citations[0].source if answer.citations else current
            return messages, state, "", source_panel(source, answer, 1, settings), gr.update(value=source)

        ask_io = dict(inputs=[question, chat, answers, scope, shown], outputs=[chat, answers, question, panel, shown],
                      api_visibility="private")
        question.submit(on_ask, **ask_io)
        ask_btn.click(on_ask, **ask_io)
        examples.click(lambda row: row[0], examples, question, api_visibility="private").then(on_ask, **ask_io)

        # ---- the source panel ----------------------------------------------------------------
        def on_cite(target: str, state: list):
            try:
                turn, n = (int(x) for x in (target or "").split(":")[:2])
                answer = state[turn]["answer"]
                citation = answer.citations[n - 1]
            except (ValueError, IndexError, TypeError, KeyError):
                return gr.skip(), gr.skip()
            return source_panel(citation.source, answer, n, settings), gr.update(value=citation.source)

        cite_target.change(on_cite, [cite_target, answers], [panel, shown], api_visibility="private")

        def on_show(source: str, state: list):
            latest = next((s["answer"] for s in reversed(state or []) if s), None)
            return source_panel(source, latest, None, settings)

        shown.input(on_show, [shown, answers], panel, api_visibility="private")

        # ---- feedback ------------------------------------------------------------------------
        def on_like(state: list, data: gr.LikeData):
            index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
            entry = state[index] if 0 <= index < len(state or []) else None
            if entry is None:
                return gr.skip(), gr.skip(), gr.skip(), "Only answers can be rated."
            vote = {True: "up", False: "down"}.get(data.liked) if isinstance(data.liked, bool) else None
            try:
                feedback.record_feedback(entry["answer"], vote, answer_id=entry["id"], settings=settings)
            except VerbatimError as exc:
                return gr.skip(), gr.skip(), gr.skip(), render.escape(str(exc))
            if vote == "down":
                return gr.update(visible=True), index, gr.update(value=""), \
                    f"Thanks. If you know the right answer to *{render.escape(entry['answer'].question)}*, tell us below."
            return gr.update(visible=False), None, gr.skip(), \
                "Thanks, noted." if vote == "up" else "Vote withdrawn."

        chat.like(on_like, answers, [correction, pending, correct, note], api_visibility="private")

        def on_correct(text: str, not_in_article: bool, index: int | None, state: list):
            entry = state[index] if index is not None and 0 <= index < len(state or []) else None
            if entry is None:
                return gr.update(visible=False), None, "Nothing to correct."
            if not (text or "").strip() and not not_in_article:
                return gr.skip(), gr.skip(), "Type the correct answer, or tick that the article does not say."
            try:
                feedback.record_feedback(entry["answer"], "down", answer_id=entry["id"], correct_answer=text,
                                         not_in_article=not_in_article, settings=settings)
            except VerbatimError as exc:
                return gr.skip(), gr.skip(), render.escape(str(exc))
            return gr.update(visible=False), None, "Thanks: the correction was saved and will become a test case."

        send.click(on_correct, [correct, not_said, pending, answers], [correction, pending, note],
                   api_visibility="private")
        skip.click(lambda: (gr.update(visible=False), None, ""), None, [correction, pending, note],
                   api_visibility="private")

        # ---- the library -----------------------------------------------------------------------
        def library_outputs(ticked: Sequence[str], focus_source: str | None, state: list):
            everything = article_names(settings)
            keep = [s for s in ticked if s in everything]
            latest = next((s["answer"] for s in reversed(state or []) if s), None)
            shown_now = focus_source if focus_source in everything else (everything[0] if everything else None)
            return (gr.update(choices=everything, value=keep), gr.update(choices=everything, value=None),
                    gr.update(choices=everything, value=shown_now), source_panel(shown_now, latest, None, settings),
                    gr.Dataset(samples=[[q] for q in example_questions(settings, everything)]))

        library_io = [scope, removable, shown, panel, examples]

        def on_upload(path: str | None, ticked: list[str], state: list, replacing: bool, progress=gr.Progress()):
            from qa.library import add_article

            if not path:
                return (gr.skip(),) * (len(library_io) + 3)
            name = Path(path).name
            try:
                progress(0.1, desc=f"Reading {name}")
                data = Path(path).read_bytes()
                progress(0.3, desc=f"Indexing {name} (splitting and embedding sentences)")
                report = add_article(name, data, settings, replace=bool(replacing))
            except VerbatimError as exc:
                return (*(gr.skip(),) * len(library_io), None, gr.skip(), f"**Not added.** {render.escape(str(exc))}")
            progress(1.0, desc="Done")
            return (*library_outputs(list(ticked or []) + [name], name, state), None, False,
                    _upload_note(name, report))

        upload.upload(on_upload, [upload, scope, answers, replace], library_io + [upload, replace, upload_note],
                      api_visibility="private")

        def on_remove(source: str | None, ticked: list[str], state: list):
            from qa.library import remove_article

            if not source:
                return (*(gr.skip(),) * len(library_io), "Pick an article to remove.")
            try:
                removed = remove_article(source, settings)
            except VerbatimError as exc:
                return (*(gr.skip(),) * len(library_io), f"**Not removed.** {render.escape(str(exc))}")
            text = f"Removed **{render.escape(source)}**." if removed else f"{render.escape(source)} was not indexed."
            return (*library_outputs(list(ticked or []), None, state), text)

        remove_btn.click(on_remove, [removable, scope, answers], library_io + [upload_note], api_visibility="private")

        def on_load():
            everything = article_names(settings)
            first = everything[0] if everything else None
            return (gr.update(choices=everything, value=everything), gr.update(choices=everything),
                    gr.update(choices=everything, value=first), source_panel(first, None, None, settings),
                    gr.Dataset(samples=[[q] for q in example_questions(settings, everything)]))

        app.load(on_load, None, library_io, api_visibility="private")

        # ---- the programmatic route ------------------------------------------------------------
        def ask_api(question: str, sources: list[str] | None = None, history: list[dict] | None = None) -> dict:
            """Answer a question; returns Answer.to_dict(): text, found, confidence, span and
            citations with [start, end) offsets into the article text. ``sources`` limits the
            articles (default all; one name may be a string); ``history`` is earlier chat messages
            ({"role", "content"}). Bad input gets the same named errors as the command line."""
            try:
                return _ask(question, history or None, sources or None, settings).to_dict()
            except VerbatimError as exc:
                raise gr.Error(str(exc), print_exception=False) from exc   # a message, not a server fault

        def articles_api() -> list[dict]:
            """The indexed articles: source name, title and number of sentences."""
            from qa.library import list_articles

            return [{"source": a.source, "title": a.title, "sentences": a.sentences} for a in list_articles(settings)]

        gr.api(ask_api, api_name="ask")
        gr.api(articles_api, api_name="articles")
    return app


def _upload_note(name: str, report) -> str:
    if report.replaced:
        return f"Replaced {render.escape(report.replaced[0])} ({report.sentences_embedded} sentences embedded)."
    verb = "Added" if report.added else "Updated" if report.updated else "Already indexed:"
    return f"{verb} **{render.escape(name)}** ({report.sentences_embedded} sentences embedded)."


def _ask(question: str, history: Any, sources: Sequence[str] | None, settings: Settings) -> Answer:
    from qa.api import ask

    return ask(question, history, sources=sources, settings=settings)
