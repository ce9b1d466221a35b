"""factory_boy factories for the domain. Regions and ports come from the data migrations."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from accounts.models import Organisation, User
from incidents.models import (
    AttackWave,
    DamagedAsset,
    GrainDisruption,
    GrainShipment,
    Incident,
    Port,
    Region,
    ServiceDisruption,
    Source,
)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Partner organisation {n}")
    slug = factory.Sequence(lambda n: f"partner-{n}")
    acronym = factory.Sequence(lambda n: f"PO{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    is_staff = True
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


def region(pcode: str = "UA46") -> Region:
    return Region.objects.get(pcode=pcode)


def port(name: str = "Odesa") -> Port:
    return Port.objects.get(name=name)


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    occurred_on = dt.date(2023, 8, 15)
    region = factory.LazyFunction(region)
    settlement = "Lviv"
    incident_type = Incident.IncidentType.MISSILE_STRIKE
    organisation = factory.SubFactory(OrganisationFactory)
    killed = 0
    injured = 2

    class Params:
        verified = factory.Trait(status="verified", verified_at=factory.LazyFunction(timezone.now))
        submitted = factory.Trait(status="submitted")


class DamagedAssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DamagedAsset

    incident = factory.SubFactory(IncidentFactory)
    asset_type = DamagedAsset.AssetType.RESIDENTIAL
    count = 3


class ServiceDisruptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceDisruption

    service = ServiceDisruption.Service.WATER
    region = factory.LazyFunction(region)
    organisation = factory.SubFactory(OrganisationFactory)
    people_affected = 1000
    started_at = factory.LazyFunction(lambda: dt.datetime(2023, 8, 15, 4, 0, tzinfo=dt.UTC))


class GrainDisruptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GrainDisruption

    disruption_type = GrainDisruption.DisruptionType.PORT_STRIKE
    started_on = dt.date(2023, 7, 19)
    port = factory.LazyFunction(port)
    organisation = factory.SubFactory(OrganisationFactory)


class GrainShipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GrainShipment

    voyage_number = factory.Sequence(lambda n: n + 1)
    vessel_name = "RAZONI"
    imo = "9223423"
    departure_port = factory.LazyFunction(port)
    departed_on = dt.date(2022, 8, 1)
    commodity = "Corn"
    tonnes = 26527
    destination_country = "Lebanon"


class AttackWaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AttackWave

    name = factory.Sequence(lambda n: f"Attack wave {n}")
    started_at = factory.LazyFunction(lambda: dt.datetime(2023, 8, 15, 1, 0, tzinfo=dt.UTC))


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    incident = factory.SubFactory(IncidentFactory)
    name = "Regional military administration"
    url = factory.Sequence(lambda n: f"https://example.org/report/{n}")


ROLE_NAMES = (roles.REPORTER, roles.VERIFIER, roles.ANALYST)
