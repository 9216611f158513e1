SELECT year + 1 FROM events;
SELECT CAST(price AS VARCHAR) || user_id, quantity / 0, price % 2, -quantity FROM events WHERE price BETWEEN 'a' AND 2;
SELECT COUNT(DISTINCT category), approx_distinct(user_id), COUNT_IF(quantity), SUM(user_id) FROM events GROUP BY ROLLUP(1);
SELECT date_trunc('week', "timestamp"), date_format("timestamp", '%Y-%m'), from_iso8601_timestamp(user_id) FROM events ORDER BY 4;
SELECT e.user_id, f.x FROM events e LEFT JOIN (SELECT 1 AS x) f ON e.quantity = f.x;
SELECT ROW_NUMBER() OVER (PARTITION BY category ORDER BY price DESC NULLS FIRST), LAG(price, 2) OVER (ORDER BY "timestamp") FROM events;
EXPLAIN SELECT * FROM events WHERE hour = '01' AND price > 10;
SHOW PARTITIONS events; DESCRIBE events; SHOW CREATE TABLE events; SHOW TABLES IN analytics;
SELECT * FROM nosuch; SELECT nosuchcol FROM events; SELECT CASE WHEN 1 THEN 'a' END FROM events HAVING COUNT(*) > 1
