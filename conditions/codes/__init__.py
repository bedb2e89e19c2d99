"""The official code sets (ICD-10-CM, ICD-9-CM and the GEMs crosswalk) and how a code is written."""
