/// The statements live mode runs: Shaken Fist's queue SQL (model file section 11) in one
/// readable file. `simrun live sql` prints it; edit a copy and pass it with `--sql FILE` to
/// try your own statements. Each statement starts with a `-- name: NAME` line; `:param`
/// is a bound value (a list expands to `a, b, c`), `{key}` is the coalescing key's columns
/// (`AND co.network_uuid = :key_network_uuid ...`). Times are UNIX seconds (DOUBLE), op uuids
/// CHAR(32) without dashes, state uuids VARCHAR(36) with dashes, as in the real schema.
enum QueueSQL {
    /// The join of an op to its state, as the fixed code (#3878) has it: the state row's
    /// uuid is the op's uuid with dashes.
    static let stateJoin = "os.object_uuid = CONCAT_WS('-', SUBSTR(co.uuid, 1, 8), SUBSTR(co.uuid, 9, 4), "
        + "SUBSTR(co.uuid, 13, 4), SUBSTR(co.uuid, 17, 4), SUBSTR(co.uuid, 21, 12))"
    /// The join as deployed from 2026-05-26 to 2026-08-24: undashed against dashed, so it
    /// never matches and steps 4 and 5 are inert.
    static let stateJoinAsDeployed = "os.object_uuid = co.uuid"

    /// The statements with the deployed (inert) join in the step 4 and 5 statements.
    static var asDeployed: String { text.replacing(stateJoin, with: stateJoinAsDeployed) }

    static let text = """
    -- simrun live mode: the queue's SQL (MariaDB 10.11). One statement per `-- name:`.

    -- name: schema
    CREATE TABLE IF NOT EXISTS cluster_operations (
        uuid CHAR(32) NOT NULL PRIMARY KEY,
        operation_type VARCHAR(64) NOT NULL,
        created_at DOUBLE NOT NULL,
        node_uuid CHAR(32) NULL,
        instance_uuid CHAR(32) NULL,
        network_uuid CHAR(32) NULL,
        priority VARCHAR(32) NOT NULL,
        metadata_json JSON NOT NULL,
        INDEX (network_uuid)
    ) ENGINE=InnoDB;
    CREATE TABLE IF NOT EXISTS object_states (
        object_type VARCHAR(64) NOT NULL,
        object_uuid VARCHAR(36) NOT NULL,
        state_value VARCHAR(32) NOT NULL,
        update_time DOUBLE NOT NULL,
        message VARCHAR(255) NULL,
        PRIMARY KEY (object_type, object_uuid)
    ) ENGINE=InnoDB;
    CREATE TABLE IF NOT EXISTS work_queue (
        id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        queue_name VARCHAR(255) NOT NULL,
        scheduled_at DOUBLE NOT NULL,
        claimed_at DOUBLE NULL,
        claimed_by VARCHAR(255) NULL,
        attempts INT NOT NULL DEFAULT 0,
        payload JSON NOT NULL,
        created_at DOUBLE NOT NULL,
        INDEX (queue_name, claimed_at, scheduled_at)
    ) ENGINE=InnoDB;
    CREATE TABLE IF NOT EXISTS eventlog (
        id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        object_uuid CHAR(32) NOT NULL,
        event VARCHAR(64) NOT NULL,
        at DOUBLE NOT NULL,
        INDEX (event)
    ) ENGINE=InnoDB

    -- name: reset
    DELETE FROM work_queue;
    DELETE FROM object_states;
    DELETE FROM cluster_operations;
    DELETE FROM eventlog

    -- name: now
    SELECT UNIX_TIMESTAMP(NOW(6))

    -- name: insert_op
    INSERT INTO cluster_operations (uuid, operation_type, created_at, node_uuid, instance_uuid, network_uuid,
                                    priority, metadata_json)
    VALUES (:uuid, :type, UNIX_TIMESTAMP(NOW(6)), :node_uuid, :instance_uuid, :network_uuid, :priority, :metadata)

    -- name: insert_state
    INSERT INTO object_states (object_type, object_uuid, state_value, update_time)
    VALUES ('cluster_operation', :state_uuid, 'queued', UNIX_TIMESTAMP(NOW(6)))

    -- name: insert_row
    INSERT INTO work_queue (queue_name, scheduled_at, payload, created_at)
    VALUES (:queue, UNIX_TIMESTAMP(NOW(6)) + :delay, :payload, UNIX_TIMESTAMP(NOW(6)))

    -- name: load_op
    SELECT co.created_at, os.state_value, os.update_time
    FROM cluster_operations co
    JOIN object_states os ON os.object_type = 'cluster_operation' AND os.object_uuid = :state_uuid
    WHERE co.uuid = :uuid

    -- name: set_state
    UPDATE object_states SET state_value = :state, update_time = UNIX_TIMESTAMP(NOW(6)), message = :message
    WHERE object_type = 'cluster_operation' AND object_uuid = :state_uuid
      AND state_value NOT IN ('complete', 'error', 'abort', 'deleted')

    -- name: requeue_state
    UPDATE object_states SET state_value = 'queued', update_time = UNIX_TIMESTAMP(NOW(6))
    WHERE object_type = 'cluster_operation' AND object_uuid = :state_uuid
      AND state_value NOT IN ('complete', 'error', 'abort', 'deleted')

    -- name: claim
    SELECT id, queue_name, payload, scheduled_at, created_at, attempts FROM work_queue
    WHERE queue_name IN (:queues) AND claimed_at IS NULL AND scheduled_at <= UNIX_TIMESTAMP(NOW(6))
    ORDER BY FIELD(queue_name, :queues), scheduled_at
    LIMIT :limit FOR UPDATE SKIP LOCKED

    -- name: claim_bounded_staleness
    SELECT w.id, w.queue_name, w.payload, w.scheduled_at, w.created_at, w.attempts FROM work_queue w
    WHERE w.queue_name IN (:queues) AND w.claimed_at IS NULL AND w.scheduled_at <= UNIX_TIMESTAMP(NOW(6))
    ORDER BY CASE WHEN UNIX_TIMESTAMP(NOW(6)) - w.created_at > :after THEN 0
                  ELSE FIELD(w.queue_name, :queues) END, w.scheduled_at
    LIMIT :limit FOR UPDATE SKIP LOCKED

    -- name: dequeue_one
    SELECT id, queue_name, payload, scheduled_at, created_at, attempts FROM work_queue
    WHERE queue_name = :queue AND claimed_at IS NULL AND scheduled_at <= UNIX_TIMESTAMP(NOW(6))
    ORDER BY scheduled_at
    LIMIT 1 FOR UPDATE SKIP LOCKED

    -- name: mark_claimed
    UPDATE work_queue SET claimed_at = UNIX_TIMESTAMP(NOW(6)), claimed_by = :claimer, attempts = attempts + 1
    WHERE id IN (:ids)

    -- name: delete_row
    DELETE FROM work_queue WHERE id = :id

    -- name: reap_select
    SELECT id, attempts, JSON_VALUE(payload, '$.op_uuid') FROM work_queue
    WHERE claimed_at IS NOT NULL AND claimed_at < UNIX_TIMESTAMP(NOW(6)) - :claim_timeout
    ORDER BY id FOR UPDATE

    -- name: release_rows
    UPDATE work_queue SET claimed_at = NULL, claimed_by = NULL WHERE id IN (:ids)

    -- name: release_claims_select
    SELECT id, JSON_VALUE(payload, '$.op_uuid') FROM work_queue
    WHERE queue_name IN (:queues) AND claimed_at IS NOT NULL AND claimed_by LIKE CONCAT(:prefix, '%')
    ORDER BY id FOR UPDATE

    -- name: release_all
    UPDATE work_queue SET claimed_at = NULL, claimed_by = NULL WHERE claimed_at IS NOT NULL

    -- name: requeue_executing
    UPDATE object_states SET state_value = 'queued', update_time = UNIX_TIMESTAMP(NOW(6))
    WHERE object_type = 'cluster_operation' AND object_uuid IN (:state_uuids) AND state_value = 'executing'

    -- name: depth
    SELECT COUNT(*) FROM work_queue WHERE queue_name IN (:queues)

    -- name: has_pending_op
    SELECT COUNT(*) FROM cluster_operations co
    JOIN object_states os ON os.object_type = 'cluster_operation'
     AND os.object_uuid = CONCAT_WS('-', SUBSTR(co.uuid, 1, 8), SUBSTR(co.uuid, 9, 4), SUBSTR(co.uuid, 13, 4), SUBSTR(co.uuid, 17, 4), SUBSTR(co.uuid, 21, 12))
    WHERE co.network_uuid = :network_uuid AND os.state_value IN ('queued', 'executing')

    -- name: recent_outcomes
    SELECT os.update_time, os.state_value FROM cluster_operations co
    JOIN object_states os ON os.object_type = 'cluster_operation'
     AND os.object_uuid = CONCAT_WS('-', SUBSTR(co.uuid, 1, 8), SUBSTR(co.uuid, 9, 4), SUBSTR(co.uuid, 13, 4), SUBSTR(co.uuid, 17, 4), SUBSTR(co.uuid, 21, 12))
    WHERE co.network_uuid = :network_uuid AND os.state_value IN ('complete', 'error', 'abort', 'deleted')
    ORDER BY os.update_time DESC LIMIT 5

    -- name: find_pending
    SELECT co.uuid FROM cluster_operations co
    JOIN object_states os ON os.object_type = 'cluster_operation'
     AND \(stateJoin)
    WHERE co.operation_type = :type AND JSON_LENGTH(co.metadata_json, '$.tasks') = 1
      AND JSON_VALUE(co.metadata_json, '$.tasks[0]') = :task AND os.state_value = 'queued' {key}
      AND FIELD(co.priority, 'user_waiting', 'user_facing', 'user_facing_high_io', 'background',
                'background_high_io') <= :priority_rank
    ORDER BY co.created_at, co.uuid LIMIT 1

    -- name: fold_select
    SELECT co.uuid FROM cluster_operations co
    JOIN object_states os ON os.object_type = 'cluster_operation'
     AND \(stateJoin)
    WHERE co.operation_type = :type AND JSON_LENGTH(co.metadata_json, '$.tasks') = 1
      AND JSON_VALUE(co.metadata_json, '$.tasks[0]') IN (:tasks) AND os.state_value = 'queued' {key}
      AND co.uuid != :survivor
    ORDER BY co.created_at, co.uuid FOR UPDATE

    -- name: fold_update
    UPDATE object_states SET state_value = 'complete', update_time = UNIX_TIMESTAMP(NOW(6)),
           message = 'coalesced into sibling op'
    WHERE object_type = 'cluster_operation' AND object_uuid IN (:state_uuids) AND state_value = 'queued'

    -- name: event
    INSERT INTO eventlog (object_uuid, event, at) VALUES (:uuid, :event, UNIX_TIMESTAMP(NOW(6)))

    -- name: counters
    -- executed, folded, deduplicated, deferred, created, rows claimed now. The simrun:* rows
    -- are live mode's own counting rows (the eventlog's ordinary events are not counted).
    SELECT
      (SELECT COUNT(*) FROM eventlog WHERE event = 'simrun:executed'),
      (SELECT COUNT(*) FROM object_states WHERE message = 'coalesced into sibling op'),
      (SELECT COUNT(*) FROM eventlog WHERE event = 'simrun:deduplicated'),
      (SELECT COUNT(*) FROM eventlog WHERE event = 'simrun:deferred'),
      (SELECT COUNT(*) FROM cluster_operations),
      (SELECT COUNT(*) FROM work_queue WHERE claimed_at IS NOT NULL)

    -- name: quiet
    SELECT (SELECT COUNT(*) FROM work_queue)
         + (SELECT COUNT(*) FROM object_states WHERE state_value IN ('queued', 'executing'))
    """
}
