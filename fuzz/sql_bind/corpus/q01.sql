-- The five analytics questions the pipeline exists to answer, written in the Athena/Trino dialect
-- against the processed table `events` (partition columns year, month, day, hour are zero-padded
-- strings). They must run unchanged. Published Athena figures at >171M rows are noted after each.

-- Q0 row count  (Athena: 1.2 s)
SELECT COUNT(*) AS n FROM events
