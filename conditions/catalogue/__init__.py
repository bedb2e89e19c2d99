"""Condition pages built from open data: the Orphanet catalogue (importer), the HPO annotations
it reads (hpo) and the demo pages for a fresh machine (demo)."""
