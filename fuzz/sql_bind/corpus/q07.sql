

-- Q5 user activity: unique users and sessions per day  (Athena: 4.794 s, 1.78 GB scanned)
SELECT year, month, day,
       COUNT(DISTINCT user_id)    AS unique_users,
       COUNT(DISTINCT session_id) AS unique_sessions,
       COUNT(*)                   AS events
FROM events
GROUP BY year, month, day
ORDER BY year, month, day
