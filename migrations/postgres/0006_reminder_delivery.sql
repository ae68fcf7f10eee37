-- Delivery of queued reminders (see `reminders`). A row moves
-- queued -> sending (claimed by one sender until lease_until) -> sent, or
-- back to queued to be retried at next_attempt_at, or failed after the
-- last attempt. Every attempt is recorded in reminder_attempts.
-- Same text for both engines.
ALTER TABLE reminder_outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'queued';
ALTER TABLE reminder_outbox ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reminder_outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE reminder_outbox ADD COLUMN lease_until BIGINT;
ALTER TABLE reminder_outbox ADD COLUMN last_error TEXT;
UPDATE reminder_outbox SET status = 'sent' WHERE sent_at IS NOT NULL;
CREATE INDEX reminder_outbox_due ON reminder_outbox (status, next_attempt_at);

CREATE TABLE reminder_attempts (
    id             TEXT PRIMARY KEY,
    reminder_id    TEXT NOT NULL REFERENCES reminder_outbox (id),
    attempt        BIGINT NOT NULL,
    sender         TEXT NOT NULL,
    started_at_ms  BIGINT NOT NULL,
    finished_at_ms BIGINT NOT NULL,
    outcome        TEXT NOT NULL,
    http_status    BIGINT,
    error          TEXT
);
CREATE INDEX reminder_attempts_by_reminder ON reminder_attempts (reminder_id);
