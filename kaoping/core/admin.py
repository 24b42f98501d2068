"""Take out of the admin what the office must not touch there.

Groups would grant permissions by flag, which Kaoping never does; django-auditlog's change
log is the auditor's, read in the audit pages, and append-only (kaoping.audit).
"""

from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.auth.models import Group

for model in (Group, LogEntry):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
