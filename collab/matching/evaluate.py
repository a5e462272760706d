"""Offline evaluation of the engine on a labelled dataset (format of tests/data/matching_dev.json).

For every need all projects are ranked; then, averaged over needs (README there):
MRR = 1 / rank of the first relevant project; P@5 = relevant among the first five / 5;
recall@10 = share of the need's relevant projects among the first ten.
"""
from __future__ import annotations

import json
from pathlib import Path

from .docs import NeedDoc, ProjectDoc
from .engine import top_k


def load_dataset(path: str | Path) -> tuple[list[ProjectDoc], list[NeedDoc], dict[str, list[str]]]:
    """Projects, needs and the relevance judgements of a dataset file."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    projects = [ProjectDoc.from_dict(p) for p in data["projects"]]
    needs = [NeedDoc.from_dict(n) for n in data["needs"]]
    relevant = {str(k): [str(v) for v in vs] for k, vs in (data.get("relevant") or {}).items()}
    return projects, needs, relevant


def rank_all(projects: list[ProjectDoc], needs: list[NeedDoc], weights: dict | None = None,
             glossary=None) -> dict[str, list[str]]:
    """For every need, every project id, best first (zero scores last, in dataset order)."""
    refresh = top_k(needs, projects, k=None, weights=weights, glossary=glossary, explain=False, min_score=-0.5)
    return {need_id: [m.project_id for m in matches] for need_id, matches in refresh.for_needs.items()}


def metrics(ranking: dict[str, list[str]], relevant: dict[str, list[str]]) -> dict:
    """MRR, P@5 and recall@10 averaged over the needs that have judgements."""
    judged = [n for n in ranking if relevant.get(n)]
    mrr = p5 = r10 = 0.0
    for need_id in judged:
        wanted = set(relevant[need_id])
        ranked = ranking[need_id]
        first = next((i for i, pid in enumerate(ranked, 1) if pid in wanted), None)
        mrr += 1.0 / first if first else 0.0
        p5 += len(wanted & set(ranked[:5])) / 5.0
        r10 += len(wanted & set(ranked[:10])) / len(wanted)
    n = len(judged) or 1
    return {"mrr": round(mrr / n, 4), "p_at_5": round(p5 / n, 4), "recall_at_10": round(r10 / n, 4),
            "needs": len(judged)}


def evaluate(path: str | Path, weights: dict | None = None, glossary=None) -> tuple[dict, dict[str, list[str]]]:
    """Rank a dataset with the engine: (metrics, ranking)."""
    projects, needs, relevant = load_dataset(path)
    ranking = rank_all(projects, needs, weights=weights, glossary=glossary)
    return metrics(ranking, relevant), ranking
