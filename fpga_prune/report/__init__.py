"""Reports: JSON, Markdown and self-contained HTML of a run and of a sweep.

Owns ``run`` (one run's report), ``sections`` (its sections, one per file
the steps wrote) and ``sweep`` (the comparison across sweep points).
Reports are derived from the artifacts the steps wrote; they change nothing.
"""
