"""The interview (shared/questionnaire.md) as data: the one place a question is defined.

Question ids are stable API (JSONL, export columns, tests). ``QUESTIONNAIRE.version`` is the
schema version records remember; renamed ids or codes go into ``renamed`` /
``renamed_codes`` so that records written with an older version still read.
"""

from __future__ import annotations

import datetime as dt

from intake.domain.codelists import (
    CARE_RECEIVED,
    COMPARED,
    CONTRACT_COARSE,
    CONTRACTS,
    COUNTRIES_INTERVIEW,
    CURRENT_COUNTRIES,
    DEATH_BANDS,
    DEDUCTIONS,
    EDUCATION,
    EMPLOYER_COARSE,
    EMPLOYER_TYPES,
    ENTITY_COARSE,
    ENTITY_TYPES,
    ESCAPE_METHODS,
    FAMILY_CONTACT,
    FOOD,
    FREQUENCIES,
    HEATING,
    HOURS_BANDS,
    HOUSING,
    LANGUAGES,
    MACRO_REGION,
    MOVEMENT,
    OCCUPATIONS,
    PAID_TO,
    PAID_TO_COARSE,
    PAID_WHEN,
    PAID_WHEN_COARSE,
    PASSPORT_HOLDERS,
    PAY_BANDS,
    PAY_BANDS_COARSE,
    PAYMENT_BANDS,
    PAYMENT_BANDS_COARSE,
    PERCENT_BANDS,
    PERPETRATORS,
    PROVINCES,
    PUNISHMENTS,
    RECRUITMENT,
    RECRUITMENT_COARSE,
    REFERRALS,
    RELIABILITY,
    ROOM_BANDS,
    ROUTE_COARSE,
    ROUTES,
    SANITATION,
    SECTOR_COARSE,
    SECTORS,
    SESSIONS,
    SEXES,
    SOURCE_TYPES,
    TEAM_BANDS,
    THREATS,
    TRANSIT,
    VISA_COARSE,
    VISAS,
    WAGE_BANDS,
)
from intake.domain.questionnaire import (
    Groups,
    Hierarchy,
    QClass,
    QType,
    Question,
    Questionnaire,
    Section,
    YearBands,
    YearOfDate,
)
from intake.domain.regions import DESTINATION_REGIONS, DISTRICT_OF
from intake.i18n import N_

# The spec's class letters and type names, so each question reads like its table row.
D, Q, S, T, O, X = (  # noqa: E741
    QClass.DIRECT, QClass.QUASI, QClass.SENSITIVE, QClass.TEXT, QClass.OPERATIONAL,
    QClass.INTERNAL)
B, CH, MU, INT, NUM, YR, DATE, MON, TXT, LONG, LST = (
    QType.BOOL, QType.CHOICE, QType.MULTI, QType.INT, QType.NUMBER, QType.YEAR, QType.DATE,
    QType.MONEY, QType.TEXT, QType.LONGTEXT, QType.LIST)

FIRST_YEAR = 1940
NARRATIVE_MAX = 100_000
TEXT_MAX = 500
LIST_ITEM_MAX = 500
LIST_MAX_ITEMS = 50


def current_year() -> int:
    return dt.date.today().year


YEAR = {"minimum": FIRST_YEAR}  # the maximum (this year) is checked at validation time
LONGTEXT = {"max_length": NARRATIVE_MAX}
TEXT = {"max_length": TEXT_MAX}

def _q(qid: str, qtype: QType, cls: QClass, label: str, **kw: object) -> Question:
    return Question(qid, qtype, cls, label, **kw)  # type: ignore[arg-type]


INTERVIEW = Section("interview", N_("About this interview"), (
    _q("interview.date", DATE, Q, N_("Date of the interview"),
       hierarchy=Hierarchy((YearOfDate(), YearBands(3)), min_level=1)),
    _q("interview.country", CH, Q, N_("Country where the interview takes place"),
       codes=COUNTRIES_INTERVIEW, drop_unless_k=True),
    _q("interview.language", CH, O, N_("Language of the interview"), codes=LANGUAGES),
    _q("interview.interpreter_used", B, O, N_("Was an interpreter used?")),
    _q("interview.interpreter_name", TXT, D, N_("Interpreter's name"), **TEXT),
    _q("interview.source_type", CH, O, N_("How the person knows about the events"),
       codes=SOURCE_TYPES),
    _q("interview.prior_interviews", B, O,
       N_("Interviewed before by another organisation?")),
    _q("interview.risk_assessment_done", B, O, N_("Was a risk assessment done?")),
    _q("interview.referrals_given", MU, O, N_("Referrals given"), codes=REFERRALS),
))

CONSENT = Section("consent", N_("Informed consent"), (
    _q("consent.internal_documentation", B, X,
       N_("Consents to documentation inside the organisation"),
       help=N_("Required before the record can leave the draft state.")),
    _q("consent.anonymized_statistics", B, X,
       N_("Consents to anonymized statistics")),
    _q("consent.publication_without_identifiers", B, X,
       N_("Consents to publication of quotes without identifiers")),
    _q("consent.un_bodies", B, X, N_("Consents to sharing with UN bodies")),
    _q("consent.courts_prosecutors", B, X, N_("Consents to sharing with courts and prosecutors")),
    _q("consent.media", B, X, N_("Consents to sharing with the media")),
    _q("consent.recontact", B, X, N_("Agrees to be contacted again")),
    _q("consent.audio_recording", B, X, N_("Consents to audio recording")),
    _q("consent.photos", B, X, N_("Consents to photographs")),
    _q("consent.restrictions", LONG, X, N_("Restrictions the person asked for"), **LONGTEXT),
    _q("consent.withdrawn_on", DATE, X, N_("Consent withdrawn on"),
       help=N_("When set, the record leaves every export and transfer.")),
), description=N_("Ask for each use separately. The person may say yes to some and no to others."))

IDENTITY = Section("identity", N_("Who the person is"), (
    _q("identity.full_name", TXT, D, N_("Full name"), **TEXT),
    _q("identity.aliases", LST, D, N_("Other names used"), max_length=LIST_ITEM_MAX),
    _q("identity.birth_date", DATE, D, N_("Date of birth"), **YEAR),
    _q("identity.contacts", LST, D, N_("Phone numbers and messenger ids"),
       max_length=LIST_ITEM_MAX),
    _q("identity.documents", LST, D, N_("Passport and ID numbers"), max_length=LIST_ITEM_MAX),
    _q("identity.family_contacts", LONG, D, N_("Family members and how to reach them"),
       **LONGTEXT),
    _q("identity.hometown_detail", TXT, D, N_("Home county, town or address"), **TEXT),
    _q("identity.notes", LONG, D, N_("Other identifying notes"), **LONGTEXT),
), description=N_("Encrypted with a separate key; hidden until you choose to show it."))

PROFILE = Section("profile", N_("Profile"), (
    _q("profile.sex", CH, Q, N_("Sex"), codes=SEXES),
    _q("profile.birth_year", YR, Q, N_("Year of birth"), **YEAR,
       hierarchy=Hierarchy((YearBands(5), YearBands(10)))),
    _q("profile.home_province", CH, Q, N_("Home province in North Korea"), codes=PROVINCES,
       hierarchy=Hierarchy((Groups(MACRO_REGION, "macro_region"),))),
    _q("profile.education", CH, Q, N_("Education"), codes=EDUCATION),
    _q("profile.occupation_before", CH, Q, N_("Occupation before deployment"),
       codes=OCCUPATIONS),
))

DEPLOYMENT = Section("deployment", N_("Deployment"), (
    _q("deployment.year_departed", YR, Q, N_("Year sent to Russia"), **YEAR,
       hierarchy=Hierarchy((YearBands(3),))),
    _q("deployment.year_ended", YR, Q, N_("Year the work in Russia ended"), **YEAR,
       hierarchy=Hierarchy((YearBands(3),))),
    _q("deployment.recruitment", CH, S, N_("How the person was chosen"), codes=RECRUITMENT,
       state_known=True, hierarchy=Hierarchy((Groups(RECRUITMENT_COARSE, "recruitment_group"),))),
    _q("deployment.pre_departure_payment", MON, S,
       N_("Bribes or fees paid to be selected"), minimum=0, bands=PAYMENT_BANDS,
       state_known=True, hierarchy=Hierarchy((PAYMENT_BANDS_COARSE,))),
    _q("deployment.visa_type", CH, O, N_("Type of visa"), codes=VISAS, state_known=True,
       hierarchy=Hierarchy((Groups(VISA_COARSE, "visa_group"),))),
    _q("deployment.route", CH, O, N_("Route to Russia"), codes=ROUTES, state_known=True,
       hierarchy=Hierarchy((Groups(ROUTE_COARSE, "route_group"),))),
    _q("deployment.dispatching_entity_type", CH, O, N_("Kind of dispatching entity"),
       codes=ENTITY_TYPES, state_known=True,
       hierarchy=Hierarchy((Groups(ENTITY_COARSE, "entity_group"),))),
    _q("deployment.dispatching_entity", TXT, T, N_("Name of the dispatching company or agency"),
       **TEXT),
    _q("deployment.destination_region", CH, Q, N_("Region of Russia"),
       codes=DESTINATION_REGIONS,
       hierarchy=Hierarchy((Groups(DISTRICT_OF, "federal_district"),))),
    _q("deployment.destination_city", TXT, D, N_("City"), **TEXT),
    _q("deployment.worksite", TXT, D, N_("Work site name or address"), **TEXT),
    _q("deployment.sector", CH, Q, N_("Sector of work"), codes=SECTORS,
       hierarchy=Hierarchy((Groups(SECTOR_COARSE, "sector_group"),))),
    _q("deployment.employer_type", CH, O, N_("Kind of employer"), codes=EMPLOYER_TYPES,
       state_known=True, hierarchy=Hierarchy((Groups(EMPLOYER_COARSE, "employer_group"),))),
    _q("deployment.russian_employer", TXT, T, N_("Name of the Russian employer"), **TEXT),
    _q("deployment.team_size", INT, Q, N_("Number of workers in the team"), minimum=1,
       maximum=100_000, hierarchy=Hierarchy((TEAM_BANDS,))),
    _q("deployment.contract", CH, S, N_("Employment contract"), codes=CONTRACTS,
       state_known=True, hierarchy=Hierarchy((Groups(CONTRACT_COARSE, "contract_group"),))),
))

WORK = Section("work", N_("Working time and conditions"), (
    _q("work.hours_per_day", NUM, S, N_("Working hours per day"), minimum=0, maximum=24,
       l_diverse=True, bands=HOURS_BANDS),
    _q("work.days_per_week", INT, S, N_("Working days per week"), minimum=0, maximum=7),
    _q("work.rest_days_per_month", INT, S, N_("Rest days per month"), minimum=0, maximum=31),
    _q("work.quota_system", B, S, N_("Was there a work quota?")),
    _q("work.punished_for_missed_quota", B, S, N_("Punished for missing the quota?")),
    _q("work.night_work", B, S, N_("Night work?")),
    _q("work.hazardous", B, S, N_("Hazardous work?")),
    _q("work.safety_equipment", B, S, N_("Was safety equipment provided?")),
    _q("work.injured_at_work", B, S, N_("Injured at work?")),
))

WAGES = Section("wages", N_("Wages and the state's share"), (
    _q("wages.promised_monthly", MON, S, N_("Wage promised per month"), minimum=0,
       bands=PAY_BANDS, state_known=True, hierarchy=Hierarchy((PAY_BANDS_COARSE,))),
    _q("wages.gross_monthly", MON, S, N_("Wage the employer paid per month"), minimum=0,
       bands=PAY_BANDS, state_known=True, hierarchy=Hierarchy((PAY_BANDS_COARSE,)),
       help=N_("What the employer paid for the worker, if known.")),
    _q("wages.received_monthly", MON, S, N_("Wage the worker kept per month"), minimum=0,
       l_diverse=True, bands=WAGE_BANDS),
    _q("wages.state_quota_monthly", MON, S, N_("Taken for the state per month"), minimum=0,
       bands=PAY_BANDS, state_known=True, hierarchy=Hierarchy((PAY_BANDS_COARSE,)),
       help=N_("The \"loyalty fee\" or plan quota (충성자금, 계획분).")),
    _q("wages.state_share_percent", NUM, S, N_("Share of the wage taken by the state (%)"),
       minimum=0, maximum=100, l_diverse=True, bands=PERCENT_BANDS, derived=True,
       state_known=True,  # K and S*: its bands or * (l computed over the other QIs)
       help=N_("Computed when the gross wage and the state's quota are known.")),
    _q("wages.paid_when", CH, S, N_("When wages were paid"), codes=PAID_WHEN,
       state_known=True, hierarchy=Hierarchy((Groups(PAID_WHEN_COARSE, "paid_when_group"),))),
    _q("wages.paid_to", CH, S, N_("To whom wages were paid"), codes=PAID_TO,
       state_known=True, hierarchy=Hierarchy((Groups(PAID_TO_COARSE, "paid_to_group"),))),
    _q("wages.deductions", MU, S, N_("Deductions from wages"), codes=DEDUCTIONS),
    _q("wages.debt", B, S, N_("In debt to the employer or the state?")),
    _q("wages.compared_to_other_foreign_workers", CH, S,
       N_("Pay compared with other foreign workers"), codes=COMPARED),
))

MEDICAL = Section("medical", N_("Medical care"), (
    _q("medical.illness_or_injury", B, S, N_("Illness or injury during the work?")),
    _q("medical.care_requested", B, S, N_("Asked for medical care?")),
    _q("medical.care_received", CH, S, N_("Medical care received"), codes=CARE_RECEIVED,
       l_diverse=True),
    _q("medical.sent_home_sick", B, S, N_("Sent home because of illness?")),
    _q("medical.deaths_witnessed", INT, S, N_("Deaths of workers witnessed"), minimum=0,
       maximum=10_000, bands=DEATH_BANDS),
    _q("medical.details", LONG, T, N_("Details about health and care"), **LONGTEXT),
))

ABUSE = Section("abuse", N_("Violence, threats and punishment"), (
    _q("abuse.physical", B, S, N_("Physical violence?"), l_diverse=True),
    _q("abuse.perpetrators", MU, S, N_("Who committed it"), codes=PERPETRATORS),
    _q("abuse.frequency", CH, S, N_("How often"), codes=FREQUENCIES),
    _q("abuse.sexual", B, S, N_("Sexual violence?"), restricted=True,
       help=N_("Shown only to case managers; exported only within counts large enough to "
               "protect anonymity.")),
    _q("abuse.threats", MU, S, N_("Threats made"), codes=THREATS),
    _q("abuse.punishments", MU, S, N_("Punishments"), codes=PUNISHMENTS),
    _q("abuse.details", LONG, T, N_("Details of violence and threats"), **LONGTEXT),
))

SURVEILLANCE = Section("surveillance", N_("Surveillance and movement"), (
    _q("surveillance.security_officials_present", B, S,
       N_("State security officials at the site?"), near_universal=True),
    _q("surveillance.self_criticism_sessions", CH, S, N_("Self-criticism sessions"),
       codes=SESSIONS),
    _q("surveillance.passport_holder", CH, S, N_("Who held the passport"),
       codes=PASSPORT_HOLDERS, l_diverse=True,
       state_known=True),  # K and S*: raw or ``*`` (l is computed over the other QIs)
    _q("surveillance.off_site_movement", CH, S, N_("Leaving the site"), codes=MOVEMENT),
    _q("surveillance.curfew", B, S, N_("Curfew?")),
    _q("surveillance.locked_quarters", B, S, N_("Locked in the living quarters?")),
    _q("surveillance.phone_allowed", B, S, N_("Allowed a phone?")),
    _q("surveillance.foreign_media_access", B, S, N_("Access to foreign media?")),
    _q("surveillance.contact_with_locals", B, S, N_("Had contact with local people?")),
    _q("surveillance.contact_with_family", CH, S, N_("Contact with family at home"),
       codes=FAMILY_CONTACT),
    _q("surveillance.informants", B, S, N_("Informants among the workers?")),
))

LIVING = Section("living", N_("Housing"), (
    _q("living.housing_type", CH, S, N_("Kind of housing"), codes=HOUSING),
    _q("living.persons_per_room", INT, S, N_("People per room"), minimum=1, maximum=1000,
       bands=ROOM_BANDS),
    _q("living.sanitation", CH, S, N_("Sanitation"), codes=SANITATION),
    _q("living.heating", CH, S, N_("Heating"), codes=HEATING),
    _q("living.food", CH, S, N_("Food"), codes=FOOD),
))

VULNERABILITY = Section("vulnerability", N_("Vulnerability"), (
    _q("vulnerability.family_in_dprk", B, S, N_("Family still in North Korea?")),
    _q("vulnerability.party_member", B, S, N_("Was a member of the Workers' Party?")),
    _q("vulnerability.military_service", B, S, N_("Served in the military?")),
    _q("vulnerability.prior_deployment_abroad", B, S, N_("Worked abroad before?")),
))

ESCAPE = Section("escape", N_("Escape"), (
    _q("escape.year", YR, Q, N_("Year of escape"), **YEAR,
       hierarchy=Hierarchy((YearBands(3),))),
    _q("escape.methods", MU, S, N_("How the escape was made"), codes=ESCAPE_METHODS),
    _q("escape.transit_countries", MU, Q, N_("Countries passed through"), codes=TRANSIT,
       drop_unless_k=True),
    _q("escape.current_country", CH, Q, N_("Country where the person lives now"),
       codes=CURRENT_COUNTRIES,
       hierarchy=Hierarchy((Groups({"KR": "KR", "RU": "other", "CN": "other",
                                    "other": "other", "undisclosed": "other"},
                                   "kr_or_other"),))),
    _q("escape.crackdown_experienced", B, S, N_("Experienced a crackdown on escapees?")),
    _q("escape.details", LONG, T, N_("Details of the escape"), **LONGTEXT),
))

NARRATIVE = Section("narrative", N_("Narrative"), (
    _q("narrative.summary", LONG, T, N_("Summary of the testimony"), **LONGTEXT),
    _q("narrative.quotes", LONG, T, N_("Quotes in the person's own words"), **LONGTEXT),
))

REVIEW = Section("review", N_("Review"), (
    _q("review.reliability", CH, O, N_("Reliability of the testimony"), codes=RELIABILITY),
    _q("review.notes", LONG, X, N_("Review notes"), **LONGTEXT),
    _q("review.follow_up", LONG, X, N_("Follow-up actions"), **LONGTEXT),
), reviewers_only=True)

QUESTIONNAIRE = Questionnaire(
    version=1,
    sections=(INTERVIEW, CONSENT, IDENTITY, PROFILE, DEPLOYMENT, WORK, WAGES, MEDICAL, ABUSE,
              SURVEILLANCE, LIVING, VULNERABILITY, ESCAPE, NARRATIVE, REVIEW),
)
