INSERT INTO t SELECT * FROM u;
INSERT INTO db.t (a, "B", `c`) VALUES (1, 'x', NULL), (-2, 'y''z', CAST(NULL AS DATE));
INSERT INTO t VALUES 1, 2, 3;
INSERT INTO t (a) (SELECT 1);
INSERT INTO t (a) WITH q AS (SELECT 1) SELECT * FROM q;
insert into t values ((select 1), (1 + 2) * 3)