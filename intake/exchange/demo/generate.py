"""Synthetic testimonies for demonstrations, training and load tests (``intake demo``).

Every record is invented and valid for the questionnaire. The numbers follow what public
documentation of North Korean workers in Russia describes, roughly: construction and
logging are the main sectors; most workers are in the Far East (Primorsky, Khabarovsk,
Amur, Sakhalin), some in Moscow, Saint Petersburg, Novosibirsk or Kazan, a few in the
occupied territories of Ukraine; days of 10 to 17 hours; most of the wage (50–90 % of what
the employer pays) taken by the state; about one worker in five denied medical care and
one in four beaten. The narratives are short, in Korean for most records and English for
some, and built from each record's own answers.

Nothing here can point at a real person or company:
- names are a surname and two given-name syllables from fixed lists, marked "(데모)";
- companies and work sites are named "가상…" (fictional), "Demo…" or "OOO Primer/Obrazets"
  ("example", "sample") with a number;
- phone numbers come only from ranges reserved for fiction: +1 NXX 555-0100…0199 (the
  North American Numbering Plan keeps 555-0100 to 555-0199 for fictional use) and
  +44 7700 900000…900999 (Ofcom's range for drama). Russian mobile numbers such as
  +7 900 000 xx xx are not reserved, so they are never used.

The same seed gives the same records (for the same ``today``). About 0.1 ms per record:
100,000 records in about ten seconds.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import uuid
from collections.abc import Iterator
from typing import Any

from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, Status
from intake.exchange.demo import texts as tx

LAST_YEAR = 2026  # the spec's range of deployments is 2015–2026
FIRST_YEAR = 2015


def generate(n: int, seed: int | None, author: str, *,
             today: dt.date | None = None) -> Iterator[Record]:
    """``n`` synthetic testimonies by ``author``; the same seed gives the same records."""
    if n < 0:
        raise ValueError("n must be at least 0")
    rng = random.Random(seed if seed is not None else int.from_bytes(os.urandom(16), "big"))
    last_day = (today or dt.date.today()) - dt.timedelta(days=4)
    for _ in range(n):
        yield _Testimony(tx.Draw(rng), last_day, author).record()


class _Testimony:
    """One invented person's record, built section by section; ``facts`` feed the
    narrative."""

    def __init__(self, draw: tx.Draw, last_day: dt.date, author: str) -> None:
        self.d = draw
        self.last_day = last_day
        self.author = author
        self.a: dict[str, Any] = {}
        self.m: dict[str, str] = {}
        self.facts: dict[str, Any] = {}

    def record(self) -> Record:
        record_id = str(uuid.UUID(int=self.d.rng.getrandbits(128), version=4))
        self.interview_and_years()
        self.profile()
        self.deployment()
        self.work()
        self.wages()
        self.medical()
        self.abuse()
        self.surveillance_and_living()
        self.escape()
        self.identity()
        self.narrative()
        status = self.consent()
        for qid in ("wages.deductions", "abuse.threats", "abuse.punishments"):
            if not self.a[qid]:
                del self.a[qid]  # no code checked is no answer (answers.is_empty)
        created = self.created_at()
        updated = created + dt.timedelta(minutes=self.d.between(20, 72 * 60))
        return Record(record_id, QUESTIONNAIRE.schema, 1, status, self.author,
                      created.isoformat(), updated.isoformat(), self.a, self.m)

    # -- sections -----------------------------------------------------------------------
    def interview_and_years(self) -> None:
        d, a = self.d, self.a
        last_year = min(LAST_YEAR, self.last_day.year)
        departed = d.between(FIRST_YEAR, max(FIRST_YEAR, last_year - 1))
        ended = min(departed + d.pick(tx.DURATION_TABLE), last_year)
        escaped = ended if d.chance(0.85) else min(ended + 1, last_year)
        first = dt.date(escaped, 1, 1)
        interviewed = first + dt.timedelta(days=d.between(0, (self.last_day - first).days))
        a["deployment.year_departed"] = departed
        a["deployment.year_ended"] = ended
        a["escape.year"] = escaped
        self.facts.update(year_departed=departed, year_escape=escaped,
                          interviewed=interviewed)
        a["interview.date"] = interviewed.isoformat()
        self.facts["english"] = english = d.chance(0.2)
        a["interview.language"] = "en" if english else "ko"
        a["interview.interpreter_used"] = english or d.chance(0.03)
        if a["interview.interpreter_used"]:
            a["interview.interpreter_name"] = f"통역 데모{d.between(1, 40)}"
        a["interview.source_type"] = d.weighted(victim=85, witness=10, relayed=5)
        a["interview.prior_interviews"] = d.chance(0.3)
        a["interview.risk_assessment_done"] = d.chance(0.8)
        a["interview.referrals_given"] = d.subset(
            medical=0.3, psychosocial=0.45, legal=0.2, resettlement=0.25) or ["none"]

    def profile(self) -> None:
        d, a = self.d, self.a
        self.facts["female"] = female = d.chance(0.07)
        a["profile.sex"] = "female" if female else "male"
        age = min(d.between(22, 40), d.between(22, 50))
        self.facts["age"] = age
        a["profile.birth_year"] = self.facts["year_departed"] - age
        if d.chance(0.2):
            self.m["profile.birth_year"] = "estimate"
        self.facts["province"] = province = d.pick(tx.PROVINCE_TABLE)
        a["profile.home_province"] = province
        if d.chance(0.03):
            self.m["profile.education"] = "unknown"
        else:
            a["profile.education"] = d.weighted(primary=8, secondary=62, college=20,
                                                university=10)
        a["profile.occupation_before"] = d.weighted(
            soldier=25, construction=20, factory_worker=25, farmer=15, office=5, other=10)

    def deployment(self) -> None:
        d, a = self.d, self.a
        region = d.pick(tx.REGION_TABLE)
        sector = d.pick(tx.SECTOR_TABLE)
        if sector in tx.FAR_EAST_SECTORS and region not in tx.FAR_EAST:
            sector = "construction"
        if self.facts["female"] and d.chance(0.6):
            sector = d.weighted(textile_garment=4, restaurant_services=4, medical=2)
        _weight, region_ko, region_en, cities = tx.REGIONS[region]
        city_ko, city_en = d.one(cities)
        self.facts.update(region=region, sector=sector, region_ko=region_ko,
                          region_en=region_en, city_ko=city_ko, city_en=city_en)
        a["deployment.destination_region"] = region
        a["deployment.destination_city"] = city_ko
        a["deployment.sector"] = sector
        recruitment = d.weighted(state_assigned=55, applied_selected=30, bribe_paid=12,
                                 other=3)
        self.facts["recruitment"] = recruitment
        a["deployment.recruitment"] = recruitment
        if recruitment == "bribe_paid":
            if d.chance(0.8):
                a["deployment.pre_departure_payment"] = {
                    "amount": 100 * d.between(2, 20), "currency": "USD"}
            else:
                self.m["deployment.pre_departure_payment"] = "declined"
        late = self.facts["year_departed"] >= 2020  # after the UN ban: other visas
        a["deployment.visa_type"] = (
            d.weighted(student=35, trainee=25, visitor=25, work=5, none=5, other=5) if late
            else d.weighted(work=80, trainee=8, student=5, visitor=4, other=3))
        a["deployment.route"] = d.weighted(flight=40, rail=35, sea=10, via_china=10, other=5)
        a["deployment.dispatching_entity_type"] = d.weighted(
            construction_corp=30, trading_company=30, ministry=15, military=20, other=5)
        n = d.between(1, 99)
        a["deployment.dispatching_entity"] = d.one(tx.ENTITY_NAMES).format(n=n)
        a["deployment.worksite"] = d.one(tx.WORKSITES).format(n=n)
        a["deployment.employer_type"] = d.weighted(
            russian_company=35, dprk_company=35, subcontractor=25, other=5)
        if d.chance(0.5):
            a["deployment.russian_employer"] = d.one(tx.EMPLOYER_NAMES).format(n=n)
        if d.chance(0.1):
            self.m["deployment.team_size"] = "unknown"
        else:
            team = d.one((d.between(3, 9), d.between(10, 49), d.between(10, 49),
                          d.between(50, 199), d.between(200, 400)))
            a["deployment.team_size"] = team
            self.facts["team"] = team
            if d.chance(0.3):
                self.m["deployment.team_size"] = "estimate"
        a["deployment.contract"] = d.weighted(
            never_seen=55, shown_not_given=25, signed_no_copy=15, copy_kept=5)

    def work(self) -> None:
        d, a = self.d, self.a
        hours: float = d.pick(tx.HOURS_TABLE)
        if hours < 17 and d.chance(0.1):
            hours += 0.5
        a["work.hours_per_day"] = hours
        if d.chance(0.15):
            self.m["work.hours_per_day"] = "estimate"
        a["work.days_per_week"] = 7 if d.chance(0.7) else 6
        a["work.rest_days_per_month"] = d.one((0, 1, 2, 2, 3, 4))
        a["work.quota_system"] = quota = d.chance(0.85)
        if quota:
            a["work.punished_for_missed_quota"] = d.chance(0.6)
        a["work.night_work"] = d.chance(0.5)
        a["work.hazardous"] = d.chance(0.6)
        a["work.safety_equipment"] = d.chance(0.25)
        a["work.injured_at_work"] = d.chance(0.3)
        self.facts.update(hours=f"{hours:g}", rest=a["work.rest_days_per_month"])

    def wages(self) -> None:
        d, a = self.d, self.a
        usd = d.chance(0.7)
        unit = 50 if usd else 1000
        gross = unit * (d.between(14, 30) if usd else d.between(45, 120))
        share = d.between(50, 90)
        quota = round(gross * share / 100)
        kept = max(0, gross - quota - round(gross * d.between(0, 15) / 100))
        currency = "USD" if usd else "RUB"

        def money(amount: int) -> dict[str, Any]:
            return {"amount": amount, "currency": currency}

        a["wages.promised_monthly"] = money(unit * (d.between(6, 20) if usd else
                                                    d.between(25, 80)))
        if d.chance(0.3):
            self.m["wages.gross_monthly"] = "unknown"
            if d.chance(0.6):
                a["wages.state_share_percent"] = float(share)
                self.m["wages.state_share_percent"] = "estimate"
            else:
                self.m["wages.state_share_percent"] = "unknown"
        else:
            a["wages.gross_monthly"] = money(gross)
            a["wages.state_quota_monthly"] = money(quota)
        if d.chance(0.05):
            self.m["wages.received_monthly"] = "declined"
        else:
            a["wages.received_monthly"] = money(kept)
            self.facts["received"] = (kept, usd)
        self.facts["quota"] = share if "wages.state_share_percent" in a or \
            "wages.gross_monthly" in a else None
        a["wages.paid_when"] = d.weighted(on_return=45, irregular=25, monthly=20, never=10)
        a["wages.paid_to"] = d.weighted(team_leader=40, company_representative=30,
                                        security_official=10, self=20)
        a["wages.deductions"] = d.subset(
            food=0.7, housing=0.5, travel=0.2, party_contribution=0.7, fines=0.25,
            gifts_to_officials=0.3, other=0.05)
        a["wages.debt"] = d.chance(0.25)
        a["wages.compared_to_other_foreign_workers"] = d.weighted(
            much_less=60, less=30, same=8, more=2)

    def medical(self) -> None:
        d, a = self.d, self.a
        denied = d.chance(0.2)
        ill = denied or d.chance(0.4)
        a["medical.illness_or_injury"] = ill
        if ill:
            a["medical.care_requested"] = requested = denied or d.chance(0.6)
            if requested:
                a["medical.care_received"] = (
                    d.weighted(denied=60, none_provided=40) if denied
                    else d.weighted(limited=70, adequate=30))
            a["medical.sent_home_sick"] = d.chance(0.1)
        if denied:
            self.facts["illness"] = illness = d.one(tx.ILLNESSES)
            if not self.facts["english"]:
                a["medical.details"] = tx.KO_MEDICAL_DETAILS.format(illness_noun=illness[2])
        if d.chance(0.05):
            self.m["medical.deaths_witnessed"] = "unknown"
        else:
            a["medical.deaths_witnessed"] = 0 if d.chance(0.85) else d.between(1, 3)

    def abuse(self) -> None:
        d, a = self.d, self.a
        beaten = d.chance(0.25)
        a["abuse.physical"] = beaten
        punishments = d.subset(food_deprivation=0.1, confinement=0.08, fines=0.3,
                               extra_work=0.4, public_criticism=0.6)
        if beaten:
            perpetrator = d.weighted(team_leader=50, security_official=30,
                                     company_representative=15, russian_employer=5)
            a["abuse.perpetrators"] = [perpetrator]
            a["abuse.frequency"] = d.weighted(once=25, occasional=50, frequent=25)
            punishments = ["beating", *punishments]
            self.facts["perp"] = perpetrator
            if not self.facts["english"]:
                a["abuse.details"] = tx.KO_ABUSE_DETAILS.format(
                    perp=tx.PERPETRATORS[perpetrator][0])
        if d.chance(0.08):
            self.m["abuse.sexual"] = "declined"
        else:
            a["abuse.sexual"] = d.chance(0.02)
        a["abuse.threats"] = d.subset(repatriation=0.6, harm_to_family=0.2, labour_camp=0.15,
                                      wage_confiscation=0.3, violence=0.1)
        a["abuse.punishments"] = punishments

    def surveillance_and_living(self) -> None:
        d, a = self.d, self.a
        a["surveillance.security_officials_present"] = d.chance(0.9)
        a["surveillance.self_criticism_sessions"] = d.weighted(
            weekly=60, daily=15, monthly=20, none=5)
        holder = d.weighted(company_representative=55, security_official=30, employer=10,
                            self=5)
        self.facts["holder"] = holder
        a["surveillance.passport_holder"] = holder
        a["surveillance.off_site_movement"] = d.weighted(
            group_only=40, escorted=25, never=20, free=15)
        a["surveillance.curfew"] = d.chance(0.85)
        a["surveillance.locked_quarters"] = d.chance(0.3)
        a["surveillance.phone_allowed"] = d.chance(0.15)
        a["surveillance.foreign_media_access"] = d.chance(0.1)
        a["surveillance.contact_with_locals"] = d.chance(0.25)
        a["surveillance.contact_with_family"] = d.weighted(
            censored_letters=40, none=35, occasional=20, regular=5)
        if d.chance(0.2):
            self.m["surveillance.informants"] = "unknown"
        else:
            a["surveillance.informants"] = d.chance(0.7)
        a["living.housing_type"] = d.weighted(container=30, dormitory=35, worksite=25,
                                              apartment=5, other=5)
        a["living.persons_per_room"] = d.between(4, 20)
        a["living.sanitation"] = d.weighted(poor=60, none=15, adequate=25)
        a["living.heating"] = d.weighted(inadequate=55, adequate=45)
        a["living.food"] = d.weighted(insufficient=55, severely_insufficient=20, adequate=25)
        a["vulnerability.family_in_dprk"] = d.chance(0.9)
        if d.chance(0.1):
            self.m["vulnerability.party_member"] = "declined"
        else:
            a["vulnerability.party_member"] = d.chance(0.35)
        a["vulnerability.military_service"] = d.chance(0.1 if self.facts["female"] else 0.7)
        a["vulnerability.prior_deployment_abroad"] = d.chance(0.15)

    def escape(self) -> None:
        d, a = self.d, self.a
        methods = d.subset(pooled_money=0.3, smartphone_messaging=0.4, broker=0.35,
                           ngo_assistance=0.25, religious_group=0.15, consulate=0.05)
        methods = methods or [d.weighted(alone=3, other=1)]
        a["escape.methods"] = methods
        self.facts["method"] = d.one(methods)
        if d.chance(0.15):
            self.m["escape.transit_countries"] = "declined"
        elif d.chance(0.5):
            a["escape.transit_countries"] = d.subset(CN=0.5, MN=0.2, TH=0.3, LA=0.2, VN=0.2,
                                                     other=0.2) or ["other"]
        country = d.weighted(KR=75, RU=8, CN=2, other=5, undisclosed=10)
        self.facts["country"] = country
        a["escape.current_country"] = country
        a["interview.country"] = (country if country in ("KR", "RU", "CN")
                                  else d.weighted(TH=3, MN=2, other=5))
        a["escape.crackdown_experienced"] = d.chance(0.3)
        if not self.facts["english"]:
            a["escape.details"] = tx.KO_ESCAPE_DETAILS.format(
                year_escape=self.facts["year_escape"],
                method=tx.ESCAPE_METHODS[self.facts["method"]][0])

    def identity(self) -> None:
        known_birth_year = "profile.birth_year" not in self.m
        self.a.update(tx.identity(self.d, self.facts, self.a["profile.birth_year"],
                                  known_birth_year))

    def consent(self) -> Status:
        d, a = self.d, self.a
        consented = d.chance(0.97)
        a["consent.internal_documentation"] = consented
        for qid, p in (("anonymized_statistics", 0.9), ("publication_without_identifiers", 0.6),
                       ("un_bodies", 0.75), ("courts_prosecutors", 0.55), ("media", 0.3),
                       ("recontact", 0.7), ("audio_recording", 0.4), ("photos", 0.2)):
            a["consent." + qid] = consented and d.chance(p)
        if consented and d.chance(0.01):
            interviewed: dt.date = self.facts["interviewed"]
            span = (self.last_day - interviewed).days
            a["consent.withdrawn_on"] = (interviewed + dt.timedelta(
                days=d.between(0, span))).isoformat()
        status: Status = d.pick(tx.STATUS_TABLE) if consented else Status.DRAFT
        if status in (Status.IN_REVIEW, Status.VERIFIED, Status.NEEDS_FOLLOW_UP):
            a["review.reliability"] = d.weighted(highly_reliable=20, reliable=50,
                                                 fairly_reliable=25, unreliable=5)
            if d.chance(0.3):
                a["review.notes"] = d.one(tx.REVIEW_NOTES)
        return status

    def created_at(self) -> dt.datetime:
        d = self.d
        day: dt.date = self.facts["interviewed"]
        offset = dt.timezone(dt.timedelta(hours=tx.OFFSETS[self.a["interview.country"]]))
        return dt.datetime(day.year, day.month, day.day, d.between(9, 17), d.between(0, 59),
                           tzinfo=offset)

    # -- narrative ----------------------------------------------------------------------
    def narrative(self) -> None:
        if self.d.chance(0.03):
            return  # not written yet
        english = self.facts["english"]
        sentences = (tx.summary_en if english else tx.summary_ko)(self.d, self.facts)
        self.a["narrative.summary"] = " ".join(sentences)
        if self.d.chance(0.5):
            self.a["narrative.quotes"] = self.d.one(tx.EN_QUOTES if english else tx.KO_QUOTES)
