-- Schema version 14: quoted passages checked against the source (issue 17).
--
-- `citations.quotes`: the passages the article quotes from the source (a JSON array of
-- strings; NULL when none). `judgements.quotes`: how each read in that capture (a JSON array of
-- {quote, status, passage, differences, in_reference}); `judgements.quote_removed`: a passage
-- found in the reference and in the previous capture that this capture no longer has (news).
ALTER TABLE citations ADD COLUMN quotes TEXT;
ALTER TABLE judgements ADD COLUMN quotes TEXT;
ALTER TABLE judgements ADD COLUMN quote_removed TEXT;
