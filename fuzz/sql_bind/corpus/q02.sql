

-- Q1 conversion funnel: views -> purchases per product  (Athena: 4.696 s, 290.58 MB scanned)
SELECT product_id,
       SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END) AS views,
       SUM(CASE WHEN event_type = 'purchase'  THEN 1 ELSE 0 END) AS purchases,
       CAST(SUM(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS DOUBLE)
         / NULLIF(SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END), 0) AS conversion_rate
FROM events
WHERE product_id IS NOT NULL
GROUP BY product_id
ORDER BY conversion_rate DESC
