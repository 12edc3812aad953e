"""The web chat: ask about the indexed articles, see the answer highlighted in its source.

    build_app(settings) -> gr.Blocks      the app (tests launch it on a free loopback port)
    launch(settings, host, port, auth)    what `qa chat` runs; flags > environment > defaults

Thin by design: every answer comes from ``qa.api.ask`` and every article operation from
``qa.library``; ``ui.render`` turns the results into escaped HTML. The one API route,
``/ask``, returns ``Answer.to_dict()`` for ``gradio_client``.
"""
from __future__ import annotations

import functools
import itertools
import os
import uuid
from pathlib import Path
from typing import Any, Sequence

import gradio as gr

from qa import feedback
from qa.errors import IndexMissingError, VerbatimError
from qa.settings import Settings
from qa.types import Answer
from ui import render

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 7860
EXAMPLES_SHOWN = 5
REPLACE_LABEL = "Replace the indexed article of the same name"   # the refusal's message names it

TAGLINE = ("Answers quoted word for word from your articles. Every answer points to the sentence "
           "it comes from; when the article does not say, Verbatim says so.")


# --------------------------------------------------------------------------------------------
# Page assets (inline: nothing is fetched from anywhere but this server)
# --------------------------------------------------------------------------------------------

CSS = """
:root { --vb-answer: #fde68a; --vb-support: #fef3c7; --vb-cite: #e0e7ff; --vb-closest: #e2e8f0;
        --vb-ink: #1e293b; --vb-muted: #64748b; --vb-accent: #4338ca; }
.gradio-container { max-width: 1480px !important; margin: 0 auto !important; }
#vb-header { display: flex; align-items: baseline; gap: 14px; padding: 6px 4px 2px; flex-wrap: wrap; }
#vb-header .vb-brand { font-size: 26px; font-weight: 700; letter-spacing: -0.02em; color: var(--vb-ink); }
#vb-header .vb-brand span { color: var(--vb-accent); }
#vb-header .vb-tagline { color: var(--vb-muted); font-size: 14px; }
.vb-hidden { display: none !important; }

/* chat messages */
.vb-q { white-space: pre-wrap; }
.vb-msg { line-height: 1.5; }
.vb-msg .vb-text { margin: 0 0 6px; font-size: 16px; }
.vb-msg .vb-readas { font-size: 12.5px; color: var(--vb-muted); margin-bottom: 4px; }
.vb-msg ol.vb-cites { list-style: none; padding: 0; margin: 4px 0; }
.vb-msg ol.vb-cites li { margin: 4px 0; padding: 6px 10px; border-left: 3px solid #f59e0b;
                         background: rgba(254, 243, 199, 0.45); border-radius: 0 6px 6px 0; font-size: 14px; }
.vb-msg .vb-more ol.vb-cites li { border-left-color: #818cf8; background: rgba(224, 231, 255, 0.45); }
.vb-msg.vb-notfound ol.vb-cites li { border-left-color: #94a3b8; background: rgba(226, 232, 240, 0.5); }
.vb-msg ul.vb-points { padding-left: 20px; margin: 4px 0; }
.vb-msg ul.vb-points li { margin: 5px 0; font-size: 14px; }
.vb-msg .vb-article { font-weight: 600; font-size: 13px; margin: 8px 0 2px; }
.vb-msg .vb-quote { color: var(--vb-ink); }
.vb-msg .vb-src { display: inline-block; font-size: 11.5px; color: var(--vb-muted); margin-left: 4px; }
.vb-msg a.vb-ref { font-weight: 600; color: var(--vb-accent); text-decoration: none; cursor: pointer; }
.vb-msg a.vb-ref:hover { text-decoration: underline; }
.vb-msg details.vb-more summary { cursor: pointer; color: var(--vb-muted); font-size: 13px; margin-top: 4px; }
.vb-msg .vb-meta { display: flex; gap: 14px; align-items: center; font-size: 12px; color: var(--vb-muted);
                   margin-top: 6px; }
.vb-msg a.vb-copy { color: var(--vb-muted); text-decoration: none; border: 1px solid #cbd5e1;
                    border-radius: 5px; padding: 0 7px; cursor: pointer; }
.vb-msg a.vb-copy:hover { color: var(--vb-accent); border-color: var(--vb-accent); }
.vb-msg .vb-copytext { display: none; }
.vb-msg.vb-notfound { border-left: 4px solid #94a3b8; padding-left: 10px; }
.vb-msg.vb-notfound .vb-text strong { color: #475569; }
.vb-msg .vb-closest-head { margin: 6px 0 0; font-size: 12px; text-transform: uppercase;
                           letter-spacing: 0.06em; color: var(--vb-muted); }
.vb-msg.vb-error { color: #991b1b; }
.vb-msg.vb-unsure { border-left: 4px dashed #d97706; padding-left: 10px; }
.vb-msg.vb-unsure .vb-text strong { color: #b45309; }
.vb-msg mark.vb-guess, .vb-doc .vb-guess { background: transparent; outline: 2px dashed #d97706;
                                           border-radius: 3px; padding: 0 1px; }
.vb-msg details.vb-why summary { cursor: pointer; color: var(--vb-muted); font-size: 12.5px; margin-top: 4px; }
.vb-msg details.vb-why { font-size: 12.5px; color: var(--vb-muted); }
.vb-msg details.vb-why p { margin: 4px 0; }
.vb-msg ul.vb-words { margin: 2px 0 4px 18px; padding: 0; }
.vb-msg table.vb-signals td, .vb-msg table.vb-signals th { padding: 0 8px 0 0; text-align: left; }
.vb-msg table.vb-signals td.vb-up { color: #15803d; }
.vb-msg table.vb-signals td.vb-down { color: #b91c1c; }

/* source panel */
#vb-source { min-height: 200px; }
.vb-panel { border: 1px solid var(--border-color-primary, #e2e8f0); border-radius: 10px;
            background: var(--background-fill-primary, #fff); overflow: hidden; }
.vb-panel-head { padding: 10px 16px; border-bottom: 1px solid var(--border-color-primary, #e2e8f0);
                 background: var(--background-fill-secondary, #f8fafc); }
.vb-doc-name { font-size: 12.5px; color: var(--vb-muted); font-family: ui-monospace, monospace;
               white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.vb-legend { display: flex; gap: 10px; flex-wrap: wrap; margin-top: 4px; }
.vb-legend:empty { display: none; }
.vb-key { font-size: 11.5px; color: var(--vb-muted); display: inline-flex; align-items: center; gap: 5px; }
.vb-key::before { content: ""; width: 11px; height: 11px; border-radius: 3px; display: inline-block; }
.vb-key-answer::before { background: var(--vb-answer); outline: 1px solid #d97706; }
.vb-key-support::before { background: var(--vb-support); }
.vb-key-cite::before { background: var(--vb-cite); }
.vb-key-closest::before { background: var(--vb-closest); }
.vb-key-guess::before { background: transparent; outline: 2px dashed #d97706; }
.vb-elsewhere { font-size: 12px; color: var(--vb-muted); margin-top: 4px; }
.vb-doc { position: relative; max-height: 640px; overflow-y: auto; padding: 8px 22px 18px;
          font-family: Georgia, "Iowan Old Style", "Times New Roman", serif; font-size: 16px;
          line-height: 1.62; color: var(--vb-ink); scroll-behavior: smooth; }
.vb-doc.vb-empty { font-family: inherit; color: var(--vb-muted); padding: 40px 22px; text-align: center; }
.vb-block { white-space: pre-line; margin: 0 0 0.85em; }
.vb-doc h2.vb-title { font-size: 23px; line-height: 1.3; margin: 10px 0 6px; font-weight: 700; }
.vb-doc h3.vb-heading { font-size: 18px; margin: 16px 0 6px; }
.vb-doc p.vb-byline { font-family: ui-sans-serif, system-ui, sans-serif; font-size: 12.5px;
                      text-transform: uppercase; letter-spacing: 0.05em; color: var(--vb-muted); margin-top: 8px; }
.vb-doc blockquote.vb-pullquote { margin: 0.6em 0 1em; padding: 4px 0 4px 14px; border-left: 3px solid #cbd5e1;
                                  font-style: italic; color: #475569; }
.vb-doc mark.vb-hl { color: inherit; border-radius: 3px; padding: 1px 0; scroll-margin: 120px;
                     -webkit-box-decoration-break: clone; box-decoration-break: clone; }
.vb-doc mark.vb-support { background: var(--vb-support); }
.vb-doc mark.vb-cite { background: var(--vb-cite); }
.vb-doc mark.vb-closest { background: var(--vb-closest); }
.vb-doc mark.vb-focus { box-shadow: 0 0 0 2px rgba(217, 119, 6, 0.45); }
.vb-doc mark.vb-cite.vb-focus, .vb-doc mark.vb-closest.vb-focus { box-shadow: 0 0 0 2px rgba(99, 102, 241, 0.6); }
.vb-doc .vb-answer { background: var(--vb-answer); font-weight: 600; border-bottom: 2px solid #d97706; }
.vb-doc sup.vb-badge { font-family: ui-sans-serif, system-ui, sans-serif; font-size: 10px; font-weight: 700;
                       color: #fff; background: var(--vb-accent); border-radius: 8px; padding: 0 5px;
                       margin-right: 3px; vertical-align: 2px; }
.vb-doc mark.vb-support sup.vb-badge { background: #d97706; }
.vb-doc mark.vb-closest sup.vb-badge { background: #64748b; }
#vb-feedback-note p { font-size: 13px; color: var(--vb-muted); margin: 0; }
#vb-chat .placeholder { text-align: center; max-width: 420px; margin: 0 auto; color: var(--vb-muted); font-size: 15px; }
#vb-correction { border: 1px solid #fcd34d; background: #fffbeb; }
#vb-examples .label { font-size: 12px; }
"""

# Clicks on links in chat messages: "#vb-t3-c1" shows citation 1 of message 3 in the source
# panel (through a hidden textbox the server listens to), "#vb-copy-3" copies message 3.
# When the source panel is re-rendered, it scrolls to the focused highlight.
HEAD = """
<script>
(() => {
  const setTarget = (value) => {
    const box = document.querySelector('#vb-cite-target textarea, #vb-cite-target input');
    if (!box) return;
    const proto = Object.getPrototypeOf(box);
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(box, value);
    box.dispatchEvent(new Event('input', { bubbles: true }));
  };
  const copyText = async (text, link) => {
    try { await navigator.clipboard.writeText(text); }
    catch (e) {
      const area = document.createElement('textarea');
      area.value = text; document.body.appendChild(area); area.select();
      document.execCommand('copy'); area.remove();
    }
    window.__vbCopied = text;
    const label = link.textContent; link.textContent = 'Copied';
    setTimeout(() => { link.textContent = label; }, 1500);
  };
  document.addEventListener('click', (ev) => {
    const link = ev.target.closest && ev.target.closest('a[href^="#vb-"]');
    if (!link) return;
    const href = link.getAttribute('href');
    const cite = href.match(/^#vb-t(\\d+)-c(\\d+)$/);
    const copy = href.match(/^#vb-copy-(\\d+)$/);
    if (!cite && !copy) return;
    ev.preventDefault(); ev.stopPropagation();
    if (cite) { setTarget(cite[1] + ':' + cite[2] + ':' + Date.now()); }
    else {
      const msg = link.closest('.vb-msg');
      const text = msg && msg.querySelector('.vb-copytext');
      if (text) copyText(text.textContent, link);
    }
  }, true);
  let lastDoc = null, lastVersion = null;
  const scrollToFocus = () => {
    const doc = document.getElementById('vb-doc');
    if (!doc) return;
    const version = doc.dataset.version;
    if (doc === lastDoc && version === lastVersion) return;
    lastDoc = doc; lastVersion = version;
    const el = doc.querySelector('.vb-focus') || doc.querySelector('mark.vb-hl');
    if (!el) { doc.scrollTop = 0; return; }
    const top = el.getBoundingClientRect().top - doc.getBoundingClientRect().top + doc.scrollTop;
    doc.scrollTo({ top: Math.max(0, top - doc.clientHeight / 4), behavior: 'auto' });
  };
  new MutationObserver(() => requestAnimationFrame(scrollToFocus))
    .observe(document.documentElement, { childList: true, subtree: true });
})();
</script>
"""


def theme() -> gr.themes.Base:
    # System fonts: the default Google fonts would be fetched from a CDN.
    return gr.themes.Default(primary_hue="indigo", neutral_hue="slate",
                             font=["Inter", "ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "sans-serif"],
                             font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"])


# --------------------------------------------------------------------------------------------
# Library helpers (all article access goes through qa.library)
# --------------------------------------------------------------------------------------------

def _articles(settings: Settings) -> list[str]:
    from qa.library import list_articles

    return [a.source for a in list_articles(settings)]


def _view(source: str | None, settings: Settings):
    from qa.library import get_article

    if not source:
        return None
    try:
        return get_article(source, settings)
    except IndexMissingError:
        return None


def _panel(source: str | None, answer: Answer | None, focus: int | None, settings: Settings) -> str:
    view = _view(source, settings)
    if view is None:
        return render.empty_source_html()
    html = render.source_html(view, answer, focus)
    # A fresh version number tells the page script to scroll to the new focus.
    return html.replace('id="vb-doc"', f'id="vb-doc" data-version="{uuid.uuid4().hex[:8]}"', 1)


def example_questions(settings: Settings, sources: Sequence[str]) -> list[str]:
    """Questions worth trying on the loaded articles.

    Curated questions (``seeds/questions.jsonl`` and confirmed feedback cases) whose evidence
    sentence is in a loaded article come first; an article without any gets "Who is ...?"
    questions about the people it names most.
    """
    per_article: list[list[str]] = []
    for source in sources:
        view = _view(source, settings)
        if view is not None:
            paragraphs = "\n\n".join(view.text[b.start:b.end] for b in view.blocks if b.kind == "paragraph")
            per_article.append(_curated_for(view.text, _case_files(settings))
                               or list(_people_questions(view.source, paragraphs)))
    # Round robin, so every loaded article gets at least one example.
    merged = [q for group in itertools.zip_longest(*per_article) for q in group if q]
    return list(dict.fromkeys(merged))[:EXAMPLES_SHOWN]


def _case_files(settings: Settings) -> tuple[Path, ...]:
    from qa.evaluation.regression import DEFAULT_QUESTIONS

    return tuple(p for p in (DEFAULT_QUESTIONS, Path(settings.store) / feedback.CASES_FILE) if p.exists())


def _curated_for(text: str, files: Sequence[Path], limit: int = 4) -> list[str]:
    from qa.evaluation.regression import load_cases

    chosen: list[str] = []
    for path in files:
        cases = load_cases(path)
        about = [c for c in cases if c.answerable and c.evidence and c.evidence in text and len(c.question) <= 60]
        if about:
            step = max(1, len(about) // limit)
            chosen += [c.question for c in about[::step][:limit]]
            chosen += [c.question for c in cases if not c.answerable][:1]  # shows "not in the article"
    return chosen


@functools.lru_cache(maxsize=64)
def _people_questions(source: str, text: str, limit: int = 3) -> tuple[str, ...]:
    from collections import Counter

    from index import nlp

    doc = nlp.parse_long(text[:20_000])
    names = Counter(e.text.strip() for e in doc.ents if e.label_ == "PERSON" and len(e.text.split()) >= 2
                    and e.text[:1].isupper() and "'" not in e.text and "’" not in e.text)
    return tuple(f"Who is {name}?" for name, _ in names.most_common(limit))


# --------------------------------------------------------------------------------------------
# The app
# --------------------------------------------------------------------------------------------

def build_app(settings: Settings | None = None) -> gr.Blocks:
    settings = settings or Settings()
    sources_now = _articles(settings)

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
                panel = gr.HTML(_panel(sources_now[0] if sources_now else None, None, None, settings),
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
                everything = _articles(settings)
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
            return messages, state, "", _panel(source, answer, 1, settings), gr.update(value=source)

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
            return _panel(citation.source, answer, n, settings), gr.update(value=citation.source)

        cite_target.change(on_cite, [cite_target, answers], [panel, shown], api_visibility="private")

        def on_show(source: str, state: list):
            latest = next((s["answer"] for s in reversed(state or []) if s), None)
            return _panel(source, latest, None, settings)

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
            everything = _articles(settings)
            keep = [s for s in ticked if s in everything]
            latest = next((s["answer"] for s in reversed(state or []) if s), None)
            shown_now = focus_source if focus_source in everything else (everything[0] if everything else None)
            return (gr.update(choices=everything, value=keep), gr.update(choices=everything, value=None),
                    gr.update(choices=everything, value=shown_now), _panel(shown_now, latest, None, settings),
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
            everything = _articles(settings)
            first = everything[0] if everything else None
            return (gr.update(choices=everything, value=everything), gr.update(choices=everything),
                    gr.update(choices=everything, value=first), _panel(first, None, None, settings),
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


def _warm_up(settings: Settings) -> None:
    from qa.api import warm_up

    warm_up(settings)


# --------------------------------------------------------------------------------------------
# Launching
# --------------------------------------------------------------------------------------------

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
