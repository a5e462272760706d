"""Indicator reports (指标填报), dashboards and the annual evaluation (年度绩效考评)."""
