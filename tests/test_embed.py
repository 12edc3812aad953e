"""The two ways of running MiniLM give the same vectors; answering never imports
sentence-transformers (the cold-start budget); word vectors and indexing threads."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from index.embed import DIMENSIONS, Embedder

pytestmark = pytest.mark.slow

TEXTS = ["How old was the older brother?", "harbour", "Ferry crossings were suspended until Thursday.",
         "A much longer sentence, with punctuation; numbers like 2.3 million and 1868, and a quote: “yes”."]


def test_query_encoder_matches_sentence_transformers():
    embedder = Embedder()
    queries = np.array(embedder.embed_queries(TEXTS))
    documents = np.array(embedder.embed_documents(TEXTS))
    assert queries.shape == documents.shape == (len(TEXTS), DIMENSIONS)
    assert np.abs(queries - documents).max() < 1e-5
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_query(TEXTS[0]) == pytest.approx(list(queries[0]), abs=1e-6)


def test_asking_does_not_import_sentence_transformers(seed_store):
    code = ("import sys; from qa.api import ask; "
            f"a = ask('How old was Huseyn Safarov?', store={str(seed_store)!r}); "
            "print(a.found, 'sentence_transformers' in sys.modules, 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["True", "False", "False"]


def test_word_vectors_are_unit_length_and_put_related_words_closer():
    from index.embed import Embedder

    staff, employees, volcano = np.asarray(Embedder().word_vectors(["staff", "employees", "volcano"]))
    assert np.linalg.norm(staff) == pytest.approx(1.0, abs=1e-5)
    assert staff @ employees > staff @ volcano + 0.2


def test_indexing_threads_are_given_back():
    import torch

    from index.embed import threads

    before = torch.get_num_threads()
    with threads(2):
        assert torch.get_num_threads() == 2
    assert torch.get_num_threads() == before
