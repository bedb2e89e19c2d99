"""The official code sets (ICD-10-CM, ICD-9-CM and the GEMs crosswalk) and how a code is written.

The models (Code, CodeMapping, ConditionCode) stay in conditions/models.py. Imports run one way,
from the top of this list down:
- views.py, urls.py: the code pages, and the admin's code suggestions (mounted by ConditionAdmin)
- reads.py: what the code pages, code search and the sitemap read
- audit.py: the rules a condition's codes are checked against (audit_codes and the admin dashboard)
- loader.py: loads the releases into the database (load_codesets)
- lookup.py: Code.objects lookups of one code: is it in the release, which real codes are nearest
- notes.py: which ICD-10-CM notes apply to a code and what each asks, in plain words; pure
- release.py: which releases, read from which PyPI packages
- format.py: how a code is written (labels, normalise, candidates); pure, imports nothing of Django
"""
