"""Alerts: deliver what the archive's alert queue holds by email, Slack or files, once per channel."""

from .dispatch import Backoff, DispatchReport, send_pending, send_test

__all__ = ["Backoff", "DispatchReport", "send_pending", "send_test"]
