"""Several instances behind HAProxy on one PostgreSQL and one Redis: real processes, real Chromium."""
