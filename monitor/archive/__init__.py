"""The archive: its schema, the store stage that writes it, and what reads it back.

Stories, review, evidence, the change watch, source health and the alert queue.
"""
