"""ITA/OIT evidence: the indicator lists as data, which published items carry each indicator in a
fiscal year, the readiness that follows, its weekly reminder and export; and the public's verdict
on each item (helpful or not), which the office reads and the digest counts."""
