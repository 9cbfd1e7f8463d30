"""Factories for the fixed cast of test users and the records they work on."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from governance.models import (
    Contract,
    Department,
    InformationSystem,
    Section,
    SystemKind,
    User,
    Vendor,
)
from governance.roles import Role


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"部局{n}")


class SectionFactory(factory.django.DjangoModelFactory[Section]):
    class Meta:
        model = Section

    department = factory.SubFactory(DepartmentFactory)
    name = factory.Sequence(lambda n: f"課{n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "試験"
    first_name = factory.Sequence(lambda n: f"太郎{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.jp")
    password = factory.django.Password("test-password-123")

    @factory.post_generation
    def roles(obj: User, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if not create or not extracted:
            return
        for role in extracted:
            obj.groups.add(Group.objects.get(name=role))


def make_user(username: str, role: str, department: Department | None = None) -> User:
    return UserFactory.create(username=username, department=department, roles=[role])


class InformationSystemFactory(factory.django.DjangoModelFactory[InformationSystem]):
    class Meta:
        model = InformationSystem

    code = factory.Sequence(lambda n: f"SYS{n:04d}")
    name = factory.Sequence(lambda n: f"試験システム{n}")
    department = factory.SubFactory(DepartmentFactory)
    kind = SystemKind.SCRATCH


class VendorFactory(factory.django.DjangoModelFactory[Vendor]):
    class Meta:
        model = Vendor
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"試験事業者{n}株式会社")


class ContractFactory(factory.django.DjangoModelFactory[Contract]):
    """A contract row written directly (tests of the rules); services also refresh the
    system's cached tenure, so call ``governance.karte.rules.refresh_tenures`` after these."""

    class Meta:
        model = Contract

    system = factory.SubFactory(InformationSystemFactory)
    fiscal_year = 2021
    vendor = factory.SubFactory(VendorFactory)
    contract_type = "委託役務"
    amount = 1_000_000


__all__ = [
    "ContractFactory",
    "DepartmentFactory",
    "InformationSystemFactory",
    "Role",
    "SectionFactory",
    "UserFactory",
    "VendorFactory",
    "make_user",
]
