

-- Q3 top 10 products by views  (Athena: 1.528 s, 176.15 MB scanned)
SELECT product_id, COUNT(*) AS views
FROM events
WHERE event_type = 'page_view'
GROUP BY product_id
ORDER BY views DESC
LIMIT 10
