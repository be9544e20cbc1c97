"""Regression runs over workflow folders (`graphrun test`): goldens, comparison, reports."""
