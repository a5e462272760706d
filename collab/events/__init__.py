"""Matchmaking events (对接会, 路演, talent days, trainings)."""
