-- The de-duplication keys are collected by age once a day (prune_dedup_keys); a BRIN index on
-- occurred_at serves that (keys arrive in time order) and costs the recorder almost nothing per
-- key, where the b-tree it replaces cost an index insert on every recorded milestone.
drop index telemetry.event_dedup_keys_occurred_idx;
create index event_dedup_keys_occurred_idx on telemetry.event_dedup_keys using brin (occurred_at);
