-- Schema version 9: a revisit's payload SHA-1 is its original's.
--
-- A 304 written as a server-not-modified revisit kept the SHA-1 of its own empty body (its
-- SHA-256 was already the original's); `export cdxj` wrote that SHA-1, so tools that pair a
-- revisit with its original by digest could not. Data only: readers of version 8 read
-- version 9 as they did.
UPDATE snapshots
SET payload_sha1 = (SELECT o.payload_sha1 FROM snapshots o WHERE o.id = snapshots.revisit_of)
WHERE revisit_of IS NOT NULL
  AND EXISTS (SELECT 1 FROM snapshots o WHERE o.id = snapshots.revisit_of);
