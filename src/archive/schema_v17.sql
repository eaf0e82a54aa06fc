-- Schema version 17: the payload index holds only the captures that hold their payload.
--
-- It is read to find the record a revisit refers to (`revisit_of IS NULL` in every query that
-- uses it); a revisit's entry was never read, and on an unchanged night every citation adds
-- one (a 304's revisit carries its original's digest): about 77 bytes per URL per night.
DROP INDEX IF EXISTS snapshots_by_payload;
CREATE INDEX snapshots_by_payload ON snapshots (payload_sha256) WHERE revisit_of IS NULL;
