-- console-service's store (docs/adr/0008-console-store-in-a-database.md). SQL both PostgreSQL and H2 (in its
-- PostgreSQL mode) speak. Times are epoch milliseconds.

-- One row: this store's id, made when the schema is. The consumer group is named after it, so a new (or wiped) store
-- reads the topics from the beginning, and replicas sharing one store share the partitions.
CREATE TABLE store_identity (
    one SMALLINT DEFAULT 1 PRIMARY KEY CHECK (one = 1), -- a single row: replicas starting together agree on it
    id VARCHAR(64) NOT NULL,
    created_at BIGINT NOT NULL
);

-- The next offset to read of every partition written, updated in the transaction that wrote its records, never lowered:
-- a record below it was written already and is skipped.
CREATE TABLE topic_offsets (
    topic VARCHAR(249) NOT NULL,
    part INT NOT NULL,
    next_offset BIGINT NOT NULL,
    PRIMARY KEY (topic, part)
);

-- One row per finding, updated when detect-service publishes it again (a larger count, the same findingId).
CREATE TABLE findings (
    finding_id VARCHAR(128) PRIMARY KEY,
    rule_id VARCHAR(256) NOT NULL,
    title VARCHAR(1024) NOT NULL,
    severity VARCHAR(16) NOT NULL,
    severity_rank INT NOT NULL,
    category VARCHAR(256),
    account_id VARCHAR(64),
    region VARCHAR(64),
    principal VARCHAR(2048),
    source_ip VARCHAR(256),
    event_source VARCHAR(256),
    event_name VARCHAR(256),
    event_time BIGINT NOT NULL,
    event_count INT NOT NULL,
    outcome VARCHAR(32),
    search_text VARCHAR(8000) NOT NULL,
    first_seen BIGINT NOT NULL, -- when the console first wrote it (its clock)
    last_seen BIGINT NOT NULL,  -- when it last wrote it: what live updates watch
    body TEXT NOT NULL
);
CREATE INDEX findings_by_time ON findings (event_time, finding_id);
CREATE INDEX findings_by_rule ON findings (rule_id, event_time);
CREATE INDEX findings_by_account ON findings (account_id, event_time);
CREATE INDEX findings_by_severity ON findings (severity_rank, event_time);
CREATE INDEX findings_by_last_seen ON findings (last_seen);

-- Every record of trailwatch.deliveries.v1: one per attempt that will be retried, one per outcome.
CREATE TABLE deliveries (
    part INT NOT NULL,
    record_offset BIGINT NOT NULL,
    finding_id VARCHAR(128) NOT NULL,
    destination VARCHAR(256),
    destination_type VARCHAR(32),
    route VARCHAR(256),
    status VARCHAR(32) NOT NULL,
    attempts INT NOT NULL,
    latency_ms BIGINT NOT NULL,
    http_status INT,
    detail VARCHAR(2048),
    grouped_count INT,
    at BIGINT NOT NULL,
    PRIMARY KEY (part, record_offset)
);
CREATE INDEX deliveries_by_finding ON deliveries (finding_id, at);
CREATE INDEX deliveries_by_time ON deliveries (at);

-- Every record of trailwatch.remediations.v1.
CREATE TABLE remediations (
    part INT NOT NULL,
    record_offset BIGINT NOT NULL,
    finding_id VARCHAR(128) NOT NULL,
    remediation VARCHAR(256),
    function_name VARCHAR(512),
    invocation_type VARCHAR(32),
    outcome VARCHAR(32) NOT NULL,
    reason VARCHAR(2048),
    status_code INT,
    function_error VARCHAR(64),
    attempts INT NOT NULL,
    latency_ms BIGINT NOT NULL,
    at BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (part, record_offset)
);
CREATE INDEX remediations_by_finding ON remediations (finding_id, at);
CREATE INDEX remediations_by_time ON remediations (at);

-- Every record of trailwatch.integrity.v1: one per digest file validated.
CREATE TABLE integrity (
    part INT NOT NULL,
    record_offset BIGINT NOT NULL,
    chain VARCHAR(512) NOT NULL,
    account_id VARCHAR(64),
    region VARCHAR(64),
    trail_name VARCHAR(256),
    digest_bucket VARCHAR(256),
    digest_key VARCHAR(1024),
    digest_end_time BIGINT,
    status VARCHAR(16) NOT NULL,
    problems INT NOT NULL,
    not_checked INT NOT NULL,
    log_files INT NOT NULL,
    log_files_verified INT NOT NULL,
    checked_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (part, record_offset)
);
CREATE INDEX integrity_by_chain ON integrity (chain, checked_at);
CREATE INDEX integrity_by_time ON integrity (checked_at);
