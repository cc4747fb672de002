-- What GET /api/v1/derived/{period} reads, as plain SQL for sqlite3: Derivation.registers
-- (Sources/App/Reports/Derivation.swift: the one pass over the quarter's sessions, then the small
-- queries on the other registers) and Complaints.derivedAll (Sources/App/Complaints/Complaints.swift:
-- the cases that may count, then their updates). The benchmark script replaces :from and :to with
-- the quarter's first and last day, :start and :end with its first instant and the next quarter's
-- (seconds since 1970, as SQLite holds Fluent's dates).
--
-- The indexes each statement uses (EXPLAIN QUERY PLAN on the demo database, by sqlite3 3.40 and by
-- the server's SQLite 3.54 alike, which adds a Bloom filter to the list of step 1):
--   1. the one pass over the quarter's sessions (Derivation.sessionsPass):
--        SEARCH s USING COVERING INDEX exam_sessions_derivation_idx (date>? AND date<?)
--        SEARCH f USING INDEX fee_standards_one_active (unit_code=? AND level=?) LEFT-JOIN
--        SEARCH st USING INDEX sqlite_autoindex_stations_1 (code=?) LEFT-JOIN
--        SEARCH sc USING INDEX sqlite_autoindex_station_scopes_2 (station_code=? AND occupation_code=?) LEFT-JOIN
--        USE TEMP B-TREE FOR GROUP BY (the rows come in date order; sorted by unit once)
--        LIST SUBQUERY 1: SCAN v (the visits that handled a violation, read once)
--        USE TEMP B-TREE FOR count(DISTINCT), six times (one per distinct count, per unit)
--   2. units with an active fee standard: SCAN fee_standards, USE TEMP B-TREE FOR DISTINCT
--   3. supervision reports in the quarter:
--        SEARCH supervision_reports USING INDEX supervision_reports_day_idx (supervised_on>? AND supervised_on<?)
--   4. legacy visits in the quarter:
--        SEARCH supervision_visits USING INDEX supervision_visits_date_idx (visited_on>? AND visited_on<?)
--   5. visits with a violation and no report:
--        SEARCH v USING INDEX supervision_visits_date_idx (visited_on>? AND visited_on<?)
--        CORRELATED SCALAR SUBQUERY: SEARCH r USING COVERING INDEX sqlite_autoindex_supervision_reports_3 (visit_id=?)
--   6. the complaints that may count: SEARCH complaints USING INDEX complaints_received_idx (received_at<?)
--   7. their updates (the code asks for them 500 ids at a time):
--        SEARCH complaint_updates USING INDEX complaint_updates_case_idx (complaint_id=?)
--        LIST SUBQUERY: SEARCH complaints USING INDEX complaints_received_idx (received_at<?)
--        USE TEMP B-TREE FOR ORDER BY
SELECT s.unit_code, COUNT(*) AS sessions,
  COUNT(DISTINCT CASE WHEN s.standard_kind = 'national' THEN s.occupation_code END) AS std_national,
  COUNT(DISTINCT CASE WHEN s.standard_kind = 'verifiedLocal' THEN s.occupation_code END) AS std_verified_local,
  COUNT(DISTINCT CASE WHEN s.standard_kind NOT IN ('national', 'verifiedLocal') THEN s.occupation_code END)
    AS std_unverified_local,
  COUNT(DISTINCT CASE WHEN s.bank_kind = 'national' THEN s.occupation_code END) AS bank_national,
  COUNT(DISTINCT CASE WHEN s.bank_kind = 'certifiedLocal' THEN s.bank_code END) AS bank_certified_local,
  COUNT(DISTINCT CASE WHEN s.bank_kind NOT IN ('national', 'certifiedLocal') THEN s.bank_code END)
    AS bank_uncertified_local,
  SUM(CASE WHEN s.fee_fen > f.fee_fen THEN 1 ELSE 0 END) AS overcharged,
  SUM(CASE WHEN s.fee_fen > f.fee_fen
            AND s.id IN (SELECT v.session_id FROM supervision_visits v WHERE v.violation_handled = 1)
           THEN 1 ELSE 0 END) AS overcharged_handled,
  SUM(CASE WHEN st.code IS NOT NULL AND (s.region_code <> st.region_code OR sc.id IS NULL
            OR CAST(s.level AS INTEGER) < CAST(sc.max_level AS INTEGER)) THEN 1 ELSE 0 END) AS breaches,
  SUM(CASE WHEN s.legacy_supervised = 1 THEN 1 ELSE 0 END) AS legacy_supervised
FROM exam_sessions s
LEFT JOIN fee_standards f ON f.unit_code = s.unit_code AND f.level = s.level AND f.active
LEFT JOIN stations st ON st.code = s.station_code
LEFT JOIN station_scopes sc ON sc.station_code = s.station_code AND sc.occupation_code = s.occupation_code
WHERE s.date >= ':from' AND s.date <= ':to'
GROUP BY s.unit_code;
SELECT DISTINCT unit_code, 1 AS n FROM fee_standards WHERE active = 1;
SELECT unit_code, COUNT(*) AS n FROM supervision_reports
WHERE supervised_on >= ':from' AND supervised_on <= ':to' GROUP BY unit_code;
SELECT unit_code, COUNT(*) AS n FROM supervision_visits
WHERE visited_on >= ':from' AND visited_on <= ':to' AND legacy = 1 GROUP BY unit_code;
SELECT unit_code, COUNT(*) AS n,
       SUM(CASE WHEN violation_handled = 1 THEN 1 ELSE 0 END) AS handled
FROM supervision_visits v WHERE visited_on >= ':from' AND visited_on <= ':to' AND violation_found = 1
AND NOT EXISTS (SELECT 1 FROM supervision_reports r WHERE r.visit_id = v.id)
GROUP BY unit_code;
SELECT * FROM complaints
WHERE received_at < :end AND status NOT IN ('unfounded', 'refused') AND (closed_at IS NULL OR closed_at >= :start);
SELECT * FROM complaint_updates
WHERE complaint_id IN (SELECT id FROM complaints
                       WHERE received_at < :end AND status NOT IN ('unfounded', 'refused')
                         AND (closed_at IS NULL OR closed_at >= :start))
  AND at < :end ORDER BY at;
