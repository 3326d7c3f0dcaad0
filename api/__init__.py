"""The read-only JSON API at /api/v1/: open data for anyone, only ever the published version of a figure."""
