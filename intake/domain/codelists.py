"""The code lists of the questionnaire and the bands numbers are exported in."""

from __future__ import annotations

from intake.domain.questionnaire import Ranges, codes
from intake.i18n import N_

# -- code lists ---------------------------------------------------------------------------
COUNTRIES_INTERVIEW = codes(
    ("KR", N_("South Korea")), ("CN", N_("China")), ("RU", N_("Russia")),
    ("TH", N_("Thailand")), ("MN", N_("Mongolia")), ("other", N_("Other")))
LANGUAGES = codes(("ko", N_("Korean")), ("en", N_("English")), ("ru", N_("Russian")),
                  ("other", N_("Other")))
SOURCE_TYPES = codes(("victim", N_("Victim (first-hand)")), ("witness", N_("Witness")),
                     ("relayed", N_("Relayed (heard from others)")))
REFERRALS = codes(("medical", N_("Medical care")), ("psychosocial", N_("Psychosocial support")),
                  ("legal", N_("Legal aid")), ("resettlement", N_("Resettlement")),
                  ("none", N_("None")))
SEXES = codes(("female", N_("Female")), ("male", N_("Male")), ("other", N_("Other")))
PROVINCES = codes(
    ("pyongyang", N_("Pyongyang")), ("rason", N_("Rason")), ("nampo", N_("Nampo")),
    ("kaesong", N_("Kaesong")), ("south_pyongan", N_("South Pyongan")),
    ("north_pyongan", N_("North Pyongan")), ("chagang", N_("Chagang")),
    ("south_hwanghae", N_("South Hwanghae")), ("north_hwanghae", N_("North Hwanghae")),
    ("kangwon", N_("Kangwon")), ("south_hamgyong", N_("South Hamgyong")),
    ("north_hamgyong", N_("North Hamgyong")), ("ryanggang", N_("Ryanggang")))
MACRO_REGION = {
    **{p: "northeast" for p in ("north_hamgyong", "south_hamgyong", "ryanggang", "rason")},
    **{p: "northwest" for p in ("north_pyongan", "south_pyongan", "chagang")},
    **{p: "centre_south" for p in ("pyongyang", "nampo", "kaesong", "south_hwanghae",
                                   "north_hwanghae", "kangwon")},
}
MACRO_REGIONS = codes(("northeast", N_("Northeast")), ("northwest", N_("Northwest")),
                      ("centre_south", N_("Centre and south")))
EDUCATION = codes(("primary", N_("Primary school")), ("secondary", N_("Secondary school")),
                  ("college", N_("College (specialised school)")), ("university", N_("University")))
OCCUPATIONS = codes(
    ("factory_worker", N_("Factory worker")), ("farmer", N_("Farmer")),
    ("soldier", N_("Soldier")), ("construction", N_("Construction worker")),
    ("office", N_("Office worker")), ("other", N_("Other")))
RECRUITMENT = codes(
    ("state_assigned", N_("Assigned by the state")),
    ("applied_selected", N_("Applied and was selected")),
    ("bribe_paid", N_("Paid a bribe to be selected")), ("other", N_("Other")))
VISAS = codes(("work", N_("Work")), ("student", N_("Student")), ("trainee", N_("Trainee")),
              ("visitor", N_("Visitor")), ("none", N_("None")), ("other", N_("Other")))
ROUTES = codes(("flight", N_("By air")), ("rail", N_("By rail")),
               ("via_china", N_("Through China")), ("sea", N_("By sea")), ("other", N_("Other")))
ENTITY_TYPES = codes(
    ("ministry", N_("Ministry")), ("military", N_("Military")),
    ("trading_company", N_("Trading company")),
    ("construction_corp", N_("Construction corporation")), ("other", N_("Other")))
SECTORS = codes(
    ("construction", N_("Construction")), ("logging", N_("Logging")),
    ("agriculture", N_("Agriculture")), ("fishing_seafood", N_("Fishing and seafood")),
    ("textile_garment", N_("Textiles and garments")), ("shipbuilding", N_("Shipbuilding")),
    ("mining", N_("Mining")), ("it_services", N_("IT services")),
    ("restaurant_services", N_("Restaurants and services")), ("medical", N_("Medical")),
    ("other", N_("Other")))
SECTOR_COARSE = {
    "construction": "construction_industry", "shipbuilding": "construction_industry",
    "mining": "primary_sector", "logging": "primary_sector", "agriculture": "primary_sector",
    "fishing_seafood": "primary_sector", "textile_garment": "construction_industry",
    "it_services": "services", "restaurant_services": "services", "medical": "services",
    "other": "other",
}
SECTOR_GROUPS = codes(
    ("construction_industry", N_("Construction and industry")),
    ("primary_sector", N_("Primary sector")), ("services", N_("Services")),
    ("other", N_("Other")))
EMPLOYER_TYPES = codes(
    ("russian_company", N_("Russian company")), ("dprk_company", N_("North Korean company")),
    ("subcontractor", N_("Subcontractor")), ("other", N_("Other")))
CONTRACTS = codes(
    ("never_seen", N_("Never saw a contract")), ("shown_not_given", N_("Shown, not given")),
    ("signed_no_copy", N_("Signed, no copy kept")), ("copy_kept", N_("Kept a copy")))
PAID_WHEN = codes(("monthly", N_("Monthly")), ("on_return", N_("Only on return home")),
                  ("irregular", N_("Irregularly")), ("never", N_("Never paid")))
PAID_TO = codes(
    ("self", N_("The worker")), ("team_leader", N_("The team leader")),
    ("company_representative", N_("The company representative")),
    ("security_official", N_("A security official")))
DEDUCTIONS = codes(
    ("food", N_("Food")), ("housing", N_("Housing")), ("travel", N_("Travel")),
    ("party_contribution", N_("Party contribution")), ("fines", N_("Fines")),
    ("gifts_to_officials", N_("Gifts to officials")), ("other", N_("Other")))
COMPARED = codes(("much_less", N_("Much less")), ("less", N_("Less")), ("same", N_("The same")),
                 ("more", N_("More")))
CARE_RECEIVED = codes(
    ("none_provided", N_("None provided")), ("denied", N_("Denied")),
    ("limited", N_("Limited")), ("adequate", N_("Adequate")))
PERPETRATORS = codes(
    ("team_leader", N_("Team leader")), ("security_official", N_("Security official")),
    ("company_representative", N_("Company representative")),
    ("russian_employer", N_("Russian employer")), ("coworker", N_("Co-worker")),
    ("other", N_("Other")))
FREQUENCIES = codes(("once", N_("Once")), ("occasional", N_("Occasionally")),
                    ("frequent", N_("Frequently")))
THREATS = codes(
    ("repatriation", N_("Sending home")), ("harm_to_family", N_("Harm to family")),
    ("labour_camp", N_("Labour camp")), ("wage_confiscation", N_("Taking wages")),
    ("violence", N_("Violence")))
PUNISHMENTS = codes(
    ("beating", N_("Beating")), ("food_deprivation", N_("Food withheld")),
    ("confinement", N_("Confinement")), ("fines", N_("Fines")),
    ("extra_work", N_("Extra work")), ("public_criticism", N_("Public criticism")))
SESSIONS = codes(("none", N_("None")), ("monthly", N_("Monthly")), ("weekly", N_("Weekly")),
                 ("daily", N_("Daily")))
PASSPORT_HOLDERS = codes(
    ("self", N_("The worker")), ("company_representative", N_("The company representative")),
    ("security_official", N_("A security official")), ("employer", N_("The employer")))
MOVEMENT = codes(("free", N_("Free")), ("group_only", N_("Only in a group")),
                 ("escorted", N_("Only escorted")), ("never", N_("Never allowed out")))
FAMILY_CONTACT = codes(
    ("none", N_("None")), ("censored_letters", N_("Censored letters")),
    ("occasional", N_("Occasional")), ("regular", N_("Regular")))
HOUSING = codes(("container", N_("Shipping container")), ("dormitory", N_("Dormitory")),
                ("worksite", N_("At the work site")), ("apartment", N_("Apartment")),
                ("other", N_("Other")))
SANITATION = codes(("adequate", N_("Adequate")), ("poor", N_("Poor")), ("none", N_("None")))
HEATING = codes(("adequate", N_("Adequate")), ("inadequate", N_("Inadequate")))
FOOD = codes(("adequate", N_("Adequate")), ("insufficient", N_("Insufficient")),
             ("severely_insufficient", N_("Severely insufficient")))
ESCAPE_METHODS = codes(
    ("pooled_money", N_("Pooled money")), ("smartphone_messaging", N_("Smartphone messaging")),
    ("broker", N_("A broker")), ("ngo_assistance", N_("Help from an NGO")),
    ("religious_group", N_("A religious group")), ("consulate", N_("A consulate")),
    ("alone", N_("Alone")), ("other", N_("Other")))
TRANSIT = codes(("CN", N_("China")), ("MN", N_("Mongolia")), ("TH", N_("Thailand")),
                ("LA", N_("Laos")), ("VN", N_("Vietnam")), ("other", N_("Other")))
CURRENT_COUNTRIES = codes(
    ("KR", N_("South Korea")), ("RU", N_("Russia")), ("CN", N_("China")),
    ("other", N_("Other")), ("undisclosed", N_("Not disclosed")))
STATUSES = codes(
    ("draft", N_("Draft")), ("submitted", N_("Submitted")), ("in_review", N_("In review")),
    ("verified", N_("Verified")), ("needs_follow_up", N_("Needs follow-up")))
RELIABILITY = codes(
    ("highly_reliable", N_("Highly reliable")), ("reliable", N_("Reliable")),
    ("fairly_reliable", N_("Fairly reliable")), ("unreliable", N_("Unreliable")),
    ("unknown", N_("Unknown")))

# -- export bands -------------------------------------------------------------------------
HOURS_BANDS = Ranges(((0, 8, "<=8"), (8.01, 10, "9-10"), (10.01, 12, "11-12"),
                      (12.01, 14, "13-14"), (14.01, None, "15+")))
ROOM_BANDS = Ranges(((1, 3, "1-3"), (4, 6, "4-6"), (7, 10, "7-10"), (11, None, "11+")))
DEATH_BANDS = Ranges(((0, 0, "0"), (1, 1, "1"), (2, None, "2+")))
TEAM_BANDS = Ranges(((1, 9, "1-9"), (10, 49, "10-49"), (50, 199, "50-199"), (200, None, "200+")))
PERCENT_BANDS = Ranges(((0, 24.999, "0-24"), (25, 49.999, "25-49"), (50, 74.999, "50-74"),
                        (75, 100, "75-100")))
#: received wages in USD equivalent per month (converted at export)
WAGE_BANDS = Ranges(((0, 0, "0"), (0.01, 99.99, "1-99"), (100, 299.99, "100-299"),
                     (300, 599.99, "300-599"), (600, None, "600+")))
#: other monthly amounts (promised, paid by the employer, taken for the state), in USD
#: equivalent: banded too, since an exact amount is close to unique and the state keeps
#: the ledgers; wider bands at the top, where these amounts lie.
PAY_BANDS = Ranges(((0, 0, "0"), (0.01, 299.99, "1-299"), (300, 599.99, "300-599"),
                    (600, 899.99, "600-899"), (900, 1199.99, "900-1199"),
                    (1200, None, "1200+")))
#: one-off payments to be selected (bribes, fees), in USD equivalent
PAYMENT_BANDS = Ranges(((0, 0, "0"), (0.01, 99.99, "1-99"), (100, 499.99, "100-499"),
                        (500, 999.99, "500-999"), (1000, None, "1000+")))

# -- what the sending state knows (flag K): hierarchies of its columns ------------------
# Each K column generalizes one step (coarse group or wide band) before ``*``. A coarse
# band is a union of the column's export bands, so the hierarchy nests. A K column that is
# also S* (passport holder, state share) is released as recorded (banded) or ``*``: its l
# is computed over the other QIs on the values the table shows.
STATE_GROUP_CODES = codes(
    ("state_assigned", N_("Assigned by the state")), ("selected", N_("Selected")),
    ("work_visa", N_("Work or trainee visa")), ("other_visa", N_("Other visa")),
    ("direct", N_("Direct")), ("indirect", N_("Indirect or other")),
    ("state_body", N_("State body")), ("company", N_("Company")),
    ("no_copy", N_("No copy kept")), ("copy_kept", N_("Copy kept")),
    ("regular", N_("Regularly")), ("not_regular", N_("Not regularly")),
    ("self", N_("The worker")), ("someone_else", N_("Someone else")),
    ("other", N_("Other")))
RECRUITMENT_COARSE = {"state_assigned": "state_assigned", "applied_selected": "selected",
                      "bribe_paid": "selected", "other": "other"}
VISA_COARSE = {"work": "work_visa", "trainee": "work_visa", "student": "other_visa",
               "visitor": "other_visa", "none": "other_visa", "other": "other_visa"}
ROUTE_COARSE = {"flight": "direct", "rail": "direct", "sea": "direct",
                "via_china": "indirect", "other": "indirect"}
ENTITY_COARSE = {"ministry": "state_body", "military": "state_body",
                 "trading_company": "company", "construction_corp": "company",
                 "other": "other"}
EMPLOYER_COARSE = {"russian_company": "direct", "dprk_company": "direct",
                   "subcontractor": "indirect", "other": "indirect"}
CONTRACT_COARSE = {"never_seen": "no_copy", "shown_not_given": "no_copy",
                   "signed_no_copy": "no_copy", "copy_kept": "copy_kept"}
PAID_WHEN_COARSE = {"monthly": "regular", "on_return": "not_regular",
                    "irregular": "not_regular", "never": "not_regular"}
PAID_TO_COARSE = {"self": "self", "team_leader": "someone_else",
                  "company_representative": "someone_else",
                  "security_official": "someone_else"}
PAY_BANDS_COARSE = Ranges(((0, 0, "0"), (0.01, 599.99, "1-599"), (600, None, "600+")))
PAYMENT_BANDS_COARSE = Ranges(((0, 0, "0"), (0.01, 499.99, "1-499"), (500, None, "500+")))
