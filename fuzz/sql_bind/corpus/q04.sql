

-- Q2b the same by truncating the event timestamp
SELECT date_trunc('hour', "timestamp") AS hour_start,
       SUM(price * quantity) AS revenue,
       COUNT(*) AS purchases
FROM events
WHERE event_type = 'purchase'
GROUP BY 1
ORDER BY 1
