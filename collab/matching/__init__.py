"""Matching projects and needs across Chinese and English (issue 4).

A request- and database-independent engine: callers build ProjectDoc/NeedDoc records of
the items that may match (see rules.project_matchable / need_matchable), then

- ``build_index(projects)`` and ``rank_projects_for_need(need, index)``,
- ``build_index(needs)`` and ``rank_needs_for_project(project, index)``,
- ``top_k(needs, projects, k=20)`` for a full refresh both ways, whose indexes then take
  newly published items (``rank_*`` against them; ``add`` / ``discard`` on them).

Scores lie in [0, 1]; every match carries its reasons (shared sectors, terms in both
languages, fit rules). Weights: DEFAULT_WEIGHTS, overridden by the app's MATCH_WEIGHTS.
"""
from .docs import NeedDoc, ProjectDoc
from .engine import (
    DEFAULT_WEIGHTS,
    Match,
    MatchIndex,
    Refresh,
    build_index,
    explain_pair,
    rank_needs_for_project,
    rank_projects_for_need,
    resolve_weights,
    top_k,
    weights_from_config,
)
from .rules import need_matchable, need_visible_to, project_matchable

__all__ = [
    "DEFAULT_WEIGHTS", "Match", "MatchIndex", "NeedDoc", "ProjectDoc", "Refresh", "build_index",
    "explain_pair", "need_matchable", "need_visible_to", "project_matchable", "rank_needs_for_project",
    "rank_projects_for_need", "resolve_weights", "top_k", "weights_from_config",
]
