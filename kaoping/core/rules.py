"""Model permissions, from the role grants (django-rules; autodiscovered at start-up).

The performance office may view, add and change organisation and plan data in Django admin,
each object only within its data scope; nobody may delete there. Accounts and role grants
are the system and security administrators' (三员分立) and are not in admin at all. The
audit tables are read-only for everyone, whatever flags or permissions an account holds.
"""

from __future__ import annotations

from typing import Any

import rules

from kaoping.core.admin_site import is_office_user

# (app label, model name) pairs the office edits in admin.
OFFICE_MODELS: tuple[tuple[str, str], ...] = (
    ("org", "region"),
    ("org", "unit"),
    ("org", "person"),
    ("plans", "cycle"),
    ("plans", "plan"),
    ("plans", "unitgroup"),
    ("plans", "indicator"),
    ("plans", "indicatortarget"),
    ("plans", "assignment"),
)
OFFICE_ACTIONS = ("view", "add", "change")
AUDIT_MODELS: tuple[tuple[str, str], ...] = (
    ("audit", "auditevent"),
    ("audit", "chainhead"),
    ("auditlog", "logentry"),
)


@rules.predicate
def is_office(user: Any) -> bool:
    """An active account holding the performance office role."""
    return is_office_user(user)


@rules.predicate
def object_in_scope(user: Any, obj: Any = None) -> bool:
    """No object (a model-level question), or an object inside the user's data scope."""
    if obj is None or obj.pk is None:
        return True
    manager = type(obj)._default_manager
    if not hasattr(type(obj), "scope_filter") or not hasattr(manager, "for_user"):
        return True  # shared reference data (regions) has no owner unit
    return bool(manager.for_user(user).filter(pk=obj.pk).exists())


for app_label in sorted({label for label, _model in OFFICE_MODELS}):
    rules.add_perm(app_label, is_office)
for app_label, model in OFFICE_MODELS:
    for action in OFFICE_ACTIONS:
        rules.add_perm(f"{app_label}.{action}_{model}", is_office & object_in_scope)
    rules.add_perm(f"{app_label}.delete_{model}", rules.always_deny)
for app_label, model in AUDIT_MODELS:
    for action in ("add", "change", "delete"):
        rules.add_perm(f"{app_label}.{action}_{model}", rules.always_deny)
