// Versioned, append-only list: never edit a migration that has shipped; add the next one.
export type Migration = { version: number; name: string; sql: string };

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'audit_events',
    sql: `
      CREATE TABLE audit_events (
        id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at             timestamptz NOT NULL DEFAULT clock_timestamp(),
        event          text NOT NULL,
        decision       text NOT NULL,
        actor          text NOT NULL,
        team           text,
        channel        text,
        command        text,
        action         text,
        target         text,
        reason         text,
        correlation_id text NOT NULL,
        job_id         text,
        plan_hash      text,
        permalink      text,
        details        jsonb NOT NULL DEFAULT '{}'::jsonb
      );
      CREATE INDEX audit_events_at ON audit_events (at DESC);
      CREATE INDEX audit_events_actor_at ON audit_events (actor, at DESC);
      CREATE INDEX audit_events_target_at ON audit_events (target, at DESC);
      CREATE INDEX audit_events_job ON audit_events (job_id) WHERE job_id IS NOT NULL;
      CREATE INDEX audit_events_correlation ON audit_events (correlation_id);

      -- The audit log is evidence: rows are written once and never changed or removed.
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
    `,
  },
  {
    version: 2,
    name: 'approval_requests',
    sql: `
      CREATE TABLE approval_requests (
        id               text PRIMARY KEY,
        kind             text NOT NULL,
        env              text NOT NULL,
        target           text NOT NULL,
        requester        text NOT NULL,
        team             text,
        channel          text NOT NULL,
        plan             jsonb NOT NULL,
        plan_hash        text NOT NULL,
        policy           jsonb NOT NULL,
        status           text NOT NULL,
        approvals        jsonb NOT NULL DEFAULT '[]'::jsonb,
        decided_by       text,
        decided_at       timestamptz,
        reason           text,
        break_glass      text,
        freeze_name      text,
        message_channel  text,
        message_ts       text,
        mirror_channel   text,
        mirror_ts        text,
        permalink        text,
        response_url     text,
        plan_job_id      text,
        execution_job_id text,
        correlation_id   text NOT NULL,
        version          integer NOT NULL DEFAULT 0,
        created_at       timestamptz NOT NULL DEFAULT now(),
        expires_at       timestamptz NOT NULL,
        started_at       timestamptz
      );
      CREATE UNIQUE INDEX approval_requests_message ON approval_requests (message_channel, message_ts);
      CREATE UNIQUE INDEX approval_requests_mirror ON approval_requests (mirror_channel, mirror_ts);
      CREATE INDEX approval_requests_pending ON approval_requests (status, expires_at);
      CREATE INDEX approval_requests_plan_job ON approval_requests (plan_job_id);
    `,
  },
  {
    version: 3,
    name: 'backups',
    sql: `
      CREATE TABLE backups (
        id            text PRIMARY KEY,
        database      text NOT NULL,
        engine        text NOT NULL,
        env           text NOT NULL,
        status        text NOT NULL,
        requested_by  text NOT NULL,
        reason        text,
        job_id        text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        completed_at  timestamptz,
        size_bytes    bigint,
        location      text,
        manifest      jsonb,
        retain_until  timestamptz NOT NULL,
        error         text
      );
      CREATE INDEX backups_database ON backups (database, created_at DESC);
      CREATE INDEX backups_retention ON backups (retain_until) WHERE status = 'available';
    `,
  },
  {
    version: 4,
    name: 'incidents',
    sql: `
      CREATE TABLE incidents (
        id                 text PRIMARY KEY,
        delivery_key       text NOT NULL UNIQUE,
        title              text NOT NULL,
        description        text,
        severity           text NOT NULL,
        status             text NOT NULL,
        setup              text NOT NULL DEFAULT 'pending',
        commander          text,
        declared_by        text NOT NULL,
        services           text[] NOT NULL DEFAULT '{}',
        origin_channel     text,
        channel_name       text,
        channel_id         text UNIQUE,
        correlation_id     text NOT NULL,
        declared_at        timestamptz NOT NULL,
        acknowledged_at    timestamptz,
        acknowledged_by    text,
        first_resolved_at  timestamptz,
        resolved_at        timestamptz,
        resolved_by        text,
        summary            text,
        last_update_at     timestamptz NOT NULL,
        archived_at        timestamptz,
        card_ts            text,
        version            integer NOT NULL DEFAULT 0,
        card_version       integer NOT NULL DEFAULT -1,
        clock_gen          integer NOT NULL DEFAULT 0,
        steps              jsonb NOT NULL DEFAULT '{}'::jsonb,
        severity_history   jsonb NOT NULL DEFAULT '[]'::jsonb
      );
      CREATE INDEX incidents_open ON incidents (declared_at DESC) WHERE status <> 'resolved';

      -- What happened, in order: declarations, card changes, bot actions, notes, pinned messages.
      CREATE TABLE incident_timeline (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id  text NOT NULL REFERENCES incidents (id),
        at           timestamptz NOT NULL,
        kind         text NOT NULL,
        actor        text NOT NULL,
        text         text NOT NULL,
        permalink    text,
        source_ts    text
      );
      CREATE INDEX incident_timeline_at ON incident_timeline (incident_id, at, id);
      -- A message pinned twice (two people, or a retried event) is one entry.
      CREATE UNIQUE INDEX incident_timeline_source ON incident_timeline (incident_id, kind, source_ts)
        WHERE source_ts IS NOT NULL;
    `,
  },
  {
    version: 5,
    name: 'releases',
    sql: `
      -- The release ledger: one row per deploy or rollback a job started, written in the transaction
      -- of its audit row. Unlike the audit log, a row changes: its outcome at the result, and to
      -- 'rolled_back' when a later rollback moves away from it.
      CREATE TABLE releases (
        id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind              text NOT NULL,
        service           text NOT NULL,
        env               text NOT NULL,
        context           text NOT NULL,
        namespace         text NOT NULL,
        deployment        text NOT NULL,
        rs_uid            text,
        template_hash     text,
        revision          integer,
        image             text NOT NULL,
        digest            text,
        version           text NOT NULL,
        strategy          text NOT NULL,
        requester         text NOT NULL,
        approvers         text[] NOT NULL DEFAULT '{}',
        reason            text,
        job_id            text NOT NULL UNIQUE,
        incident_channel  text,
        requested_at      timestamptz NOT NULL,
        started_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
        finished_at       timestamptz,
        outcome           text,
        outcome_detail    text,
        rolled_back_from  bigint REFERENCES releases (id),
        rolled_back_at    timestamptz,
        rolled_back_by    bigint REFERENCES releases (id)
      );
      CREATE INDEX releases_target ON releases (service, env, started_at DESC, id DESC);
    `,
  },
  {
    version: 6,
    name: 'releases_approved_at',
    sql: `
      -- When the approval that let a release run was given (null: it needed none, or it predates this
      -- column): the part of a release's lead time spent waiting for people, for /ops stats and metrics.
      ALTER TABLE releases ADD COLUMN approved_at timestamptz;
      -- /ops stats and /ops history over everything or one environment read a window of started_at.
      CREATE INDEX releases_started ON releases (started_at);
    `,
  },
  {
    version: 8,
    name: 'backup_verifies_and_rpo_breaches',
    sql: `
      -- Every restore drill's result (from /backup verify, its button, or a schedule): the digest's
      -- "last successful verify" and whether a scheduled drill is due.
      CREATE TABLE backup_verifies (
        id            bigserial PRIMARY KEY,
        backup_id     text NOT NULL,
        database      text NOT NULL,
        passed        boolean NOT NULL,
        job_id        text NOT NULL,
        requested_by  text NOT NULL,
        error         text,
        finished_at   timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX backup_verifies_database ON backup_verifies (database, passed, finished_at DESC);
      -- One row per breach of a database's RPO, named by the newest good backup at the time ('none'
      -- when there is none): the first replica to insert it posts, so a breach is announced once.
      CREATE TABLE backup_rpo_breaches (
        database      text NOT NULL,
        newest_backup text NOT NULL,
        announced_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (database, newest_backup)
      );
      CREATE INDEX backups_newest ON backups (database, status, created_at DESC);
    `,
  },
];
