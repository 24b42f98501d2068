"""Organisation: regions, the unit tree, persons with positions, accounts and role grants."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from kaoping.core.models import TimestampedModel
from kaoping.core.scope import DataScope, ScopedQuerySet


class Region(models.Model):
    """An administrative area (行政区划) by its GB/T 2260 code: province, city, county, town."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")
        TOWN = "town", _("Town")

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class UnitQuerySet(MP_NodeQuerySet, ScopedQuerySet):
    """Units, narrowed to scope like every other model."""


class UnitManager(MP_NodeManager):
    """Treebeard's manager, handing out scope-aware querysets in tree order."""

    def get_queryset(self) -> UnitQuerySet:
        return UnitQuerySet(self.model, using=self._db).order_by("path")

    def for_user(self, user: object) -> UnitQuerySet:
        return self.get_queryset().for_user(user)  # type: ignore[arg-type]


class Unit(MP_Node):
    """An evaluated body: the county government, a town (乡镇) or a department (部门).

    Units form a tree (materialised path): a county's towns and departments sit under it, so
    "this unit and below" is a path prefix.
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")
        TOWN = "town", _("Town")
        DEPARTMENT = "department", _("Department")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    row_version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    node_order_by = ["code"]
    objects = UnitManager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return scope.units_q("pk")


class Person(TimestampedModel):
    """A named official of a unit with a position: head (一把手), deputy in charge, staff."""

    class Position(models.TextChoices):
        HEAD = "head", _("Head (first responsible person)")
        DEPUTY = "deputy", _("Leader in charge")
        COUNTY_LEADER = "county_leader", _("County leader")
        STAFF = "staff", _("Responsible person")

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="persons"
    )
    name = models.CharField(_("name"), max_length=50)
    position = models.CharField(_("position"), max_length=16, choices=Position.choices)
    title = models.CharField(_("title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    portfolio = models.ManyToManyField(
        Unit,
        verbose_name=_("portfolio units"),
        blank=True,
        related_name="leaders_in_charge",
        help_text=_("Units this leader is in charge of (分管)."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["unit__path", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name", "title"], name="person_unique_in_unit")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.title or self.get_position_display()}）"

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return scope.context_q("unit")


class Role(models.TextChoices):
    """The roles of DESIGN.md; the last three are the separated administrators (三员分立)."""

    OFFICE = "office", _("Performance office")
    REPORTER = "reporter", _("Reporter")
    UNIT_HEAD = "unit_head", _("Unit head")
    LEADER = "leader", _("County leader")
    INSPECTOR = "inspector", _("Inspector")
    INTERVIEWER = "interviewer", _("Interviewer")
    AUDITOR = "auditor", _("Audit administrator")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")


ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})


class User(AbstractUser):
    """An account; what it may do comes from its role grants, never from is_staff flags."""

    person = models.OneToOneField(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    password_history = models.JSONField(_("password history"), default=list, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def roles(self) -> frozenset[str]:
        """The roles this account holds (cached on the instance for the request, and read with
        the data scope, which is cached across requests: kaoping.org.scopes)."""
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            from kaoping.org.scopes import data_scope

            cached = data_scope(self).roles
            self._roles_cache = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


class RoleGrant(models.Model):
    """One role held by a user, anchored at a unit that fixes its data scope."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_grants",
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    granted_by = models.ForeignKey(
        User,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="role_grant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit or '-'}"
