-- 001_core.sql - the broker's own tables.
--
-- Every table that holds per-customer work carries `partition` so that, when
-- plugins are scaled out, each process serves a subset of partitions with
-- queries that touch only its own rows. Tenant is part of every natural key.

-- Accepted events: the durable log. (tenant, id) is the idempotency key.
-- pos is assigned under the ingest_head row lock inside the committing
-- transaction, so positions become visible in increasing order: a reader of
-- "pos > last" never skips a row that commits late.
CREATE TABLE events (
    tenant      text        NOT NULL,
    id          text        NOT NULL,
    pos         bigint      NOT NULL,
    partition   integer     NOT NULL,
    type        text        NOT NULL,
    ts_ms       bigint      NOT NULL,
    customer    text,
    org         text,
    data        bytea       NOT NULL,   -- the event's data map, msgpack
    accepted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, id)
);
CREATE UNIQUE INDEX events_partition_pos ON events (partition, pos);

-- Single-row counter: last position handed out, and the highest event time
-- accepted (the engine clock in event-time mode).
CREATE TABLE ingest_head (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    pos         bigint  NOT NULL,
    max_ts_ms   bigint
);
INSERT INTO ingest_head (pos, max_ts_ms) VALUES (0, NULL);

-- Per plugin, per partition: the last event position whose effects are
-- committed. Updated in the same transaction as those effects.
CREATE TABLE plugin_progress (
    plugin      text        NOT NULL,
    partition   integer     NOT NULL,
    pos         bigint      NOT NULL DEFAULT 0,
    epoch       bigint      NOT NULL DEFAULT 0,   -- lease epoch, for scale-out fencing
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (plugin, partition)
);

-- Durable timers. (plugin, tenant, key) is unique: setting a key again
-- replaces it. A timer row is deleted in the transaction that handles it.
CREATE TABLE timers (
    plugin      text    NOT NULL,
    tenant      text    NOT NULL,
    key         text    NOT NULL,
    partition   integer NOT NULL,
    due_ms      bigint  NOT NULL,
    customer    text,
    org         text,
    payload     bytea   NOT NULL DEFAULT ''::bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (plugin, tenant, key)
);
CREATE INDEX timers_due ON timers (plugin, partition, due_ms);

-- Derived events. seq is gapless from 1 per deployment and assigned under the
-- outbox_head row lock inside the producing transaction, so it follows commit
-- order. frame is the exact msgpack map published on the PUB socket.
CREATE TABLE outbox (
    seq         bigint      PRIMARY KEY,
    type        text        NOT NULL,
    tenant      text        NOT NULL,
    customer    text,
    org         text,
    cause       text,
    plugin      text        NOT NULL,
    ts_ms       bigint      NOT NULL,
    frame       bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_tenant_type ON outbox (tenant, type, seq);

CREATE TABLE outbox_head (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    seq         bigint  NOT NULL
);
INSERT INTO outbox_head (seq) VALUES (0);

-- Events (or timers) a plugin failed on max_tries times. status:
--   dead      waiting for an operator
--   retry     an operator asked for a retry (rapportctl dead-letters retry)
--   retried   the retry succeeded
CREATE TABLE dead_letters (
    dl_id       bigserial   PRIMARY KEY,
    plugin      text        NOT NULL,
    partition   integer     NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('event', 'timer')),
    tenant      text        NOT NULL,
    event_id    text,               -- kind = event
    event_pos   bigint,
    timer_key   text,               -- kind = timer
    timer_due_ms bigint,
    timer_customer text,
    timer_org   text,
    timer_payload bytea,
    error       text        NOT NULL,
    tries       integer     NOT NULL,
    status      text        NOT NULL DEFAULT 'dead' CHECK (status IN ('dead', 'retry', 'retried')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dead_letters_plugin_status ON dead_letters (plugin, status, partition);
