"""The ONNX copy of MiniLM gives sentence-transformers' vectors; asking imports neither torch nor
transformers (nor sentence-transformers); word vectors and indexing threads."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, SEED_ARTICLE
from index import embed, onnx_export
from index.build import build_index
from index.embed import DIMENSIONS, Embedder
from index.onnx_export import MIN_COSINE
from qa.api import ask
from qa.errors import ModelMissingError
from qa.evaluation.regression import load_cases

pytestmark = pytest.mark.slow


def real_texts() -> list[str]:
    """Sentences of the seed article from a few words to a whole paragraph, a question, and the
    article itself (past the model's 256 word pieces: both paths must cut it at the same place)."""
    article = SEED_ARTICLE.read_text(encoding="utf-8")
    paragraphs = [p.strip() for p in article.split("\n\n") if p.strip()]
    sentences = sorted({s for p in paragraphs for s in re.split(r"(?<=[.!?])\s+", p) if len(s) > 2}, key=len)
    return [sentences[0], sentences[len(sentences) // 2], sentences[-1], max(paragraphs, key=len),
            "Who is the editor-in-chief of Sputnik Azerbaijan?", article]


def test_onnx_copy_matches_sentence_transformers_in_one_padded_batch():
    texts = real_texts()
    lengths = [len(e.ids) for e in embed.encoder().tokenizer.encode_batch(texts)]
    pieces = [sum(e.attention_mask) for e in embed.encoder().tokenizer.encode_batch(texts)]
    assert len(set(pieces)) == len(texts) and max(pieces) == 256, "several lengths, one truncated"
    assert len(set(lengths)) == 1, "one padded batch"
    onnx = embed.encoder()(texts)
    reference = onnx_export.reference_vectors(texts, batch_size=len(texts))
    assert onnx.shape == reference.shape == (len(texts), DIMENSIONS)
    cosines = (onnx * reference).sum(axis=1)
    assert cosines.min() >= MIN_COSINE, cosines
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)


def test_documents_and_queries_give_the_same_vectors_as_the_reference():
    """Indexing (longest first, batches of 16, every core) and asking (one thread) both run the
    ONNX copy; each row is the reference's vector of the same text, in the order given."""
    texts = real_texts() * 3 + ["harbour", "Ferry crossings were suspended until Thursday."]
    reference = onnx_export.reference_vectors(texts)
    with embed.threads(2):
        documents = np.asarray(Embedder().embed_documents(texts))
    queries = np.asarray(Embedder().embed_queries(texts))
    assert (documents * reference).sum(axis=1).min() >= MIN_COSINE
    assert (queries * reference).sum(axis=1).min() >= MIN_COSINE
    assert Embedder().embed_query(texts[1]) == pytest.approx(list(queries[1]), abs=1e-5)


def test_export_traces_in_eval_mode_and_keeps_the_padding_mask(tmp_path):
    """The cause of an export that looked up to ~1 away from torch: torch.onnx.export returns the
    module it was given to that module's own mode, and a wrapper starts in training mode, which
    left the BertModel inside it training, dropout on. ``export_graph`` puts its wrapper in eval
    mode; the model stays in eval mode, and the graph agrees with it on padded batches of other
    shapes than the example. A small random BertModel (dropout 0.1) keeps this fast."""
    import onnxruntime
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(vocab_size=1200, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64, attn_implementation="eager")
    model = BertModel(config, add_pooling_layer=False)
    assert model.training   # as a model made in code starts
    onnx_export.export_graph(model, tmp_path / "tiny.onnx", example=("one two", "one two three four"))
    assert not model.training
    session = onnxruntime.InferenceSession(str(tmp_path / "tiny.onnx"), providers=["CPUExecutionProvider"])
    ids = torch.tensor([[101, 7, 8, 9, 10, 11, 12, 102], [101, 5, 102, 0, 0, 0, 0, 0], [101, 3, 4, 102, 0, 0, 0, 0]])
    mask = (ids != 0).long()
    got = session.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
    with torch.inference_mode():
        tokens = model(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).float()
        expected = torch.nn.functional.normalize((tokens * m).sum(1) / m.sum(1), dim=1).numpy()
    assert np.abs(got - expected).max() < 1e-5


class ReferenceEmbedder(Embedder):
    """Writes sentence-transformers' vectors (how every store was written before the ONNX copy)."""

    encoder_name = embed.REFERENCE_ENCODER

    def embed_documents(self, texts):
        return onnx_export.reference_vectors(texts, threads=2).tolist()


def test_a_store_written_by_sentence_transformers_answers_the_same(seed_store, tmp_path):
    """Vectors from the two paths are interchangeable: questions embedded by the ONNX copy against
    sentences embedded by sentence-transformers get the answers of the all-ONNX seed store."""
    written_by_torch = tmp_path / "store"
    build_index(written_by_torch, [SEED_ARTICLE], embedder=ReferenceEmbedder())
    assert _encoders(written_by_torch) == ["sentence-transformers"]
    for case in load_cases():
        a, b = ask(case.question, store=seed_store), ask(case.question, store=written_by_torch)
        assert (b.found, b.text, [c.start for c in b.citations]) == (a.found, a.text, [c.start for c in a.citations])
        assert b.confidence == pytest.approx(a.confidence, abs=1e-3)


def test_the_manifest_records_which_encoders_wrote_the_vectors(tmp_path):
    store = tmp_path / "store"
    build_index(store, {"a.txt": "The ferry left at noon.\n\nIt carried forty cars."})
    assert _encoders(store) == ["onnxruntime"]
    manifest = json.loads((store / "manifest.json").read_text())
    del manifest["encoders"]   # as a store written before the ONNX copy
    (store / "manifest.json").write_text(json.dumps(manifest))
    build_index(store, {"a.txt": "The ferry left at noon.\n\nIt carried forty cars."})
    assert "encoders" not in json.loads((store / "manifest.json").read_text()), "nothing embedded, nothing noted"
    build_index(store, {"b.txt": "The bridge reopened on Friday."})
    assert _encoders(store) == ["sentence-transformers", "onnxruntime"]


def _encoders(store) -> list[str]:
    return json.loads((store / "manifest.json").read_text(encoding="utf-8"))["encoders"]


def test_asking_imports_no_torch_and_no_transformers(seed_store):
    heavy = ["torch", "transformers", "sentence_transformers", "langchain_huggingface", "sklearn", "scipy"]
    code = ("import sys; from qa.api import ask; "
            f"a = ask('How old was Huseyn Safarov?', store={str(seed_store)!r}); "
            f"print(a.found, [m for m in {heavy!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split(maxsplit=1) == ["True", "[]\n"], out.stdout + out.stderr


def test_a_missing_onnx_copy_says_how_to_make_it(seed_store, tmp_path):
    env = dict(os.environ, QA_STORE=str(seed_store), QA_ONNX_MODEL=str(tmp_path / "nowhere"))
    out = subprocess.run([sys.executable, "-m", "ui.cli", "ask", "How old was Huseyn Safarov?"], env=env,
                         capture_output=True, text=True, cwd=ROOT, timeout=120, stdin=subprocess.DEVNULL)
    assert out.returncode == 2 and out.stdout == ""
    assert "ONNX copy" in out.stderr and "make install" in out.stderr and len(out.stderr.splitlines()) == 1


def test_an_onnx_copy_of_another_format_is_refused(tmp_path):
    (tmp_path / "encoder.json").write_text(json.dumps({"format": "verbatim-minilm-onnx v0"}))
    with pytest.raises(ModelMissingError, match="format 'verbatim-minilm-onnx v0'.*index.onnx_export --export"):
        embed.read_onnx_info(tmp_path)


def test_an_incomplete_or_damaged_onnx_copy_says_how_to_remake_it(tmp_path):
    shutil.copytree(embed.onnx_folder(), tmp_path / "copy", ignore=shutil.ignore_patterns("*.data"))
    with pytest.raises(ModelMissingError, match="lacks model.onnx.data.*make install"):
        embed.OnnxEncoder(tmp_path / "copy", 1)
    (tmp_path / "copy" / "model.onnx.data").write_bytes(b"\0" * 1000)   # cut short
    with pytest.raises(ModelMissingError, match="cannot be loaded.*make install"):
        embed.OnnxEncoder(tmp_path / "copy", 1)


def test_make_install_remakes_the_copy_unless_complete_current_and_loading(tmp_path):
    """What `make install` checks (`python -m index.onnx_export --check`), not encoder.json alone."""
    copy = tmp_path / "copy"
    shutil.copytree(embed.onnx_folder(), copy)   # onnxruntime refuses weights linked from elsewhere
    assert embed.onnx_copy_problem() == "" and embed.onnx_copy_problem(copy) == ""
    info = json.loads((copy / "encoder.json").read_text(encoding="utf-8"))
    info["made_with"]["onnxruntime"] = "0.1"
    (copy / "encoder.json").write_text(json.dumps(info), encoding="utf-8")
    assert "was made with" in embed.onnx_copy_problem(copy)
    (copy / "model.onnx.data").unlink()
    out = subprocess.run([sys.executable, "-m", "index.onnx_export", "--check", "--folder", str(copy)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "lacks model.onnx.data" in out.stdout


def test_indexing_threads_are_given_back():
    before = embed.document_threads()
    with embed.threads(2):
        assert embed.document_threads() == 2
    assert embed.document_threads() == before == embed.QUERY_THREADS
