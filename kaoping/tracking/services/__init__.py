"""Writes of the tracking app, one module per area (reports, tasks, supervision, imports).

Each function is keyword-only, takes the acting user, runs in a transaction and is audited.
"""
