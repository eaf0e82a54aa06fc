-- Schema version 5: compact revalidations.

-- A 304 to a conditional re-check written compactly (not_modified_record = "compact") has no
-- snapshot or records of its own: its check points at the snapshot it validated (snapshot_id)
-- and at the batch's WARC metadata record that holds its line (one JSON line per 304), and its
-- judgements are written only when they differ from the citation's previous ones.
ALTER TABLE checks ADD COLUMN revalidation_record_id INTEGER REFERENCES records(id);
