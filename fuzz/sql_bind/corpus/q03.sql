

-- Q2 hourly revenue  (Athena: 1.781 s, 452.88 MB scanned)
SELECT year, month, day, hour,
       SUM(price * quantity) AS revenue,
       COUNT(*) AS purchases
FROM events
WHERE event_type = 'purchase'
GROUP BY year, month, day, hour
ORDER BY year, month, day, hour
