"""The staff roles and exactly what each may do (least privilege). `setup_roles` makes the groups
match this table; the admin shows each person only what their permissions allow."""

EDITOR = "Editor"
REVIEWER = "Medical reviewer"
MODERATOR = "Moderator"

_CONTENT = ["synonym", "conditioncode", "reference"]

ROLES = {
    # Writes and edits pages, codes and sources; cannot sign reviews, delete pages or manage people.
    EDITOR: [
        "conditions.add_condition", "conditions.change_condition", "conditions.view_condition",
        *(f"conditions.{action}_{model}" for model in _CONTENT for action in ("add", "change", "delete", "view")),
        "conditions.view_code", "conditions.view_review",
        "conditions.view_sitetext", "conditions.change_sitetext",
    ],
    # Reads pages and signs them off; cannot change their text.
    REVIEWER: [
        "conditions.view_condition", "conditions.sign_off_condition", "conditions.unpublish_condition",
        *(f"conditions.view_{model}" for model in _CONTENT),
        "conditions.view_code", "conditions.view_review",
    ],
    # Handles members' stories and reports; no access to condition pages.
    MODERATOR: [
        "community.view_story", "community.change_story",
        "community.view_storyreport", "community.change_storyreport",
    ],
}  # fmt: skip
