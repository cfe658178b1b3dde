"""Timestamps: always zone-aware UTC (SQLModel stores them as UTC on every database)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """A timestamp with its UTC zone attached, for rows built before they were stored."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
