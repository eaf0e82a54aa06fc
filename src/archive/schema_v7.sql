-- Schema version 7: the text cache says which extractor made each text.
--
-- A cached text made by an older extractor (before datelines were dropped and before the
-- banner cleaning stopped removing article containers) compared with a fresh one would read
-- as an edit of every page on the first night after an upgrade. Rows carry the extractor's
-- version (content::EXTRACTOR_VERSION); a row of another version is a cache miss and is
-- replaced. The cache is derivable from the archived payloads, so older rows are dropped here.
DELETE FROM texts;
ALTER TABLE texts ADD COLUMN extractor INTEGER NOT NULL DEFAULT 0;
