"""The chat page's assets, inline: nothing is fetched from anywhere but this server.

``CSS`` styles the chat, the answers and the source panel; ``HEAD`` is the page script: clicks on
links in chat messages ("#vb-t3-c1" shows citation 1 of message 3 in the source panel, through a
hidden textbox the server listens to; "#vb-copy-3" copies message 3), and a re-rendered source
panel scrolls to its focused highlight.
"""
from __future__ import annotations

import gradio as gr

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
