"""Survey services, one module per area: projects (and questionnaires), frames (imports),
privacy (revealing and purging personal data), sampling (draws), calls (CATI) and results.
Every write runs in a transaction and is audited."""
