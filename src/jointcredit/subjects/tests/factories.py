from __future__ import annotations

import random

import factory

from jointcredit.subjects import generators as gen
from jointcredit.subjects.identifiers import IdType
from jointcredit.subjects.models import RelatedPerson, RelatedRole, Subject, SubjectKind

_rng = random.Random(1234)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject

    kind = SubjectKind.LEGAL
    id_type = IdType.USCC
    identifier = factory.LazyFunction(lambda: gen.uscc(_rng))
    name = factory.LazyFunction(lambda: gen.company_name(_rng)[0])
    region_code = "370102"
    industry = "餐饮业"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject

    kind = SubjectKind.NATURAL
    id_type = IdType.RESIDENT_ID
    identifier = factory.LazyFunction(lambda: gen.resident_id(_rng))
    name = factory.LazyFunction(lambda: gen.person_name(_rng))
    region_code = "370102"


class RelatedPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RelatedPerson

    subject = factory.SubFactory(CompanyFactory)
    person = factory.SubFactory(PersonFactory)
    role = RelatedRole.LEGAL_REPRESENTATIVE
    directly_responsible = False
