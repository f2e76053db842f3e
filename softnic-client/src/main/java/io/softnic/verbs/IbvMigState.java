package io.softnic.verbs;

/**
 * {@code enum ibv_mig_state}: automatic path migration of an RC QP. ARMED: an alternate path is loaded and the QP
 * moves to it when the primary fails; MIGRATED: it has moved (or has nothing to move to); REARM: asked to arm again.
 */
public enum IbvMigState
{
    MIGRATED,
    REARM,
    ARMED
}
