

-- Q4 category performance: daily event counts by category  (Athena: 1.997 s, 77.62 MB scanned)
SELECT year, month, day, category, event_type, COUNT(*) AS events
FROM events
WHERE category IS NOT NULL
GROUP BY year, month, day, category, event_type
ORDER BY year, month, day, category, event_type
