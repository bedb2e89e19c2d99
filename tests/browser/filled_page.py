"""A page with every patient section filled, for tests/browser/test_patient_sections.py: the demo
pages' texts for these sections are written elsewhere, and these tests must not wait for them.

Its texts are placeholders of realistic length (4–6 questions, 3–4 medicines), not medical
statements; its seven official codes make the visit sheet's code table as long as the LEMS page's.
The conftest makes it with `manage.py shell -c "from tests.browser.filled_page import create; create()"`."""

SLUG = "placeholder-patient-sections"
QUESTIONS = "\n".join(
    f"- Placeholder question {n} of a realistic length: what does this mean for me, and what happens next?"
    for n in range(1, 7)
)
MEDICINES = "\n".join(
    f"- Placeholder medicine group {n}, written as an editor would: what it is, when it might be given "
    "(for example in hospital or at the dentist), and why to mention the condition first."
    for n in range(1, 5)
)
URGENT = (
    "Placeholder introduction to the signs below.\n\n"
    "- Placeholder sign one, described in plain words, that means getting help straight away.\n"
    "- Placeholder sign two, described in plain words, that means calling an ambulance.\n"
    "- What to tell the team when they arrive: the name of the condition and the medicines you take."
)
ORGANISATIONS = (
    "Example Patient Group for People Living with a Long-Named Condition | United Kingdom | "
    "https://www.example.org/support/for-patients-and-families/\n"
    "Another Example Foundation | United States | https://example.com/"
)
CODES = [
    ("icd-10-cm", "G72.41", "primary"), ("icd-10-cm", "G72.49", "alternative"), ("icd-10-cm", "G72.9", "alternative"),
    ("icd-10-cm", "M33.20", "alternative"), ("icd-9-cm", "359.71", "primary"), ("icd-9-cm", "359.79", "alternative"),
    ("icd-9-cm", "359.9", "alternative"),
]  # fmt: skip


def create():
    from conditions import derived
    from conditions.models import Condition, ConditionCode, Origin, Status

    with derived.refreshing():
        condition = Condition(
            name="Placeholder condition with every patient section", slug=SLUG, acronym="PCPS",
            status=Status.PUBLISHED, origin=Origin.DEMO,
            summary="A placeholder short answer of two plain sentences. It stands in for what the condition is.",
            symptoms="Placeholder symptoms.", treatment="Placeholder treatment.", living_with="Placeholder.",
            urgent_help=URGENT, medicines_to_mention=MEDICINES, questions_to_ask=QUESTIONS,
            patient_organisations=ORGANISATIONS,
        )  # fmt: skip
        condition.full_clean()
        condition.save()
        for system, value, role in CODES:
            code = ConditionCode(condition=condition, system=system, value=value, role=role, fit="broader")
            code.full_clean()
            code.save()
