"""Closed vocabularies of the scenario contract and the shipped interest taxonomy.

Interests are free tags; the taxonomy maps common tags to the activity categories
of the thesis (everyday, social, creative, volunteering, work, education, outdoor,
physical) so that `fishing` and `hiking` overlap at category level.
"""

from __future__ import annotations

SUBSTANCES = ("alcohol", "cannabis", "opioids", "stimulants", "benzodiazepines", "other")
GOALS = (
    "work",
    "education",
    "housing",
    "finances",
    "public_services",
    "social_network",
    "activities",
    "family",
    "health",
    "drug_free",
)
AVAILABILITY = ("daytime", "evenings", "weekends")
PRIORITY_TAGS = ("young", "in_treatment", "after_prison", "urgent")
GENDERS = ("female", "male", "other")
CATEGORIES = (
    "everyday",
    "social",
    "creative",
    "volunteering",
    "work",
    "education",
    "outdoor",
    "physical",
)

#: Closed vocabularies by the name used under the scenario's `vocabulary:` key.
#: `goals` and `strengths` share one list so that they can be compared.
CLOSED: dict[str, tuple[str, ...]] = {
    "substances": SUBSTANCES,
    "goals": GOALS,
    "strengths": GOALS,
    "availability": AVAILABILITY,
    "priority": PRIORITY_TAGS,
}

_TAXONOMY_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "everyday": (
        "home",
        "routines",
        "cooking",
        "baking",
        "gardening",
        "shopping",
        "cleaning",
        "pets",
        "dogs",
        "cats",
        "reading",
        "tv",
        "films",
        "movies",
        "series",
    ),
    "social": (
        "cafes",
        "cafe",
        "coffee",
        "meeting_places",
        "peer_groups",
        "self_help_groups",
        "na",
        "aa",
        "church",
        "friends",
        "board_games",
        "card_games",
        "gaming",
        "quiz",
    ),
    "creative": (
        "music",
        "guitar",
        "piano",
        "drums",
        "singing",
        "choir",
        "band",
        "woodwork",
        "carpentry",
        "knitting",
        "crochet",
        "sewing",
        "painting",
        "drawing",
        "art",
        "photography",
        "writing",
        "poetry",
        "crafts",
        "theatre",
        "dancing",
    ),
    "volunteering": (
        "volunteering",
        "associations",
        "charity",
        "red_cross",
        "sports_club",
        "organisations",
        "activism",
    ),
    "work": ("work", "work_practice", "paid_work", "job", "jobs", "internship"),
    "education": ("education", "courses", "school", "studies", "languages", "study"),
    "outdoor": (
        "hiking",
        "fishing",
        "hunting",
        "trips",
        "skiing",
        "camping",
        "boating",
        "sailing",
        "climbing",
        "walking",
        "nature",
        "mountains",
        "berry_picking",
        "kayaking",
        "trekking",
    ),
    "physical": (
        "gym",
        "swimming",
        "football",
        "golf",
        "bowling",
        "running",
        "cycling",
        "training",
        "yoga",
        "boxing",
        "martial_arts",
        "handball",
        "basketball",
        "padel",
        "tennis",
        "table_tennis",
        "crossfit",
        "motorsport",
    ),
}

#: Interest tag -> activity category.
TAXONOMY: dict[str, str] = {
    tag: category for category, tags in _TAXONOMY_BY_CATEGORY.items() for tag in tags
}
