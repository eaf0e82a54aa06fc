-- Schema version 6: a citation's reference is its first capture that was fine and complete.
--
-- Before, the first 2xx capture became the reference even when its check ended too-large,
-- timeout, connect-failure (the body cut off) or soft-404, and every later good check then read
-- as `replaced`. Such a reference moves to the first fine (ok or redirected) and complete check
-- of the URL after it, or is cleared when there is none yet (the next fine capture becomes the
-- reference). Judgements already written keep the grades they were given.
UPDATE citations SET reference_snapshot_id = (
    SELECT k.snapshot_id FROM checks k JOIN snapshots s ON s.id = k.snapshot_id
    WHERE k.url_id = citations.url_id
      AND k.outcome IN ('ok', 'redirected')
      AND s.truncated IS NULL
      AND s.http_status BETWEEN 200 AND 299
      AND k.id > (SELECT r.check_id FROM snapshots r WHERE r.id = citations.reference_snapshot_id)
    ORDER BY k.id LIMIT 1)
WHERE reference_snapshot_id IN (
    SELECT s.id FROM snapshots s JOIN checks k ON k.id = s.check_id
    WHERE k.outcome NOT IN ('ok', 'redirected') OR s.truncated IS NOT NULL);
