
SELECT COUNT(*) AS n FROM events;

SELECT product_id,
       SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END) AS views,
       SUM(CASE WHEN event_type = 'purchase'  THEN 1 ELSE 0 END) AS purchases,
       CAST(SUM(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS DOUBLE)
         / NULLIF(SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END), 0) AS conversion_rate
FROM events
WHERE product_id IS NOT NULL
GROUP BY product_id
ORDER BY conversion_rate DESC;

SELECT year, month, day, hour,
       SUM(price * quantity) AS revenue,
       COUNT(*) AS purchases
FROM events
WHERE event_type = 'purchase'
GROUP BY year, month, day, hour
ORDER BY year, month, day, hour;

SELECT date_trunc('hour', "timestamp") AS hour_start,
       SUM(price * quantity) AS revenue,
       COUNT(*) AS purchases
FROM events
WHERE event_type = 'purchase'
GROUP BY 1
ORDER BY 1;

SELECT product_id, COUNT(*) AS views
FROM events
WHERE event_type = 'page_view'
GROUP BY product_id
ORDER BY views DESC
LIMIT 10;

SELECT year, month, day, category, event_type, COUNT(*) AS events
FROM events
WHERE category IS NOT NULL
GROUP BY year, month, day, category, event_type
ORDER BY year, month, day, category, event_type;

SELECT year, month, day,
       COUNT(DISTINCT user_id)    AS unique_users,
       COUNT(DISTINCT session_id) AS unique_sessions,
       COUNT(*)                   AS events
FROM events
GROUP BY year, month, day
ORDER BY year, month, day;
