"""The API's routers, one per area; kaoping.api.v1 mounts them.

Scores and bulletins will get their own routers (`scores.py`, `bulletins.py`) mounted the
same way once kaoping.scoring and kaoping.bulletins expose selectors for them.
"""
