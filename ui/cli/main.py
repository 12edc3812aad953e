"""The ``qa`` command: index articles, ask, evaluate, chat, benchmark.

Every command turns Verbatim's named errors into one line on stderr and exit status 2.
Nothing heavy is imported until a command runs (``qa --help`` loads no model).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from typing import Sequence

from qa.errors import SourceError, VerbatimError
from qa.settings import Settings

DOCS_TABLE = Path("docs/benchmark")             # the committed benchmark table (--update-docs)
CACHED_TABLE = Path(".cache/benchmark/table")   # where a run writes it otherwise (git-ignored)

def _settings(args: argparse.Namespace) -> Settings:
    return Settings().replace(store=getattr(args, "store", None),
                              chroma_url=getattr(args, "chroma_url", None))


def cmd_index(args: argparse.Namespace) -> int:
    """Exit status 0; 1 when some files were refused (each is listed with its reason on
    stderr, the others are indexed); 2 on an error, when nothing was indexed."""
    from qa.library import index_paths

    if args.rebuild and not args.paths:
        raise SourceError("--rebuild needs the folders or files to build from, e.g. `qa index --rebuild seeds/`.")
    progress = None if args.quiet or not args.paths else _progress_printer()
    try:
        report = index_paths([Path(p) for p in args.paths], _settings(args), rebuild=args.rebuild,
                             prune=args.prune, progress=progress, replace=args.replace, strict=args.strict)
    finally:
        if progress:
            progress.close()
    for path, reason in report.refused:
        print(f"refused: {path}: {reason}", file=sys.stderr)
    print(f"Indexed into {_settings(args).store}: {report.summary()}")
    return 1 if report.refused else 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from index.doctor import examine, format_findings

    settings = _settings(args)
    findings = examine(Path(settings.store), settings.chroma_url)
    print(format_findings(Path(settings.store), findings))
    return 1 if any(f.problem for f in findings) else 0


def _progress_printer():
    from index.progress import ProgressPrinter

    return ProgressPrinter(sys.stderr)


def cmd_list(args: argparse.Namespace) -> int:
    from qa.library import list_articles

    articles = list_articles(_settings(args))
    if not articles:
        print(f"No articles indexed at {_settings(args).store}. Run `qa index seeds/`.")
    for a in articles:
        print(f"{a.source}\t{a.sentences} sentences\t{a.title}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from qa.library import remove_article

    for name in args.names:
        print(f"{'removed' if remove_article(name, _settings(args)) else 'not indexed'}: {name}")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from qa.api import ask
    from ui.cli.render_text import format_answer

    settings = _settings(args)
    if args.interactive or not args.question:
        return _interactive(settings, args)
    answer = ask(" ".join(args.question), sources=_chosen_sources(args, settings), settings=settings)
    print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) if args.json
          else format_answer(answer, explain=args.explain))
    return 0


def _chosen_sources(args: argparse.Namespace, settings: Settings) -> list[str] | None:
    """--source names, narrowed or given by the --title / --path metadata filter; None: all."""
    title, path = getattr(args, "title", None), getattr(args, "path", None)
    names = list(args.source or [])
    if not (title or path):
        return names or None
    from qa.library import find_articles

    found = find_articles(settings, title=title, path_prefix=path)
    chosen = [n for n in found if n in names] if names else found
    if not chosen:
        raise SourceError(f"No indexed article matches --title {title!r} / --path {path!r}; "
                          f"`qa list` shows what is indexed.")
    return chosen


def _interactive(settings: Settings, args: argparse.Namespace) -> int:
    from qa.api import ask, warm_up
    from ui.cli.render_text import format_answer

    history: list = []
    warm_up(settings)   # the models load before the prompt, not on the first question
    print("Ask about the indexed articles. An empty line or Ctrl-D quits; /new starts over.")
    while True:
        try:
            question = input("you> ").strip()
        except EOFError:
            print()
            return 0
        if not question:
            return 0
        if question == "/new":
            history = []
            continue
        try:
            answer = ask(question, history, settings=settings, sources=_chosen_sources(args, settings))
        except VerbatimError as exc:
            print(f"error: {exc}")
            continue
        history.append(answer)
        print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json
              else format_answer(answer, explain=getattr(args, "explain", False)))


def cmd_eval(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.benchmark:
        return _benchmark(args)
    if args.squad:
        from qa.evaluation.squad import evaluate_squad, format_report

        report = evaluate_squad(args.squad, articles=args.articles, seed=args.seed,
                                questions_per_article=args.per_article)
    elif args.coqa:
        from qa.evaluation.coqa import evaluate_coqa, format_report

        report = evaluate_coqa(args.coqa, source=args.coqa_source, stories=args.stories,
                               use_history=False if args.no_history else "both")
    elif args.feedback:
        from ui.web.feedback import feedback_cases, format_report

        report = feedback_cases(settings, write_to=args.questions)
    else:
        from qa.evaluation.regression import evaluate_regression, format_report

        report = evaluate_regression(args.questions, settings=settings)
    print(format_report(report))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


def _benchmark(args: argparse.Namespace) -> int:
    from qa.evaluation import benchmark, data

    data.require(args.data)
    out = args.out or (DOCS_TABLE if args.update_docs else CACHED_TABLE)
    if args.ablation:
        from qa.evaluation import ablation

        print(ablation.write(args.data, benchmark.DEFAULT_WORK, out))
        return 0
    names = args.sets.split(",") if args.sets else None
    report = benchmark.pool(benchmark.run_benchmark(args.data, split=args.split, names=names, seed=args.seed,
                                                    scale=args.scale))
    benchmark.write_outputs(report, out, args.rows)
    print(benchmark.markdown(report))
    print(f"\nWritten: {out / 'benchmark.md'}, benchmark.json, reliability.png; every row in {args.rows}")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    if args.cli:
        args.interactive, args.json = True, False
        return _interactive(_settings(args), args)
    from ui.web.launch import launch

    launch(settings=_settings(args), host=args.host, port=args.port, auth=args.auth)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    if args.load:
        from qa.evaluation.speed.load import run_load_bench

        result = run_load_bench(args.load, args.questions)
        return 1 if result.errors or result.differing else 0
    from qa.evaluation.speed.bench import run_bench

    run_bench(args)
    return 0


READ_ONLY = (cmd_ask, cmd_list, cmd_doctor)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="index folder (default: $QA_STORE or .store/ in the project)")
    parser.add_argument("--chroma-url", help="a Chroma server, e.g. http://127.0.0.1:8000 (default: $QA_CHROMA_URL)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", help="index .txt/.md articles (files or folders); unchanged files are skipped; "
                                     "without PATHS, repair the store (restore missing vectors)")
    p.add_argument("paths", nargs="*", help="article files or folders (none: check and repair the store)")
    p.add_argument("--rebuild", action="store_true", help="rebuild from scratch (beside the old index, then swap)")
    p.add_argument("--prune", action="store_true", help="drop indexed articles not among PATHS")
    p.add_argument("--replace", action="store_true",
                   help="let these files replace indexed articles of the same name from elsewhere")
    p.add_argument("--strict", action="store_true", help="stop at the first file that cannot be indexed")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("doctor", help="check the store (manifest, catalog, vectors, leftovers); prints the fix")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("ask", help="ask a question; prints the answer and its citations")
    p.add_argument("question", nargs="*", help="the question (omit for interactive mode)")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.add_argument("-i", "--interactive", action="store_true", help="ask several questions, keeping the conversation")
    p.add_argument("--explain", action="store_true",
                   help="also print why: the signals behind the confidence and where the question's words were found")
    p.add_argument("--source", action="append", help="only this article (repeatable)")
    p.add_argument("--title", help="only articles whose title contains this text")
    p.add_argument("--path", help="only articles whose file path starts with this prefix")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="run the regression questions (default), or a SQuAD / CoQA file")
    p.add_argument("--questions", type=Path, default=None, help="regression question file (default: seeds/questions.jsonl)")
    p.add_argument("--squad", type=Path, help="SQuAD-format JSON file: each article indexed on its own")
    p.add_argument("--articles", type=int, default=30, help="SQuAD articles sampled (default 30)")
    p.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    p.add_argument("--per-article", type=int, default=None, help="SQuAD questions sampled per article (default all)")
    p.add_argument("--coqa", type=Path, help="CoQA JSON file (the held-out cnn stories of qa/evaluation/heldout.json are dropped)")
    p.add_argument("--coqa-source", "--source", dest="coqa_source", default="wikipedia", help="CoQA story source (default wikipedia)")
    p.add_argument("--stories", type=int, default=None, help="CoQA stories to use (default all of the source)")
    p.add_argument("--no-history", action="store_true", help="CoQA: only the run without history (default: with and without)")
    p.add_argument("--feedback", action="store_true", help="turn confirmed chat feedback into regression cases")
    p.add_argument("--benchmark", action="store_true",
                   help="the blind benchmark: fit and validation splits with unanswerable questions, one table")
    p.add_argument("--ablation", action="store_true",
                   help="--benchmark: refit the reader with each feature and rule switched off; writes ablation.md/json (about an hour)")
    p.add_argument("--split", default="all", choices=["fit", "validate", "all"], help="--benchmark: which split (default all)")
    p.add_argument("--sets", default=None, help="--benchmark: comma-separated set names (default every set of the split)")
    p.add_argument("--scale", type=float, default=1.0, help="--benchmark: sample size multiplier (default 1)")
    p.add_argument("--data", type=Path, default=Path(".cache/bench"), help="--benchmark: data folder (default .cache/bench)")
    p.add_argument("--out", type=Path, default=None,
                   help=f"--benchmark: where the table (JSON, Markdown) and reliability diagram go (default "
                        f"{CACHED_TABLE}, git-ignored; with --update-docs, the committed {DOCS_TABLE})")
    p.add_argument("--update-docs", action="store_true",
                   help=f"--benchmark: write the committed table in {DOCS_TABLE} (a run otherwise leaves the tree clean)")
    p.add_argument("--rows", type=Path, default=Path(".cache/benchmark/rows.jsonl"),
                   help="--benchmark: every scored question, with its text (git-ignored; default .cache/benchmark/rows.jsonl)")
    p.add_argument("--json-out", help="also write the report as JSON to this file")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("chat", help="open the web chat on 127.0.0.1 (or --cli for the terminal)")
    p.add_argument("--host", default=None, help="bind address (default $GRADIO_SERVER_NAME or 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default $GRADIO_SERVER_PORT or 7860)")
    p.add_argument("--auth", default=None, help="USER:PASSWORD (default $QA_CHAT_AUTH; none)")
    p.add_argument("--cli", action="store_true", help="chat in the terminal instead")
    p.add_argument("--source", action="append", help="--cli: only this article (repeatable)")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("list", help="list the indexed articles")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("remove", help="remove articles from the index")
    p.add_argument("names", nargs="+", help="article names as `qa list` shows them")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("bench", help="measure speed and memory; prints a table")
    p.add_argument("--quick", action="store_true", help="only the seed-article measurements")
    p.add_argument("--scale", default=None, help="comma-separated corpus sizes to run (chunks)")
    p.add_argument("--load", type=int, metavar="N", default=0,
                   help="instead: N concurrent users against a real `qa chat` (errors, differing answers, "
                        "latency, memory)")
    p.add_argument("--questions", type=int, default=2000, help="--load: questions in all (default 2000)")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
        if args.func in READ_ONLY and argv is None:
            _exit_now(code)
        sys.stdout.flush()
    except VerbatimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_gone()
    return code


def _reader_gone() -> int:
    """The output's reader went away (`qa ask ... | head -1`): stop quietly, as Unix tools do."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())   # so the final flush at exit cannot fail again
    return 128 + signal.SIGPIPE


def _exit_now(code: int) -> None:
    """End a read-only command without interpreter teardown: finalising the loaded modules
    (spaCy, onnxruntime, Chroma; torch before) still takes about 1 s of a cold `qa ask`. Nothing is
    written by these commands, so nothing is lost."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
