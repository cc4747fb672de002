-- The aggregation of Sources/App/Reports/Derivation.swift as plain SQL, for sqlite3.
-- :from and :to are replaced by the benchmark script with the quarter's first and last day.
SELECT unit_code, standard_kind, COUNT(DISTINCT occupation_code) FROM exam_sessions
 WHERE date >= ':from' AND date <= ':to' GROUP BY unit_code, standard_kind;
SELECT unit_code, bank_kind, CASE WHEN bank_kind = 'national' THEN COUNT(DISTINCT occupation_code) ELSE COUNT(DISTINCT bank_code) END
  FROM exam_sessions WHERE date >= ':from' AND date <= ':to' GROUP BY unit_code, bank_kind;
SELECT unit_code, COUNT(*) FROM exam_sessions WHERE date >= ':from' AND date <= ':to' GROUP BY unit_code;
SELECT DISTINCT unit_code, 1 FROM fee_standards WHERE active = 1;
SELECT s.unit_code, COUNT(*),
       SUM(CASE WHEN EXISTS (SELECT 1 FROM supervision_visits v WHERE v.session_id = s.id AND v.violation_handled = 1) THEN 1 ELSE 0 END)
  FROM exam_sessions s JOIN fee_standards f ON f.unit_code = s.unit_code AND f.level = s.level AND f.active = 1
 WHERE s.date >= ':from' AND s.date <= ':to' AND s.fee_fen > f.fee_fen GROUP BY s.unit_code;
SELECT s.unit_code, COUNT(*) FROM exam_sessions s
  JOIN stations st ON st.code = s.station_code
  LEFT JOIN station_scopes sc ON sc.station_code = s.station_code AND sc.occupation_code = s.occupation_code
 WHERE s.date >= ':from' AND s.date <= ':to'
   AND (s.region_code <> st.region_code OR sc.id IS NULL OR CAST(s.level AS INTEGER) < CAST(sc.max_level AS INTEGER))
 GROUP BY s.unit_code;
SELECT unit_code, COUNT(*) FROM exam_sessions WHERE date >= ':from' AND date <= ':to' AND supervisor_id IS NOT NULL GROUP BY unit_code;
SELECT unit_code, COUNT(*) FROM supervision_visits WHERE visited_on >= ':from' AND visited_on <= ':to' GROUP BY unit_code;
SELECT unit_code, COUNT(*), SUM(CASE WHEN violation_handled = 1 THEN 1 ELSE 0 END) FROM supervision_visits
 WHERE visited_on >= ':from' AND visited_on <= ':to' AND violation_found = 1 GROUP BY unit_code;
