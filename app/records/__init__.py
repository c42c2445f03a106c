"""Professional records: types, submissions, versions, reviews, dashboards."""
