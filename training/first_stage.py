"""The candidates to rerank: from a TREC run + corpus file, or live from an OpenSearch index.

Both paths give the same thing (a run and the text of every document in it), so mining, validation
and evaluation never care where the first stage came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from search_cluster.beir import DataError, Run, document_text, load_corpus, load_run


@dataclass(frozen=True)
class FirstStage:
    run: Run
    documents: dict[str, str]  # doc id -> text, for every doc in `run`
    source: str


def from_files(run_file: Path, corpus_file: Path, query_ids: set[str], depth: int) -> FirstStage:
    """Read a TREC run (cut to `depth` per query) and the corpus text of the documents it names."""
    full = load_run(run_file)
    run = {qid: hits[:depth] for qid, hits in full.items() if qid in query_ids}
    if not run:
        raise DataError(f"{run_file}: none of the {len(query_ids)} judged queries has a row in the run")
    wanted = {doc for hits in run.values() for doc, _ in hits}
    documents = load_corpus(corpus_file, wanted)
    missing = wanted - set(documents)
    if missing:
        raise DataError(f"{corpus_file}: {len(missing)} documents of the run are missing (e.g. {min(missing)})")
    return FirstStage(run, documents, f"run {run_file.name}")


def from_index(url: str, index: str, queries: Mapping[str, str], depth: int) -> FirstStage:
    """BM25 top-`depth` for each query from a live index (the `bm25` query template)."""
    try:
        from search_cluster.client import make_client
        from search_cluster.search import search
    except ImportError as exc:
        raise DataError(f"--index needs the cluster extra: pip install 'rescore-bridge[cluster]' ({exc})") from exc
    from opensearchpy.exceptions import OpenSearchException

    client = make_client(url)
    run: Run = {}
    documents: dict[str, str] = {}
    try:
        for qid, text in tqdm(queries.items(), desc=f"first stage ({index})", unit="q"):
            hits = search(client, index, text, mode="bm25", size=depth)
            run[qid] = [(hit.doc_id, hit.score) for hit in hits]
            for hit in hits:
                documents[hit.doc_id] = document_text(hit.title, hit.text)
    except OpenSearchException as exc:
        raise DataError(f"searching {index} at {url} failed: {exc}") from exc
    return FirstStage(run, documents, f"index {index}")
