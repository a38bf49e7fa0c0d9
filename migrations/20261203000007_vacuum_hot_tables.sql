-- Tables whose rows are replaced all day are vacuumed after a fixed number of dead rows rather
-- than a fifth of the table (docs/decisions/0005-backbone.md). Every message moves its
-- conversation to the top of the list indexes and leaves a dead entry where it was; the job
-- and dispatch queues are rows written once and deleted soon after. Until a vacuum, scans step
-- over those dead entries, at the very places lists and claims read first.

alter table conversations set (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 2000,
                               autovacuum_analyze_scale_factor = 0.02);
alter table jobs set (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 1000);
alter table job_queues set (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 1000);
alter table event_dispatch set (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 1000);
alter table webhook_deliveries set (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000);
alter table automation_runs set (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 1000);
alter table conversation_counts set (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 500);
