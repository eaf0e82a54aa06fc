-- Schema version 12: RFC 3161 time-stamps of the run manifests (issue 17).
--
-- With `tsa_url` set, each run's manifest hash is sent to that time-stamp authority when the
-- run closes; its reply (a DER TimeStampResp, whose token carries the hash and the authority's
-- time and signature) is kept here. `verify --chain` checks that it is granted and for that hash.
ALTER TABLE manifests ADD COLUMN tsa_reply BLOB;
ALTER TABLE manifests ADD COLUMN tsa_time TEXT;   -- the token's genTime, as written
